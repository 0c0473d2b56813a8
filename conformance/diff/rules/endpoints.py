"""Endpoints appearing, disappearing and changing their lifecycle: deprecated, x-sunset, x-stability-level.

The policy follows oasdiff: a deprecated operation announces its removal date in
`x-sunset`; removing it earlier breaks the promise. With a deprecation policy
(`Policy.beta_days`/`stable_days`) a deprecation must name a sunset at least that
far away. Draft and alpha operations may be removed at any time.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ..model import STABILITY_LEVELS, Change
from ..registry import OperationPair, SpecPair, change, operation_rule, spec_rule
from ..spec import Operation

_UNSTABLE = ("draft", "alpha")


def _sunset_date(value: Any) -> date | None:
    """The x-sunset date; raises ValueError when it is not one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"x-sunset {text!r} is not a date (YYYY-MM-DD or RFC 3339)") from None


def _valid_stability(value: Any) -> bool:
    return value is None or value in STABILITY_LEVELS


@spec_rule
def endpoints_removed(pair: SpecPair) -> Iterator[Change]:
    for key, op in pair.old.operations.items():
        if key in pair.new.operations or op.stability in _UNSTABLE:
            continue
        if not _valid_stability(op.stability):
            yield change(
                "api-invalid-stability-level", op.label, f"removed endpoint has x-stability-level {op.stability!r}",
            )
            continue
        scope = "api-path" if key[0] not in pair.new.paths else "api"
        # A deprecation notice is the contract's way of announcing a removal, so it
        # turns the breaking removal into an expected one, unless its date is still ahead.
        if not op.deprecated:
            yield change(f"{scope}-removed-without-deprecation", op.label, "endpoint removed without deprecation")
            continue
        try:
            sunset = _sunset_date(op.sunset)
        except ValueError as exc:
            yield change("api-path-sunset-parse", op.label, f"endpoint removed; {exc}")
            continue
        if sunset is not None and pair.policy.today < sunset:
            yield change(f"{scope}-removed-before-sunset", op.label, f"endpoint removed before its sunset {sunset}")
        else:
            yield change(f"{scope}-removed-with-deprecation", op.label, "endpoint removed after deprecation")


@spec_rule
def endpoints_added(pair: SpecPair) -> Iterator[Change]:
    for key, op in pair.new.operations.items():
        if key not in pair.old.operations:
            yield change("endpoint-added", op.label, "endpoint added")


@operation_rule
def deprecation_changed(pair: OperationPair) -> Iterator[Change]:
    if pair.old.deprecated == pair.new.deprecated:
        return
    if not pair.new.deprecated:
        yield change("endpoint-reactivated", pair.label, "endpoint no longer deprecated")
        return
    if not _valid_stability(pair.new.stability):
        return  # stability_changed reports the invalid level
    days = pair.policy.days_for(pair.new.stability)
    try:
        sunset = _sunset_date(pair.new.sunset)
    except ValueError as exc:
        yield change("api-deprecated-sunset-parse", pair.label, f"endpoint deprecated; {exc}")
        return
    if sunset is None:
        if days > 0:
            yield change(
                "api-deprecated-sunset-missing", pair.label,
                f"endpoint deprecated without an x-sunset at least {days} days ahead",
            )
        else:
            yield change("endpoint-deprecated", pair.label, "endpoint deprecated")
    elif (sunset - pair.policy.today).days < days:
        yield change(
            "api-sunset-date-too-small", pair.label,
            f"endpoint deprecated with sunset {sunset}, less than {days} days ahead",
        )
    else:
        yield change("endpoint-deprecated", pair.label, f"endpoint deprecated (sunset {sunset})")


@operation_rule
def sunset_changed(pair: OperationPair) -> Iterator[Change]:
    if not (pair.old.deprecated and pair.new.deprecated) or pair.old.sunset == pair.new.sunset:
        return
    if pair.new.sunset is None:
        yield change("sunset-deleted", pair.label, f"x-sunset {pair.old.sunset} removed from a deprecated endpoint")
        return
    try:
        before, after = _sunset_date(pair.old.sunset), _sunset_date(pair.new.sunset)
    except ValueError as exc:
        yield change("api-path-sunset-parse", pair.label, str(exc))
        return
    days = pair.policy.days_for(pair.new.stability if _valid_stability(pair.new.stability) else None)
    if before is not None and after is not None and after < before and (after - pair.policy.today).days < days:
        yield change(
            "api-sunset-date-changed-too-small", pair.label,
            f"sunset moved from {before} to {after}, less than {days} days ahead",
        )


def _rank(op: Operation) -> int:
    return STABILITY_LEVELS.index(op.stability or "stable")


@operation_rule
def stability_changed(pair: OperationPair) -> Iterator[Change]:
    if pair.old.stability == pair.new.stability:
        return
    invalid = [op for op in (pair.old, pair.new) if not _valid_stability(op.stability)]
    for op in invalid:
        side = "old" if op is pair.old else "new"
        yield change(
            "api-invalid-stability-level", pair.label,
            f"{side} x-stability-level {op.stability!r} is not one of {', '.join(STABILITY_LEVELS)}",
        )
    if invalid or _rank(pair.old) == _rank(pair.new):
        return
    verb = "decreased" if _rank(pair.new) < _rank(pair.old) else "increased"
    yield change(
        f"api-stability-{verb}", pair.label,
        f"stability {pair.old.stability or 'stable'} -> {pair.new.stability or 'stable'}",
    )


@operation_rule
def operation_id_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = pair.old.raw.get("operationId"), pair.new.raw.get("operationId")
    if before and before != after:
        # Generated clients name methods after it, and x-mock-job.poll refers to it.
        what = f"operationId {before} replaced by {after}" if after else f"operationId {before} removed"
        yield change("api-operation-id-removed", pair.label, what)
