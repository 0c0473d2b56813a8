"""Choosing records by declared rules: `where` filters (with the clock-relative `in-current`), ordering, `search`,
the ordered rules of `action: select` ("the completed report of this month, else the earliest open one"), and
the `{$count: where}` figures of `action: aggregate`. Filters read a record's internal fields too."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract import compiled, in_current

from .store import Stored
from .values import copy_json

OPERATORS = ("equals", "in", "not-in", "is", "in-current")


def _holds(actual: Any, condition: Any, now: float) -> bool:
    if not (isinstance(condition, dict) and condition and set(condition) <= set(OPERATORS)):
        return bool(actual == condition)  # a literal: equality
    for op, wanted in condition.items():
        if op == "equals" and actual != wanted:
            return False
        if op == "in" and actual not in wanted:
            return False
        if op == "not-in" and actual in wanted:
            return False
        if op == "is" and (actual is None) != (wanted == "null"):
            return False
        if op == "in-current" and not in_current(actual, wanted, now):
            return False
    return True


class Where:
    """`{field: literal | {equals|in|not-in|is|in-current: …}}`: every field's condition must hold."""

    def __init__(self, raw: dict[str, Any] | None):
        self.tests = list((raw or {}).items())

    def __bool__(self) -> bool:
        return bool(self.tests)

    def matches(self, row: dict[str, Any], now: float) -> bool:
        return all(_holds(row.get(name), condition, now) for name, condition in self.tests)

    def filter(self, records: list[Stored], now: float) -> list[Stored]:
        return [s for s in records if self.matches(s.view(), now)] if self.tests else records


def _sortable(value: Any) -> tuple[int, Any, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def ordered(records: list[Stored], order: list[str]) -> list[Stored]:
    """Sorted by `order` (`-field` descending); a missing value sorts last either way; ties keep their order."""
    rows = list(records)
    for spec in reversed(order):
        name, descending = spec.lstrip("-"), spec.startswith("-")
        present = [s for s in rows if s.view().get(name) is not None]
        missing = [s for s in rows if s.view().get(name) is None]
        present.sort(key=lambda s: _sortable(s.view()[name]), reverse=descending)
        rows = present + missing
    return rows


def search(records: list[Stored], text: Any, fields: list[str]) -> list[Stored]:
    """Case-insensitive substring search over `fields` (`x-mock-resource.search`)."""
    needle = str(text or "").strip().lower()
    if not needle:
        return records
    return [s for s in records if any(needle in str(s.fields.get(f) or "").lower() for f in fields)]


@dataclass
class SelectRule:
    where: Where
    order: list[str]


class Selection:
    """`x-mock-resource.select.rules`: the first rule that matches any record picks its first record in its order."""

    def __init__(self, raw: dict[str, Any]):
        self.rules = [SelectRule(Where(r.get("where")), list(r.get("order") or [])) for r in raw["rules"]]

    def pick(self, records: list[Stored], now: float) -> Stored | None:
        for rule in self.rules:
            found = rule.where.filter(records, now)
            if found:
                return ordered(found, rule.order)[0]
        return None


def summarize(template: Any, records: list[Stored], now: float, env: dict[str, Any]) -> Any:
    """An aggregate body: `{$count: where}` counts matching records, `{$expr: …}` evaluates over `env`,
    anything else is copied (recursively)."""
    if isinstance(template, dict):
        if "$count" in template:
            return len(Where(template["$count"]).filter(records, now))
        if "$expr" in template:
            return compiled(template["$expr"]).evaluate(env)
        return {k: summarize(v, records, now, env) for k, v in template.items()}
    if isinstance(template, list):
        return [summarize(v, records, now, env) for v in template]
    return copy_json(template)

