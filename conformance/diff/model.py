"""Value types shared by the loader, the rules and the reports."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    # Ordered so that `level >= fail_on` reads naturally.
    INFO = 0
    WARN = 1
    ERR = 2

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {text!r} (expected ERR, WARN or INFO)") from None


@dataclass(frozen=True)
class Change:
    id: str
    level: Level
    operation: str  # "GET /reports/{id}", or a component such as "security"
    message: str  # one line; starts with the location when there is one
    path: str = ""  # location inside the operation, e.g. "response 200 application/json /data/status"

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "level": self.level.name,
            "operation": self.operation,
            "message": self.message,
            "path": self.path,
        }

    def sort_key(self) -> tuple:
        # Most severe first, then stable by place so reports diff cleanly between runs.
        return (-int(self.level), self.operation, self.path, self.id, self.message)
