"""Resource lifecycle: a record a create answered with is readable afterwards (state is kept), and a record a
delete answered for is gone afterwards (the resource's documented missing answer, not 2xx). The delete works on
a record made for it when the resource can be created, so the team's existing records survive the run."""
from __future__ import annotations

from . import Context, check, writes

NAME = "resource_lifecycle"


def _applies(ctx: Context, oid: str) -> bool:
    binding = ctx.catalog.decls[oid].binding
    return bool(binding) and binding.action in ("create", "delete") and not ctx.catalog.decls[oid].admin \
        and ctx.catalog.reader(binding.resource) is not None


@check(NAME, "created records are readable afterwards; deleted records are not", _applies, writes)
def resource_lifecycle(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    if binding.action == "create":
        _created_is_kept(ctx, oid)
    else:
        _deleted_is_gone(ctx, oid)


def _values(ctx: Context, oid: str, resource: str, key: object) -> dict:
    """Path values naming record `key` for `oid`: the id, and its parent where the path names one."""
    values = {ctx.catalog.decls[oid].binding.id_param: key}
    parent = ctx.known.parent_of(resource, key)
    unbound = [p for p in ctx.catalog.ops[oid].path_params if p not in values]
    if parent is not None and len(unbound) == 1:
        values[unbound[0]] = parent
    return values


def _read(ctx: Context, resource: str, key: object):
    reader = ctx.catalog.reader(resource)
    return reader, ctx.known.send(reader, _values(ctx, reader, resource, key))


def _created_is_kept(ctx: Context, oid: str) -> None:
    if ctx.blocked(oid):
        ctx.results.skipped(oid, NAME, ctx.blocked(oid))
        return
    resource = ctx.catalog.decls[oid].binding.resource
    key = ctx.known.create(oid)
    if key is None:
        ctx.results.skipped(oid, NAME, "the create was refused or named no id")
        return
    reader, answer = _read(ctx, resource, key)
    if answer.ok:
        ctx.known.add(resource, key, parent=ctx.known.parent_of(resource, key))
        ctx.results.passed(oid, NAME)
    else:
        ctx.finding(oid, NAME, f"the {resource} {key!r} this create answered with is not readable: {reader} "
                    f"answered {answer.status}", answer)


def _deleted_is_gone(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    creator = ctx.catalog.creator(binding.resource)
    key = ctx.known.create(creator) if creator and not ctx.blocked(creator) else None
    if key is None:
        ids = ctx.known.ids(binding.resource)
        key = ids[-1] if ids else None
    if key is None:
        ctx.results.skipped(oid, NAME, f"no {binding.resource} record to delete")
        return
    deleted = ctx.known.send(oid, _values(ctx, oid, binding.resource, key))
    if not deleted.ok:
        ctx.results.skipped(oid, NAME, f"the delete answered {deleted.status}")
        return
    ctx.known.forget(binding.resource, key)
    reader, answer = _read(ctx, binding.resource, key)
    missing = ctx.catalog.resources[binding.resource].missing.status
    if answer.ok:
        ctx.finding(oid, NAME, f"the {binding.resource} {key!r} this delete answered {deleted.status} for is still "
                    f"readable: {reader} answered {answer.status}", answer)
    elif answer.status != missing:
        ctx.finding(oid, NAME, f"reading the deleted {binding.resource} {key!r} answered {answer.status}; the "
                    f"spec declares {missing} for a missing record", answer)
    else:
        ctx.results.passed(oid, NAME)
