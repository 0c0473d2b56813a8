"""`--report PATH.md`: the verdict and the run's facts (requests, credits, clean-up, partial or complete), the
findings grouped by root cause, one row per operation, then every finding with its details, the answer and a
curl command that reproduces it. Tokens appear as `$TOKEN`, `$OTHER_TEAM_TOKEN`, `$LOW_CREDIT_TOKEN`."""
from __future__ import annotations

from collections import Counter

from ..events import RunInfo
from ..findings import Results
from .console import verdict
from .final import FinalReport

DETAIL_LINES = 12  # of a finding's message
ROOT_CAUSE_OPERATIONS = 8  # named per root cause before "and N more"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fenced(kind: str, text: str) -> list[str]:
    return ["", f"  ```{kind}", *[f"  {line}" for line in text.splitlines()], "  ```"]


class MarkdownReport(FinalReport):
    def render(self, results: Results, info: RunInfo) -> str:
        return "\n".join(self.lines(results, info)) + "\n"

    def lines(self, results: Results, info: RunInfo) -> list[str]:
        lines = ["# Conformance report", "", f"**{verdict(results, info)}**", ""]
        if info.partial:
            lines += [f"> **Partial report**: the run stopped early ({info.partial}). "
                      f"Last request: `{info.last_request or 'none'}`.", ""]
        credits = ", ".join(f"{n} by {part}" for part, n in info.credits_spent.items()) \
            or "unknown (no readable balance)"
        lines += [f"- Target: `{info.base_url}` ({info.target})", f"- Contract: `{info.spec}`",
                  f"- Requests: {info.fuzz_requests} by schemathesis' phases, {info.own_requests} by the suite's "
                  "own checks",
                  f"- Credits spent: {credits}" + (f"; budget: {info.budget}" if info.budget else ""),
                  f"- Records created: {info.created}, left behind: {len(info.remaining)}",
                  f"- Flags: {', '.join(info.flags) or 'none'}"]
        lines += self._root_causes(results)
        lines += ["", "| Operation | Checks run | Findings | Worst finding |", "|---|---:|---:|---|"]
        for oid in results.operations:
            outcomes = results.for_operation(oid)
            ran = sum(1 for o in outcomes.values() if o.status in ("passed", "failed"))
            findings = [f for o in outcomes.values() for f in o.findings]
            worst = min(findings, key=lambda f: f.rank) if findings else None
            worst_text = f"[{worst.severity}] `{worst.check}`: {_cell(worst.title)[:120]}" if worst else ""
            anchor = f"[{len(findings)}](#{oid.lower()})" if findings else "0"
            lines.append(f"| `{oid}` {_cell(self.catalog.label(oid))} | {ran} | {anchor} | {worst_text} |")
        lines += self._findings(results)
        if info.remaining:
            lines += ["", "## Records the run could not delete", ""] + [f"- {_cell(r)}" for r in info.remaining]
        if results.accepted or info.stale_baseline:
            lines += ["", "## Baseline", "", f"{len(results.accepted)} findings accepted by the baseline."]
            lines += [f"- stale entry: {_cell(entry)}" for entry in info.stale_baseline]
        skipped = Counter((check, o.skipped) for (op, check), o in results.outcomes.items() if o.status == "skipped")
        if skipped:
            lines += ["", "## Skipped", "", "| Check | Operations | Why |", "|---|---:|---|"]
            lines += [f"| `{check}` | {count} | {_cell(reason or '')} |"
                      for (check, reason), count in sorted(skipped.items(), key=lambda i: (i[0][0], i[0][1] or ""))]
        if results.errors:
            lines += ["", "## Errors (the suite could not judge these)", ""]
            lines += [f"- `{op}` `{check}`: {_cell(message)[:300]}" for op, check, message in results.errors]
        return lines

    def _root_causes(self, results: Results) -> list[str]:
        groups = results.groups()
        if not groups:
            return []
        lines = ["", "## Root causes", "", "| Rule | Cause | Operations |", "|---|---|---|"]
        for group in groups:
            ops = group.operations
            named = ", ".join(f"`{o}`" for o in ops[:ROOT_CAUSE_OPERATIONS])
            more = f" and {len(ops) - ROOT_CAUSE_OPERATIONS} more" if len(ops) > ROOT_CAUSE_OPERATIONS else ""
            lines.append(f"| `{group.check}` | {_cell(group.cause)[:160]} | {len(ops)}: {named}{more} |")
        return lines

    def _findings(self, results: Results) -> list[str]:
        if not results.findings:
            return []
        lines = ["", "## Findings"]
        for oid in results.operations:
            findings = [f for o in results.for_operation(oid).values() for f in o.findings]
            if not findings:
                continue
            lines += ["", f"### {oid}", "", f"`{self.catalog.label(oid)}`", ""]
            for f in sorted(findings, key=lambda f: (f.rank, f.check)):
                seen = f" (seen {f.count}×)" if f.count > 1 else ""
                lines.append(f"- **{f.check}** [{f.severity}], {f.phase or 'run'}{seen}: {_cell(f.title)}")
                detail = f.lines[1:DETAIL_LINES]
                if detail:
                    lines += _fenced("text", "\n".join(detail))
                if f.response:
                    lines += _fenced("text", "answer: " + f.response)
                if f.curl:
                    lines += _fenced("sh", f.curl)
        return lines
