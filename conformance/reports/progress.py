"""Live progress on stderr: a bar per phase on a terminal, one line per finished phase elsewhere (CI logs)."""
from __future__ import annotations

import time
from typing import TextIO

from ..events import Event, Note, Outcome, PhaseFinished, PhaseStarted, Step

WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.live = enabled and self.stream.isatty()
        self.name, self.total, self.count, self.started = "", 0, 0, 0.0
        self.findings = 0

    def handle(self, event: Event) -> None:
        if isinstance(event, Outcome) and event.status == "failed":
            self.findings += 1
        elif isinstance(event, PhaseStarted):
            self.name, self.total, self.count, self.started = event.name, event.total, 0, time.monotonic()
            self._draw()
        elif isinstance(event, Step):
            self.count += 1
            self._draw(event.label)
        elif isinstance(event, PhaseFinished):
            self._line(f"{self.name:<22} {self.count:>4} done  {time.monotonic() - self.started:6.1f} s  "
                       f"findings so far: {self.findings}")
        elif isinstance(event, Note):
            self._line(event.text)

    def _line(self, text: str) -> None:
        if self.enabled:
            self.stream.write(("\r\033[K" if self.live else "") + text + "\n")
            self.stream.flush()

    def _draw(self, label: str = "") -> None:
        if not self.live:
            return
        filled = int(WIDTH * self.count / self.total) if self.total else 0
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\r\033[K{self.name:<22} [{bar}] {self.count}/{self.total} {label[:60]}")
        self.stream.flush()
