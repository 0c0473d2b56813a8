"""`--junit-xml PATH`: one `<testsuite>` per operation and one `<testcase>` per operation × check, failed with each
finding's message, the answer and a curl line, or skipped with the reason. A partial run says so in the root's
properties."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from ..events import RunInfo
from ..findings import Finding, Results
from .final import FinalReport

KEYS = ("tests", "failures", "errors", "skipped")


def _text(finding: Finding) -> str:
    parts = [f"[{finding.severity}] {finding.message}"]
    if finding.response:
        parts.append(f"answer: {finding.response}")
    if finding.curl:
        parts.append(finding.curl)
    return "\n\n".join(parts)


class JunitReport(FinalReport):
    def render(self, results: Results, info: RunInfo) -> str:
        root = ET.Element("testsuites", name="conformance", time=f"{info.seconds:.3f}")
        properties = ET.SubElement(root, "properties")
        ET.SubElement(properties, "property", name="state", value=info.state)
        if info.partial:
            ET.SubElement(properties, "property", name="stopped", value=info.partial)
            ET.SubElement(properties, "property", name="last_request", value=info.last_request or "")
        totals: Counter[str] = Counter()
        for oid in results.operations:
            suite = ET.SubElement(root, "testsuite", name=oid, hostname=info.base_url)
            counts: Counter[str] = Counter()
            for check, outcome in results.for_operation(oid).items():
                case = ET.SubElement(suite, "testcase", classname=f"{oid} ({self.catalog.label(oid)})", name=check)
                counts["tests"] += 1
                if outcome.status == "failed":
                    counts["failures"] += 1
                    ET.SubElement(case, "failure", message=outcome.findings[0].title, type=check).text = \
                        "\n\n".join(_text(f) for f in outcome.findings)
                elif outcome.status == "error":
                    counts["errors"] += 1
                    ET.SubElement(case, "error", message=outcome.errors[0][:200]).text = "\n".join(outcome.errors)
                elif outcome.status == "skipped":
                    counts["skipped"] += 1
                    ET.SubElement(case, "skipped", message=outcome.skipped or "not applicable")
            for key in KEYS:
                suite.set(key, str(counts[key]))
            totals.update(counts)
        for key in KEYS:
            root.set(key, str(totals[key]))
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
