"""`--severity-levels FILE`: oasdiff's format for changing a rule's level in one run.

One `rule-id LEVEL` a line, `#` starts a comment; LEVEL is ERR, WARN, INFO, or
NONE to leave the rule out of the report. The catalog's levels stay the
defaults; a team uses this to, say, fail on `response-property-enum-value-added`.
"""
from __future__ import annotations

from dataclasses import replace

from . import rulefile
from .catalog import RULES
from .model import Change, Level


class SeverityFileError(Exception):
    pass


def parse_severity(text: str, label: str = "severity file") -> dict[str, Level | None]:
    levels: dict[str, Level | None] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = raw.split("#", 1)[0].split()
        if not tokens:
            continue
        if len(tokens) != 2:
            raise SeverityFileError(f"{label}, line {number}: expected 'rule-id LEVEL', got {raw.strip()!r}")
        rule_id, level = tokens
        if rule_id not in RULES:
            raise SeverityFileError(rulefile.unknown_rule(label, number, rule_id))
        if level.upper() == "NONE":
            levels[rule_id] = None
            continue
        try:
            levels[rule_id] = Level.parse(level)
        except ValueError:
            raise SeverityFileError(
                f"{label}, line {number}: unknown level {level!r} (ERR, WARN, INFO or NONE)"
            ) from None
    return levels


def load_severity(path: str) -> dict[str, Level | None]:
    return parse_severity(rulefile.read(path, "severity file", SeverityFileError), path)


def apply_severity(changes: list[Change], levels: dict[str, Level | None]) -> list[Change]:
    out: list[Change] = []
    for change in changes:
        if change.id not in levels:
            out.append(change)
        elif (level := levels[change.id]) is not None:
            out.append(replace(change, level=level))
    return sorted(out, key=Change.sort_key)
