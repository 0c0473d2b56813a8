"""A baseline of accepted findings (`--baseline FILE`, TOML): findings a team has decided to live with for a
while. Each entry names a check, optionally an operation (a glob) and text the finding's message contains, and
an `expires` date. An accepted finding is reported as accepted and does not fail the run; an entry past its date
accepts nothing, and the reports list it as stale, as they do entries that matched nothing.

    [[accept]]
    check = "status_code_conformance"
    operation = "list*"                     # optional, a glob over operationIds
    contains = "Received: 206"              # optional
    expires = 2026-12-31
    reason = "pagination fix ships in 4.2"
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .findings import Finding


class BaselineError(ValueError):
    """The baseline file cannot be used: a usage problem."""


@dataclass
class Entry:
    check: str
    expires: dt.date
    operation: str = "*"
    contains: str = ""
    reason: str = ""
    used: int = 0

    def matches(self, finding: Finding) -> bool:
        return finding.check == self.check and fnmatch.fnmatchcase(finding.operation, self.operation) \
            and self.contains in finding.message

    def describe(self) -> str:
        text = f"{self.check} {self.operation}" + (f" containing {self.contains!r}" if self.contains else "")
        return f"{text} (expires {self.expires.isoformat()})"


class Baseline:
    def __init__(self, entries: list[Entry], today: dt.date | None = None):
        self.entries = entries
        self.today = today or dt.date.today()

    @classmethod
    def load(cls, path: Path, today: dt.date | None = None) -> Baseline:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BaselineError(f"--baseline {path}: {exc}") from exc
        entries = []
        for number, item in enumerate(raw.get("accept", []), 1):
            entries.append(_entry(path, number, item))
        return cls(entries, today)

    def expired(self, entry: Entry) -> bool:
        return entry.expires < self.today

    def accepts(self, finding: Finding) -> bool:
        for entry in self.entries:
            if not self.expired(entry) and entry.matches(finding):
                entry.used += 1
                return True
        return False

    def stale(self) -> list[str]:
        """Entries to revisit: expired ones (they accept nothing any more) and ones no finding matched."""
        return [f"{entry.describe()}: " + ("expired" if self.expired(entry) else "matched no finding")
                for entry in self.entries if self.expired(entry) or not entry.used]


def _entry(path: Path, number: int, item: Any) -> Entry:
    where = f"--baseline {path}: entry {number}"
    if not isinstance(item, dict) or not isinstance(item.get("check"), str):
        raise BaselineError(f"{where} needs a check name")
    expires = item.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if not isinstance(expires, dt.date):
        raise BaselineError(f"{where} needs an expires date (expires = 2026-12-31)")
    unknown = set(item) - {"check", "operation", "contains", "expires", "reason"}
    if unknown:
        raise BaselineError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return Entry(item["check"], expires, str(item.get("operation", "*")), str(item.get("contains", "")),
                 str(item.get("reason", "")))
