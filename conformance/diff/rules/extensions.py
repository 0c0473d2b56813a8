"""Behaviour declared in x- extensions (see spec/README.md).

These have no schema a client generator could notice, so a diff is the only
place a reviewer learns that a call now costs more, is throttled harder, or
that a job no longer reaches the state its pollers wait for.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..model import Change
from ..registry import OperationPair, change, operation_rule

_INT = re.compile(r"-?\d+(\.\d+)?")


def _ext(pair: OperationPair, key: str) -> tuple[Any, Any]:
    return pair.old.raw.get(key), pair.new.raw.get(key)


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _cost(value: Any) -> float | str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    return float(text) if _INT.fullmatch(text) else text


def _fmt(value: float | str) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _compare_cost(before: Any, after: Any, prefix: str, label: str, operation: str) -> Iterator[Change]:
    old, new = _cost(before), _cost(after)
    if old == new:
        return
    if old is None:
        if new != 0:
            yield change(f"{prefix}-added", operation, f"{label} {_fmt(new)} added")
    elif new is None:
        if old != 0:
            yield change(f"{prefix}-removed", operation, f"{label} {_fmt(old)} removed")
    elif isinstance(old, float | int) and isinstance(new, float | int):
        verb = "increased" if new > old else "decreased"
        yield change(f"{prefix}-{verb}", operation, f"{label} {verb} from {_fmt(old)} to {_fmt(new)}")
    else:
        # An expression's worst case cannot be compared in general; any edit is worth a look.
        yield change(f"{prefix}-changed", operation, f"{label} changed from {_fmt(old)!r} to {_fmt(new)!r}")


@operation_rule
def credit_cost_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) or {} for v in _ext(pair, "x-mock-credits"))
    yield from _compare_cost(before.get("cost"), after.get("cost"), "credit-cost", "credit cost", pair.label)


@operation_rule
def deferred_credit_cost_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) or {} for v in _ext(pair, "x-mock-credits"))
    yield from _compare_cost(
        before.get("deferred"), after.get("deferred"), "credit-deferred-cost", "deferred credit cost", pair.label
    )


def _key_parts(t: dict[str, Any]) -> list[str]:
    key = t.get("key")
    if isinstance(key, str):
        return [key]
    return [str(k) for k in key] if isinstance(key, list) else []


def _throttle_text(t: dict[str, Any]) -> str:
    parts = _key_parts(t)
    per = f" per {'+'.join(parts)}" if parts else ""
    return f"{t.get('limit')}/{t.get('window')}s{per}"


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@operation_rule
def throttle_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) for v in _ext(pair, "x-mock-throttle"))
    if before is None and after is None:
        return
    if before is None:
        yield change("throttle-added", pair.label, f"rate limit {_throttle_text(after)} added")
        return
    if after is None:
        yield change("throttle-removed", pair.label, f"rate limit {_throttle_text(before)} removed")
        return
    tighter, looser = [], []
    limits = _number(before.get("limit")), _number(after.get("limit"))
    if None not in limits and limits[0] != limits[1]:
        (tighter if limits[1] < limits[0] else looser).append(f"limit {_fmt(limits[0])} -> {_fmt(limits[1])}")
    windows = _number(before.get("window")), _number(after.get("window"))
    if None not in windows and windows[0] != windows[1]:
        (tighter if windows[1] > windows[0] else looser).append(f"window {_fmt(windows[0])}s -> {_fmt(windows[1])}s")
    keys = [set(_key_parts(t)) for t in (before, after)]
    # Fewer key parts means one bucket is shared by more callers: tighter.
    if keys[0] - keys[1]:
        tighter.append(f"key no longer split by {', '.join(sorted(keys[0] - keys[1]))}")
    if keys[1] - keys[0]:
        looser.append(f"key now split by {', '.join(sorted(keys[1] - keys[0]))}")
    detail = f"rate limit {_throttle_text(before)} -> {_throttle_text(after)} ({'; '.join(tighter + looser)})"
    if tighter:
        yield change("throttle-tightened", pair.label, detail)
    elif looser:
        yield change("throttle-loosened", pair.label, detail)


def _states(job: dict[str, Any]) -> list[str]:
    states = job.get("states")
    return [str(s) for s in states] if isinstance(states, list) else []


@operation_rule
def job_presence_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) for v in _ext(pair, "x-mock-job"))
    if before is None and after is not None:
        yield change("job-added", pair.label, "operation now starts an asynchronous job")
    elif before is not None and after is None:
        yield change("job-removed", pair.label, "operation no longer starts an asynchronous job")


@operation_rule
def job_states_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) for v in _ext(pair, "x-mock-job"))
    if before is None or after is None:
        return
    old, new = _states(before), _states(after)
    old_success, new_success = (old[-1] if old else None), (new[-1] if new else None)
    if old_success != new_success:
        # Pollers stop when they see the success state; a different one strands them.
        yield change("job-success-state-changed", pair.label, f"success state {old_success} replaced by {new_success}", "x-mock-job")
    for state in old[:-1]:
        if state not in new:
            yield change("job-state-removed", pair.label, f"state {state} removed", "x-mock-job")
    for state in new:
        if state not in old and not (state == new_success and old_success != new_success):
            yield change("job-state-added", pair.label, f"state {state} added", "x-mock-job")


@operation_rule
def job_failure_state_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) for v in _ext(pair, "x-mock-job"))
    if before is None or after is None:
        return
    old, new = before.get("failure"), after.get("failure")
    if old == new:
        return
    if old is None:
        yield change("job-failure-state-added", pair.label, f"failure state {new} added", "x-mock-job")
    else:
        what = f"failure state {old} replaced by {new}" if new is not None else f"failure state {old} removed"
        yield change("job-failure-state-removed", pair.label, what, "x-mock-job")


@operation_rule
def job_wiring_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (_dict(v) for v in _ext(pair, "x-mock-job"))
    if before is None or after is None:
        return
    if before.get("field", "status") != after.get("field", "status"):
        yield change(
            "job-state-field-changed", pair.label,
            f"state field {before.get('field', 'status')} replaced by {after.get('field', 'status')}", "x-mock-job",
        )
    if before.get("poll") != after.get("poll"):
        yield change("job-poll-operation-changed", pair.label, f"poll operation {before.get('poll')} replaced by {after.get('poll')}", "x-mock-job")
    old_fill, new_fill = _dict(before.get("fill")) or {}, _dict(after.get("fill")) or {}
    for name in old_fill:
        if name not in new_fill:
            yield change("job-fill-field-removed", pair.label, f"field {name} no longer filled on completion", "x-mock-job")


@operation_rule
def admin_only_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (v is True for v in _ext(pair, "x-mock-admin"))
    if before != after:
        if after:
            yield change("api-became-admin-only", pair.label, "only admin tokens may call it now")
        else:
            yield change("api-no-longer-admin-only", pair.label, "no longer restricted to admin tokens")


def _preconditions(value: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule in value if isinstance(value, list) else []:
        if isinstance(rule, dict):
            out.setdefault(str(rule.get("field")), set()).add(json.dumps(rule, sort_keys=True, default=str))
    return out


@operation_rule
def preconditions_changed(pair: OperationPair) -> Iterator[Change]:
    old, new = (_preconditions(v) for v in _ext(pair, "x-mock-preconditions"))
    for name in new:
        if name not in old:
            yield change("precondition-added", pair.label, f"new precondition on {name}", "x-mock-preconditions")
        elif old[name] != new[name]:
            yield change("precondition-changed", pair.label, f"precondition on {name} changed", "x-mock-preconditions")
    for name in old:
        if name not in new:
            yield change("precondition-removed", pair.label, f"precondition on {name} removed", "x-mock-preconditions")
