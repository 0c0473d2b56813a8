"""Ignore files: accepted changes that must not fail the build.

One change pattern a line, tokens in any order, `#` starts a comment:

    ERR request-parameter-became-required GET /reports   # level is optional
    GET /reports/{id} response-optional-property-removed /data/legacy_id
    credit-cost-increased POST /audits
    api-global-security-removed security

The rule id is required and may use shell wildcards (`response-*`); an id
without wildcards must be one the differ knows, so a misspelt id is an error
rather than a line that silently accepts nothing. `METHOD PATH` limits it to
one operation (`*` and wildcards allowed; without it, any operation). Anything
left over must appear in the change's operation, location or message, which
pins one property among several. A level, when given, must match too. Lines
that matched no change are returned by `apply_ignore` so the CLI can say so.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from . import rulefile
from .catalog import RULES
from .model import Change, Level

_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "*"}
_RULE_ID = re.compile(r"^[a-z0-9*?\[\]]+(-[a-z0-9*?\[\]]+)+$|^\*$")


class IgnoreFileError(Exception):
    pass


@dataclass(frozen=True)
class IgnoreRule:
    rule_id: str
    line: int
    level: Level | None = None
    method: str | None = None
    path: str | None = None
    text: str | None = None

    def matches(self, change: Change) -> bool:
        if not fnmatch.fnmatchcase(change.id, self.rule_id):
            return False
        if self.level is not None and change.level != self.level:
            return False
        if self.method is not None:
            method, _, path = change.operation.partition(" ")
            if not fnmatch.fnmatchcase(method, self.method) or not _path_matches(path, self.path or "*"):
                return False
        if self.text is not None:
            haystack = f"{change.operation} {change.path} {change.message}"
            if self.text not in haystack:
                return False
        return True


def _path_matches(path: str, pattern: str) -> bool:
    # `[` and `]` are not special in paths; `{id}` must match literally.
    return path == pattern or fnmatch.fnmatchcase(path, pattern.replace("[", "[[]"))


def parse_ignore(text: str, label: str = "ignore file") -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = raw.split("#", 1)[0].split()
        if tokens:
            rules.append(_parse_line(tokens, number, label))
    return rules


def _parse_line(tokens: list[str], number: int, label: str) -> IgnoreRule:
    fields: dict[str, object] = {}
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        upper = token.upper()
        if upper in Level.__members__ and "level" not in fields:
            fields["level"] = Level[upper]
        elif upper in _METHODS and "method" not in fields and i + 1 < len(tokens) and tokens[i + 1][:1] in "/*":
            fields["method"], fields["path"] = upper, tokens[i + 1]
            i += 1
        elif "rule_id" not in fields and _RULE_ID.match(token):
            fields["rule_id"] = token
        else:
            rest.append(token)
        i += 1
    if "rule_id" not in fields:
        raise IgnoreFileError(f"{label}, line {number}: no rule id (like request-parameter-removed) found")
    rule_id = str(fields["rule_id"])
    if not any(ch in rule_id for ch in "*?[") and rule_id not in RULES:
        raise IgnoreFileError(rulefile.unknown_rule(label, number, rule_id))
    if rest:
        fields["text"] = " ".join(rest)
    return IgnoreRule(line=number, **fields)  # type: ignore[arg-type]


def load_ignore(path: str) -> list[IgnoreRule]:
    return parse_ignore(rulefile.read(path, "ignore file", IgnoreFileError), path)


def apply_ignore(
    changes: list[Change], rules: list[IgnoreRule]
) -> tuple[list[Change], list[Change], list[IgnoreRule]]:
    """Split into (kept, ignored) and name the rules that matched nothing."""
    kept: list[Change] = []
    ignored: list[Change] = []
    used: set[int] = set()
    for change in changes:
        hits = [i for i, rule in enumerate(rules) if rule.matches(change)]
        used.update(hits)
        (ignored if hits else kept).append(change)
    return kept, ignored, [rule for i, rule in enumerate(rules) if i not in used]
