"""Reports of a run: JUnit XML for CI (one testcase per operation × check), a markdown summary (one row per
operation, then every finding with a curl line that reproduces it), and the one-line verdict."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from contract import Contract

from .findings import Results

DETAIL_LINES = 12  # of a finding's message, in the markdown report


@dataclass
class RunInfo:
    base_url: str
    spec: str
    seconds: float
    fuzz_requests: int  # sent by schemathesis' phases (its checks' own probes not counted)
    own_requests: int  # sent by the suite's own checks
    credits_spent: dict[str, int]  # by part of the run, where the balance could be read
    flags: list[str]


def verdict(results: Results, info: RunInfo) -> str:
    state = "FAIL" if results.exit_code else "PASS"
    return (f"{state}: {len(results.operations)} operations, {results.checks_run} checks run, "
            f"{len(results.findings)} findings, {len(results.errors)} errors in {info.seconds:.1f} s")


def write_junit(results: Results, catalog: Contract, info: RunInfo, path: Path) -> None:
    root = ET.Element("testsuites", name="conformance", time=f"{info.seconds:.3f}")
    totals: Counter = Counter()
    for oid in results.operations:
        outcomes = results.for_operation(oid)
        suite = ET.SubElement(root, "testsuite", name=oid, hostname=info.base_url)
        counts: Counter = Counter()
        for check, outcome in outcomes.items():
            case = ET.SubElement(suite, "testcase", classname=f"{oid} ({catalog.label(oid)})", name=check)
            counts["tests"] += 1
            if outcome.status == "failed":
                counts["failures"] += 1
                text = "\n\n".join(f"[{f.severity}] {f.message}" + (f"\n\n{f.curl}" if f.curl else "")
                                   for f in outcome.findings)
                ET.SubElement(case, "failure", message=outcome.findings[0].title, type=check).text = text
            elif outcome.status == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=outcome.errors[0][:200]).text = "\n".join(outcome.errors)
            elif outcome.status == "skipped":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=outcome.skipped or "not applicable")
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
        totals.update(counts)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(results: Results, catalog: Contract, info: RunInfo, path: Path) -> None:
    lines = ["# Conformance report", "", f"**{verdict(results, info)}**", "",
             f"- Target: `{info.base_url}`", f"- Contract: `{info.spec}`",
             f"- Requests: {info.fuzz_requests} by schemathesis' phases, {info.own_requests} by the suite's own checks",
             "- Credits spent: " + (", ".join(f"{n} by {part}" for part, n in info.credits_spent.items())
                                    or "unknown (no readable balance)"),
             f"- Flags: {', '.join(info.flags) or 'none'}", "",
             "| Operation | Checks run | Findings | Worst finding |", "|---|---:|---:|---|"]
    for oid in results.operations:
        outcomes = results.for_operation(oid)
        ran = sum(1 for o in outcomes.values() if o.status in ("passed", "failed"))
        findings = [f for o in outcomes.values() for f in o.findings]
        worst = min(findings, key=lambda f: f.rank) if findings else None
        worst_text = f"[{worst.severity}] `{worst.check}`: {_cell(worst.title)[:120]}" if worst else ""
        anchor = f"[{len(findings)}](#{oid.lower()})" if findings else "0"
        lines.append(f"| `{oid}` {_cell(catalog.label(oid))} | {ran} | {anchor} | {worst_text} |")
    if results.findings:
        lines += ["", "## Findings"]
        for oid in results.operations:
            findings = [f for o in results.for_operation(oid).values() for f in o.findings]
            if not findings:
                continue
            lines += ["", f"### {oid}", "", f"`{catalog.label(oid)}`", ""]
            for f in sorted(findings, key=lambda f: (f.rank, f.check)):
                seen = f" (seen {f.count}×)" if f.count > 1 else ""
                lines.append(f"- **{f.check}** [{f.severity}], {f.phase or 'run'}{seen}: {_cell(f.title)}")
                detail = f.lines[1:DETAIL_LINES]
                if detail:
                    lines += ["", "  ```text", *[f"  {line}" for line in detail], "  ```"]
                if f.curl:
                    lines += ["", "  ```sh", f"  {f.curl}", "  ```"]
    skipped = Counter((check, o.skipped) for (op, check), o in results.outcomes.items() if o.status == "skipped")
    if skipped:
        lines += ["", "## Skipped", "", "| Check | Operations | Why |", "|---|---:|---|"]
        lines += [f"| `{check}` | {count} | {_cell(reason or '')} |"
                  for (check, reason), count in sorted(skipped.items())]
    if results.errors:
        lines += ["", "## Errors (the suite could not judge these)", ""]
        lines += [f"- `{op}` `{check}`: {_cell(message)[:300]}" for op, check, message in results.errors]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
