"""What the ignore file and the severity file share: both are line files of rule ids a user writes by hand, read
with one clear error for an unreadable file and for an id the differ does not know."""
from __future__ import annotations


def read(path: str, kind: str, error: type[Exception]) -> str:
    """The file's text; `error` (one line naming the file and `kind`) when it cannot be read as UTF-8 text."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {kind}: {exc}") from None


def unknown_rule(label: str, number: int, rule_id: str) -> str:
    return f"{label}, line {number}: unknown rule id {rule_id!r} (python -m conformance diff rules lists them)"
