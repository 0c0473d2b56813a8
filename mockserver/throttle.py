"""Fixed-window rate limits, counted per declared key (token, team, path parameters) on the mock clock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # unix seconds
    retry_after: int


class Throttle:
    def __init__(self) -> None:
        self.windows: dict[tuple[Any, ...], list[float]] = {}  # key -> [window_start, count]

    def hit(self, key: tuple[Any, ...], limit: int, window: int, now: float) -> Verdict:
        slot = self.windows.get(key)
        if slot is None or now >= slot[0] + window:
            slot = [now, 0]
            self.windows[key] = slot
        reset = slot[0] + window
        if slot[1] >= limit:
            return Verdict(False, limit, 0, int(reset), max(1, int(reset - now + 0.999)))
        slot[1] += 1
        return Verdict(True, limit, int(limit - slot[1]), int(reset), 0)

    def reset(self) -> None:
        self.windows.clear()
