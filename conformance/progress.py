"""Live progress on stderr: a bar per phase on a terminal, one line per finished phase elsewhere (CI logs)."""
from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.live = enabled and self.stream.isatty()
        self.name, self.total, self.count, self.started = "", 0, 0, 0.0
        self.findings = lambda: 0  # the runner points this at the results

    def phase(self, name: str, total: int) -> None:
        self.name, self.total, self.count, self.started = name, total, 0, time.monotonic()
        self._draw()

    def step(self, label: str) -> None:
        self.count += 1
        if self.live:
            self._draw(label)

    def done(self) -> None:
        if not self.enabled:
            return
        line = f"{self.name:<22} {self.count:>4} done  {time.monotonic() - self.started:6.1f} s  " \
               f"findings so far: {self.findings()}"
        self.stream.write(("\r\033[K" if self.live else "") + line + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
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
