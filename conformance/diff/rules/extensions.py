"""Behaviour declared in x-mock- extensions (see spec/README.md), as contract/ reads it.

These have no schema a client generator could notice, so a diff is the only
place a reviewer learns that a call now costs more, is throttled harder, or
that a job no longer reaches the state its pollers wait for. The rules compare
contract/'s typed declarations, defaults applied there, so writing a default
out (a throttle's `key: [token]`) is no change.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from contract import Expression, JobDecl, OperationDecl, Precondition, ThrottleDecl

from ..model import Change
from ..registry import OperationPair, change, operation_rule

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _decls(pair: OperationPair) -> tuple[OperationDecl, OperationDecl]:
    return pair.old_spec.declaration(pair.old), pair.new_spec.declaration(pair.new)


def _cost(expr: Expression | None) -> float | str | None:
    if expr is None:
        return None
    if expr.constant is not None:
        return expr.constant
    text = str(expr.source).strip()
    return float(text) if _NUMBER.fullmatch(text) else text


def _fmt(value: float | str | None) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _compare_cost(
    before: Expression | None, after: Expression | None, prefix: str, label: str, operation: str
) -> Iterator[Change]:
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
    before, after = (d.credits for d in _decls(pair))
    yield from _compare_cost(
        before.cost if before else None, after.cost if after else None, "credit-cost", "credit cost", pair.label
    )


@operation_rule
def deferred_credit_cost_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (d.credits for d in _decls(pair))
    yield from _compare_cost(
        before.deferred if before else None, after.deferred if after else None,
        "credit-deferred-cost", "deferred credit cost", pair.label,
    )


def _throttle_text(t: ThrottleDecl) -> str:
    return f"{t.limit}/{t.window}s per {'+'.join(t.key)}"


@operation_rule
def throttle_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (d.throttle for d in _decls(pair))
    if before == after:
        return
    if before is None or after is None:
        added = before is None
        shown = _throttle_text(after if added else before)  # type: ignore[arg-type]
        yield change("throttle-added" if added else "throttle-removed", pair.label,
                     f"rate limit {shown} {'added' if added else 'removed'}")
        return
    tighter: list[str] = []
    looser: list[str] = []
    if before.limit != after.limit:
        (tighter if after.limit < before.limit else looser).append(f"limit {before.limit} -> {after.limit}")
    if before.window != after.window:
        (tighter if after.window > before.window else looser).append(f"window {before.window}s -> {after.window}s")
    old_key, new_key = set(before.key), set(after.key)
    # Fewer key parts means one bucket is shared by more callers: tighter.
    if old_key - new_key:
        tighter.append(f"key no longer split by {', '.join(sorted(old_key - new_key))}")
    if new_key - old_key:
        looser.append(f"key now split by {', '.join(sorted(new_key - old_key))}")
    detail = f"rate limit {_throttle_text(before)} -> {_throttle_text(after)} ({'; '.join(tighter + looser)})"
    if tighter:
        yield change("throttle-tightened", pair.label, detail)
    elif looser:
        yield change("throttle-loosened", pair.label, detail)


def _jobs(pair: OperationPair) -> tuple[JobDecl, JobDecl] | None:
    before, after = (d.job for d in _decls(pair))
    return (before, after) if before is not None and after is not None else None


@operation_rule
def job_presence_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (d.job for d in _decls(pair))
    if before is None and after is not None:
        yield change("job-added", pair.label, "operation now starts an asynchronous job")
    elif before is not None and after is None:
        yield change("job-removed", pair.label, "operation no longer starts an asynchronous job")


@operation_rule
def job_states_changed(pair: OperationPair) -> Iterator[Change]:
    jobs = _jobs(pair)
    if jobs is None:
        return
    old, new = ([str(s) for s in job.states] for job in jobs)
    old_success, new_success = (old[-1] if old else None), (new[-1] if new else None)
    if old_success != new_success:
        # Pollers stop when they see the success state; a different one strands them.
        yield change(
            "job-success-state-changed", pair.label,
            f"success state {old_success} replaced by {new_success}", "x-mock-job",
        )
    for state in old[:-1]:
        if state not in new:
            yield change("job-state-removed", pair.label, f"state {state} removed", "x-mock-job")
    for state in new:
        if state not in old and not (state == new_success and old_success != new_success):
            yield change("job-state-added", pair.label, f"state {state} added", "x-mock-job")


@operation_rule
def job_failure_state_changed(pair: OperationPair) -> Iterator[Change]:
    jobs = _jobs(pair)
    if jobs is None or jobs[0].failure == jobs[1].failure:
        return
    old, new = jobs[0].failure, jobs[1].failure
    if old is None:
        yield change("job-failure-state-added", pair.label, f"failure state {new} added", "x-mock-job")
    else:
        what = f"failure state {old} replaced by {new}" if new is not None else f"failure state {old} removed"
        yield change("job-failure-state-removed", pair.label, what, "x-mock-job")


@operation_rule
def job_wiring_changed(pair: OperationPair) -> Iterator[Change]:
    jobs = _jobs(pair)
    if jobs is None:
        return
    before, after = jobs
    if before.field != after.field:
        yield change(
            "job-state-field-changed", pair.label,
            f"state field {before.field} replaced by {after.field}", "x-mock-job",
        )
    if before.poll != after.poll:
        yield change(
            "job-poll-operation-changed", pair.label,
            f"poll operation {before.poll} replaced by {after.poll}", "x-mock-job",
        )
    for name in before.fill:
        if name not in after.fill:
            yield change(
                "job-fill-field-removed", pair.label, f"field {name} no longer filled on completion", "x-mock-job",
            )


@operation_rule
def admin_only_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = (d.admin for d in _decls(pair))
    if before != after:
        if after:
            yield change("api-became-admin-only", pair.label, "only admin tokens may call it now")
        else:
            yield change("api-no-longer-admin-only", pair.label, "no longer restricted to admin tokens")


def _preconditions(rules: list[Precondition]) -> dict[str, set[str]]:
    # A precondition's value may be a list, so it is compared by its canonical text.
    out: dict[str, set[str]] = {}
    for rule in rules:
        out.setdefault(rule.field, set()).add(repr((rule.test, rule.value, rule.refuse)))
    return out


@operation_rule
def preconditions_changed(pair: OperationPair) -> Iterator[Change]:
    old, new = (_preconditions(d.preconditions) for d in _decls(pair))
    for name in new:
        if name not in old:
            yield change("precondition-added", pair.label, f"new precondition on {name}", "x-mock-preconditions")
        elif old[name] != new[name]:
            yield change("precondition-changed", pair.label, f"precondition on {name} changed", "x-mock-preconditions")
    for name in old:
        if name not in new:
            yield change("precondition-removed", pair.label, f"precondition on {name} removed", "x-mock-preconditions")
