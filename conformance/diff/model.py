"""Value types shared by the loader, the rules and the reports."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


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

    def sort_key(self) -> tuple[int, str, str, str, str]:
        # Most severe first, then stable by place so reports diff cleanly between runs.
        return (-int(self.level), self.operation, self.path, self.id, self.message)


STABILITY_LEVELS = ("draft", "alpha", "beta", "stable")  # x-stability-level, least stable first


@dataclass(frozen=True)
class Policy:
    """The deprecation policy (oasdiff's --deprecation-days-beta/-stable): how many days a
    deprecated operation must stay before its x-sunset. 0, the default, requires no x-sunset."""

    beta_days: int = 0
    stable_days: int = 0
    today: date = field(default_factory=date.today)

    def days_for(self, stability: str | None) -> int:
        # draft and alpha may go at any time; an operation without a level counts as stable
        if stability in ("draft", "alpha"):
            return 0
        return self.beta_days if stability == "beta" else self.stable_days
