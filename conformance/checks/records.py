"""Every selected operation called once as a client would, on live records: the bound record and its parent from
discovery, a valid body and required query from the documented examples. Fuzzed ids mostly meet 404s; this
call reaches the code behind them. The answer is judged by the response rules (status, content type, headers,
schema, error vocabulary). A delete gets a record made for it when the resource can be created; off the mock it
never deletes a record the run did not create."""
from __future__ import annotations

from .context import Context
from .names import RECORDS
from .registry import check


@check(RECORDS, "one valid call per operation on live records, judged by the response rules",
       lambda ctx, oid: True)
def records(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    if ctx.skip_if_blocked(oid, RECORDS):
        return
    destructive = ctx.gates.destroys(ctx.catalog, oid)
    values = ctx.known.path_values(oid, last=destructive)
    if destructive and binding is not None and binding.id_param:
        creator = ctx.catalog.creator(binding.resource)
        fresh = ctx.known.create(creator) if creator and not ctx.blocked(creator) else None
        if fresh is not None:
            ctx.known.name_record(oid, values, binding.resource, fresh)
        elif not ctx.gates.on_mock:
            ctx.results.skipped(oid, RECORDS, f"would delete a {binding.resource} the run did not create")
            return
    exchange = ctx.known.send(oid, values)
    if destructive and exchange.ok and binding is not None and binding.id_param in values:
        ctx.known.forget(binding.resource, values[binding.id_param])
