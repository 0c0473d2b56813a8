"""stdout: a `FINDING <operationId> <check>: …` line per finding, an `ERROR` line per check that could not run,
and the one-line verdict, when the run finishes."""
from __future__ import annotations

from typing import TextIO

from ..events import Event, RunFinished, RunInfo
from ..findings import Results


def verdict(results: Results, info: RunInfo) -> str:
    state = "FAIL" if results.exit_code else "PASS"
    partial = f" (PARTIAL: {info.partial})" if info.partial else ""
    accepted = f", {len(results.accepted)} accepted by the baseline" if results.accepted else ""
    return (f"{state}{partial}: {len(results.operations)} operations, {results.checks_run} checks run, "
            f"{len(results.findings)} findings{accepted}, {len(results.errors)} errors in {info.seconds:.1f} s")


class Console:
    def __init__(self, out: TextIO):
        self.out = out

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        results, info = event.results, event.info
        for finding in results.findings:
            print(f"FINDING {finding.operation} {finding.check}: {finding.title}", file=self.out)
        for op, check, message in results.errors:
            print(f"ERROR {op} {check}: {message}", file=self.out)
        if info.partial and info.last_request:
            print(f"STOPPED after {info.last_request}", file=self.out)
        for entry in info.stale_baseline:
            print(f"STALE baseline entry: {entry}", file=self.out)
        print(verdict(results, info), file=self.out)
