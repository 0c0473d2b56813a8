"""`--ndjson PATH`: one JSON line per event as the run goes (phases, findings, skips, errors, and the end of the
run), flushed line by line: if the run itself dies, what it found so far is on disk."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from ..events import Event, Note, Outcome, PhaseFinished, PhaseStarted, RunFinished, RunStarted
from .json_report import finding_dict


class NdjsonReport:
    def __init__(self, path: Path):
        self.path = path
        self.stream: TextIO | None = None

    def _write(self, record: dict[str, Any]) -> None:
        if self.stream is None:
            self.stream = self.path.open("w", encoding="utf-8")
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._write({"event": "run_started", "run": asdict(event.info), "operations": event.operations})
        elif isinstance(event, PhaseStarted):
            self._write({"event": "phase_started", "phase": event.name, "operations": event.total})
        elif isinstance(event, PhaseFinished):
            self._write({"event": "phase_finished", "phase": event.name})
        elif isinstance(event, Outcome) and event.status != "passed":
            record: dict[str, Any] = {"event": event.status, "operation": event.operation, "check": event.check}
            if event.finding is not None:
                record["finding"] = finding_dict(event.finding)
            if event.reason is not None:
                record["reason"] = event.reason
            self._write(record)
        elif isinstance(event, Note):
            self._write({"event": "note", "text": event.text})
        elif isinstance(event, RunFinished):
            self._write({"event": "run_finished", "state": event.info.state, "run": asdict(event.info),
                         "findings": len(event.results.findings), "exit_code": event.results.exit_code})
            if self.stream is not None:
                self.stream.close()
                self.stream = None
