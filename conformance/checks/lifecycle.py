"""Resource lifecycle: a record a create answered with is readable afterwards as that same record (state is
kept), and a record a delete answered for is gone afterwards (the resource's documented missing answer, not 2xx).
The delete works on a record made for it when the resource can be created, so the team's existing records survive
the run (off the mock, a record the run did not create is never deleted)."""
from __future__ import annotations

from typing import Any

from ..discovery import created_key
from ..target import Exchange
from .context import Context
from .names import RESOURCE_LIFECYCLE
from .registry import check


def _applies(ctx: Context, oid: str) -> bool:
    binding = ctx.catalog.decls[oid].binding
    return bool(binding) and binding is not None and binding.action in ("create", "delete") \
        and not ctx.catalog.decls[oid].admin and ctx.catalog.reader(binding.resource) is not None


def _writes(ctx: Context) -> str | None:
    return ctx.gates.blocked_writes()


@check(RESOURCE_LIFECYCLE, "created records are readable afterwards; deleted records are not", _applies, _writes)
def resource_lifecycle(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    assert binding is not None
    if binding.action == "create":
        _created_is_kept(ctx, oid, binding.resource)
    else:
        _deleted_is_gone(ctx, oid, binding.resource)


def _read(ctx: Context, resource: str, key: Any) -> tuple[str, Exchange]:
    reader = ctx.catalog.reader(resource)
    assert reader is not None
    return reader, ctx.known.send(reader, ctx.known.name_record(reader, {}, resource, key))


def _created_is_kept(ctx: Context, oid: str, resource: str) -> None:
    if ctx.skip_if_blocked(oid, RESOURCE_LIFECYCLE):
        return
    key = ctx.known.create(oid)
    if key is None:
        ctx.results.skipped(oid, RESOURCE_LIFECYCLE, "the create was refused or named no id")
        return
    reader, answer = _read(ctx, resource, key)
    if not answer.ok:
        ctx.finding(oid, RESOURCE_LIFECYCLE, f"the {resource} {key!r} this create answered with is not readable: "
                    f"{reader} answered {answer.status}", answer)
        return
    # A server that answers every read with some record (a stateless mock) passes a status check: the record
    # read back must be the one created.
    read_key = created_key(ctx.catalog, reader, answer.json())
    if read_key is not None and str(read_key) != str(key):
        ctx.finding(oid, RESOURCE_LIFECYCLE, f"reading the {resource} {key!r} this create answered with returned "
                    f"another record ({read_key!r}): {reader} does not keep state", answer)
        return
    ctx.known.add(resource, key, parent=ctx.known.parent_of(resource, key))
    ctx.results.passed(oid, RESOURCE_LIFECYCLE)


def _deleted_is_gone(ctx: Context, oid: str, resource: str) -> None:
    creator = ctx.catalog.creator(resource)
    key = ctx.known.create(creator) if creator and not ctx.blocked(creator) else None
    if key is None and ctx.gates.on_mock:
        ids = ctx.known.ids(resource)
        key = ids[-1] if ids else None
    if key is None:
        ctx.results.skipped(oid, RESOURCE_LIFECYCLE, f"no {resource} record the run may delete")
        return
    deleted = ctx.known.send(oid, ctx.known.name_record(oid, {}, resource, key))
    if not deleted.ok:
        ctx.results.skipped(oid, RESOURCE_LIFECYCLE, f"the delete answered {deleted.status}")
        return
    ctx.known.forget(resource, key)
    reader, answer = _read(ctx, resource, key)
    missing = ctx.catalog.resources[resource].missing.status
    if answer.ok:
        ctx.finding(oid, RESOURCE_LIFECYCLE, f"the {resource} {key!r} this delete answered {deleted.status} for is "
                    f"still readable: {reader} answered {answer.status}", answer)
    elif answer.status != missing:
        ctx.finding(oid, RESOURCE_LIFECYCLE, f"reading the deleted {resource} {key!r} answered {answer.status}; the "
                    f"spec declares {missing} for a missing record", answer)
    else:
        ctx.results.passed(oid, RESOURCE_LIFECYCLE)
