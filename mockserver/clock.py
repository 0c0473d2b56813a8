"""The mock clock: real time plus an offset, optionally frozen. Jobs, throttles and webhook retries all read
it, so a test can jump 30 minutes ahead instead of waiting."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from contract import iso_utc

Wall = Callable[[], float]


class Clock:
    def __init__(self, wall: Wall = time.time):
        self._wall = wall
        self.offset = 0.0
        self.frozen_at: float | None = None
        self._iso: tuple[int, str] = (0, "")  # the last second formatted: most requests ask within it

    @property
    def wall(self) -> Wall:
        """The real time this clock reads (a reset's fresh clock reads the same one)."""
        return self._wall

    def now(self) -> float:
        base = self.frozen_at if self.frozen_at is not None else self._wall()
        return base + self.offset

    def now_iso(self) -> str:
        second = int(self.now())
        if self._iso[0] != second or not self._iso[1]:
            self._iso = (second, iso_utc(second))
        return self._iso[1]

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def freeze(self) -> None:
        if self.frozen_at is None:
            self.frozen_at = self._wall()

    def unfreeze(self) -> None:
        if self.frozen_at is not None:
            # keep the mock time continuous: what passed while frozen did not happen
            self.offset -= self._wall() - self.frozen_at
            self.frozen_at = None

    def state(self) -> dict[str, Any]:
        return {"now": self.now(), "iso": self.now_iso(), "offset": self.offset, "frozen": self.frozen_at is not None}
