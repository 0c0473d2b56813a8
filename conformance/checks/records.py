"""Every selected operation called once as a client would, on live records: the bound record and its parent from
discovery, a valid body and required query from the documented examples. Fuzzed ids mostly meet 404s; this
call reaches the code behind them. The answer is judged by the response rules (status, content type, headers,
schema, error vocabulary); a delete gets a record made for it when the resource can be created, so fixtures the
team relies on survive."""
from __future__ import annotations

from . import Context, check


@check("records", "one valid call per operation on live records, judged by the response rules",
       lambda ctx, oid: True)
def records(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    if ctx.blocked(oid):
        ctx.results.skipped(oid, "records", ctx.blocked(oid))
        return
    destructive = bool(binding) and binding.action in ("delete", "purge")
    values = ctx.known.path_values(oid, last=destructive)
    if destructive and binding.id_param:
        creator = ctx.catalog.creator(binding.resource)
        fresh = ctx.known.create(creator) if creator and not ctx.blocked(creator) else None
        if fresh is not None:
            values[binding.id_param] = fresh
    exchange = ctx.known.send(oid, values)
    if destructive and exchange.ok and binding.id_param in values:
        ctx.known.forget(binding.resource, values[binding.id_param])
