"""The suite's own checks: small named flows over the operations a run selected, each reporting an outcome per
operation (passed, a finding, or skipped with the reason). `load_all` registers them in the order a run executes
them; every response they receive is also judged by the response rules (`conformance.observe`).

Operations are checked concurrently (`--workers`) within the run's rate limit, one lane per resource (flows on
the same records, such as two jobs of one article, would step on each other), except by the checks that measure
shared state (a balance, a rate-limit window), which go one operation at a time."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..discovery import BudgetReached
from ..events import PhaseFinished, PhaseStarted, Step
from ..findings import Finding
from ..target import TargetDown, TransportFailed
from . import acceptance, async_contract, credits, isolation, lifecycle, records, throttle
from .context import Context
from .names import TRANSPORT
from .registry import Check, Registry

__all__ = ["Check", "Context", "MaxFailures", "Registry", "load_all", "run_all"]


class MaxFailures(Exception):
    """The run reached --max-failures findings: it stops, and its reports say so."""


def load_all() -> Registry[Check]:
    """Every check, in the order a run executes them: throttle exhaustion last (it uses the quota up)."""
    registry: Registry[Check] = Registry()
    for item in (async_contract.async_contract, credits.credit_cost, credits.credit_refusal,
                 isolation.team_isolation, lifecycle.resource_lifecycle, records.records, acceptance.acceptance,
                 throttle.throttle_headers, throttle.throttle_limit):
        registry.register(item)
    return registry


def _one(ctx: Context, chk: Check, oid: str) -> None:
    try:
        chk.run_one(ctx, oid)
    except TransportFailed as exc:
        ctx.results.failed(Finding(exc.operation, TRANSPORT, f"no answer to {exc}", exc.curl, phase=chk.name))
        ctx.results.skipped(oid, chk.name, f"the target did not answer: {exc.reason}")
    except BudgetReached as exc:
        ctx.results.skipped(oid, chk.name, str(exc))
    except TargetDown:
        raise
    except Exception as exc:  # one broken flow must not hide the others' outcomes
        ctx.results.errored(oid, chk.name, f"{type(exc).__name__}: {exc}")


def run_all(ctx: Context, registry: Registry[Check], workers: int = 1, max_failures: int | None = None,
            on_phase: Callable[[str], None] = lambda name: None) -> None:
    """Run every registered check over the operations it applies to, in registration order (`on_phase` hears
    each check's name as it starts); raises MaxFailures once the run holds `max_failures` findings."""
    emit = ctx.results.bus.emit
    for chk in registry:
        todo = [oid for oid in ctx.selected if chk.applies(ctx, oid)]
        if not todo:
            continue
        reason = chk.needs(ctx)
        on_phase(chk.name)
        emit(PhaseStarted(chk.name, len(todo)))
        if reason:
            for oid in todo:
                ctx.results.skipped(oid, chk.name, reason)
        else:
            def one(oid: str, chk: Check = chk) -> None:
                _one(ctx, chk, oid)
                emit(Step(oid))
                if max_failures is not None and len(ctx.results.findings) >= max_failures:
                    raise MaxFailures(f"reached --max-failures {max_failures}")
            _each(_lanes(ctx, todo), one, workers if chk.concurrent else 1)
        emit(PhaseFinished(chk.name))


def _lanes(ctx: Context, todo: list[str]) -> list[list[str]]:
    """The operations grouped by the resource they act on, in selection order."""
    lanes: dict[str, list[str]] = {}
    for oid in todo:
        binding = ctx.catalog.decls[oid].binding
        lanes.setdefault(binding.resource if binding else oid, []).append(oid)
    return list(lanes.values())


def _each(lanes: list[list[str]], one: Callable[[str], None], workers: int) -> None:
    def lane(oids: list[str]) -> None:
        for oid in oids:
            one(oid)

    if workers <= 1:
        for oids in lanes:
            lane(oids)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(lane, oids) for oids in lanes]
        try:
            for future in futures:
                future.result()  # re-raises TargetDown / MaxFailures
        finally:
            for future in futures:
                future.cancel()
