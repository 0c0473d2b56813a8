"""The suite's own checks: small named flows over the operations a run selected, each reporting an outcome per
operation (passed, a finding, or skipped with the reason). `CHECKS` lists them in the order a run executes them;
every response they receive is also judged by the response rules (`conformance.observe`)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from contract import SAFE_METHODS, Contract, Expression, QueryTypes

from ..discovery import Known
from ..findings import Finding, Results
from ..progress import Progress
from ..requestgen import PreparedRequest
from ..target import ConnectionFailed, Exchange, Target


@dataclass
class Context:
    catalog: Contract
    target: Target
    known: Known
    results: Results
    selected: list[str]
    progress: Progress
    read_only: bool
    allow_spend: bool
    job_timeout: float
    coercer: QueryTypes

    def blocked(self, oid: str) -> str | None:
        """Why this run may not call `oid` for real: it writes under --read-only, or spends without --allow-spend."""
        if self.read_only and self.catalog.ops[oid].method not in SAFE_METHODS:
            return "writes: not with --read-only"
        if self.catalog.spends(oid) and not self.allow_spend:
            return "spends credits: needs --allow-spend"
        return None

    def finding(self, oid: str, check: str, message: str, exchange: Exchange | None = None) -> None:
        curl = exchange.curl(self.target.base_url) if exchange is not None else None
        self.results.failed(Finding(oid, check, message, curl, phase=check))

    def cost(self, oid: str, expr: Expression, request: PreparedRequest, path: dict, record: dict | None) -> int:
        """A credit expression evaluated over the request the way x-mock-credits defines it (ceil, never negative)."""
        query_text = urlsplit(request.path).query
        env = {"body": request.json if isinstance(request.json, dict) else {},
               "query": self.coercer.query(oid, parse_qsl(query_text, keep_blank_values=True)),
               "path": path, "record": record or {}}
        try:
            return max(0, int(math.ceil(float(expr.evaluate(env) or 0))))
        except (TypeError, ValueError):
            return 0


@dataclass(frozen=True)
class Check:
    name: str
    summary: str
    applies: Callable[[Context, str], bool]
    needs: Callable[[Context], str | None]  # why the run cannot do it (a flag it lacks), else None
    run_one: Callable[[Context, str], None]


CHECKS: dict[str, Check] = {}


def check(name: str, summary: str, applies: Callable[[Context, str], bool],
          needs: Callable[[Context], str | None] = lambda ctx: None) -> Callable:
    def register(run_one: Callable[[Context, str], None]) -> Callable[[Context, str], None]:
        CHECKS[name] = Check(name, summary, applies, needs, run_one)
        return run_one
    return register


def writes(ctx: Context) -> str | None:
    return "writes: not with --read-only" if ctx.read_only else None


def run_all(ctx: Context) -> None:
    """Run every registered check over the operations it applies to, in registration order."""
    for chk in CHECKS.values():
        todo = [oid for oid in ctx.selected if chk.applies(ctx, oid)]
        if not todo:
            continue
        reason = chk.needs(ctx)
        ctx.progress.phase(chk.name, len(todo))
        for oid in todo:
            if reason:
                ctx.results.skipped(oid, chk.name, reason)
            else:
                try:
                    chk.run_one(ctx, oid)
                except ConnectionFailed:
                    raise
                except Exception as exc:  # one broken flow must not hide the others' outcomes
                    ctx.results.errored(oid, chk.name, f"{type(exc).__name__}: {exc}")
            ctx.progress.step(oid)
        ctx.progress.done()


# The checks register themselves on import, in the order a run executes them: records first (it sees the data
# as found), throttle exhaustion last (it uses the quota up).
from . import async_contract, credits, isolation, lifecycle, records, throttle  # noqa: E402,F401
