"""Team isolation (`--other-team-token`): a team-scoped record the team can see is refused to another team with
the refusal the spec declares for foreign records (`x-mock-resources.<name>.foreign`: 403, or 404 with a code),
never 2xx; children of its records are refused the same way, and its records never appear in the other team's
lists. A record named in a request body (a declared reference, the parent of a created record, a `coherence.refers`
field) is probed too: the other team's own call naming the team's record there is refused as declared. The
probes honour the run's gates like every other call: a write needs --allow-writes, a credited call --allow-spend,
and a destructive probe is aimed only at a record the run created."""
from __future__ import annotations

from typing import Any

from contract import Refusal

from .. import vocabulary
from .context import Context
from .names import TEAM_ISOLATION
from .registry import check


def _resource(ctx: Context, oid: str) -> str | None:
    """The team-scoped resource whose foreign refusal this operation must give (the record, else its parent)."""
    binding = ctx.catalog.decls[oid].binding
    if not binding or ctx.catalog.decls[oid].admin or not ctx.catalog.uses_bearer(oid):
        return None
    if binding.id_param:
        name = binding.resource
    elif binding.parent_param:
        name = ctx.catalog.parent_of(oid)[0]
    elif binding.action == "list":
        name = binding.resource
    else:
        return None
    return name if ctx.catalog.resources[name].scope == "team" else None


def _body_named(ctx: Context, oid: str) -> dict[str, tuple[str, Refusal]]:
    """Body field -> (team-scoped resource it names, the refusal for naming another team's record: a declared
    reference's own, else the operation's documented validation answer, as for any unknown record)."""
    decl = ctx.catalog.decls[oid]
    if decl.admin or not ctx.catalog.uses_bearer(oid):
        return {}
    named = {ref.field: (ref.resource, ref.refuse) for ref in decl.references}
    binding = decl.binding
    if binding and binding.action in ("create", "update", "action") and binding.resource in ctx.catalog.resources:
        resource = ctx.catalog.resources[binding.resource]
        fields = dict(resource.coherence.refers)
        if resource.parent and not binding.parent_param:
            fields[resource.parent[1]] = resource.parent[0]
        status = decl.validation.status_of(ctx.catalog.ops[oid])
        for name, target in fields.items():
            missing = ctx.catalog.resources[target].missing
            named.setdefault(name, (target, Refusal(status) if status is not None else missing))
    return {name: (target, refusal) for name, (target, refusal) in named.items()
            if ctx.catalog.resources[target].scope == "team"}


def _needs(ctx: Context) -> str | None:
    return None if ctx.target.tokens.get("other") else "needs --other-team-token"


@check(TEAM_ISOLATION, "another team's token is refused (documented 403 / 404+code) and never sees the team's records",
       lambda ctx, oid: _resource(ctx, oid) is not None or bool(_body_named(ctx, oid)), _needs)
def team_isolation(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    resource = _resource(ctx, oid)
    if ctx.skip_if_blocked(oid, TEAM_ISOLATION):
        return
    if resource is None:
        _body_names_are_refused(ctx, oid)
    elif binding is not None and binding.action == "list" and not binding.parent_param:
        _lists_stay_apart(ctx, oid, binding.resource)
    else:
        _foreign_is_refused(ctx, oid, resource)


def _body_names_are_refused(ctx: Context, oid: str) -> None:
    """The other team's own call, valid but for one body field that names the team's record: refused as declared
    (an API that checks only path ids would serve it, and write into the team's data)."""
    probed = 0
    for name, (resource, refusal) in _body_named(ctx, oid).items():
        owned = ctx.known.ids(resource)
        values = ctx.known.path_values(oid, role="other")
        request = ctx.known.request(oid, values, role="other")
        if not owned or not isinstance(request.json, dict):
            continue
        body: dict[str, Any] = request.json
        body[name] = owned[0]
        answer = ctx.known.send_request(oid, request, role="other", values=values)
        probed += 1
        if answer.ok or answer.status != refusal.status:
            ctx.finding(oid, TEAM_ISOLATION, f"another team's call naming the team's {resource} {owned[0]!r} in "
                        f"its body field {name!r} answered {answer.status}; the spec declares {refusal.status}",
                        answer)
            return
    if probed:
        ctx.results.passed(oid, TEAM_ISOLATION)
    else:
        ctx.results.skipped(oid, TEAM_ISOLATION, "the team has no record to name in the body")


def _foreign_is_refused(ctx: Context, oid: str, resource: str) -> None:
    values = ctx.known.path_values(oid)
    binding = ctx.catalog.decls[oid].binding
    assert binding is not None
    named = binding.id_param or binding.parent_param
    if named not in values:
        ctx.results.skipped(oid, TEAM_ISOLATION, f"the team has no {resource} record to offer")
        return
    if ctx.gates.destroys(ctx.catalog, oid) and not ctx.gates.on_mock \
            and not ctx.known.made_by_run(resource, values[named]):
        ctx.results.skipped(oid, TEAM_ISOLATION, f"would aim a delete at a {resource} the run did not create")
        return
    answer = ctx.known.send(oid, values, role="other")
    foreign = ctx.catalog.resources[resource].foreign
    code = None
    kind = vocabulary.body_kind(answer.json())
    if kind in (vocabulary.STRUCTURED, vocabulary.STRING):
        code = vocabulary.body_code(answer.json(), kind)
    # The declared code is expected where this operation's documented refusal can carry it.
    documented = ctx.catalog.documented(oid, foreign.status)
    codes = {c for e in vocabulary.envelopes(documented) for c in e.codes} if documented else set()
    expected_code = foreign.code if foreign.code in codes else None
    if answer.ok:
        ctx.finding(oid, TEAM_ISOLATION, f"another team was served {answer.status} on the team's {resource} "
                    f"{values[named]!r}; the spec declares {foreign.status} for a foreign record", answer)
    elif answer.status != foreign.status or (expected_code and code != expected_code):
        expected = f"{foreign.status}" + (f" with code {expected_code}" if expected_code else "")
        got = f"{answer.status}" + (f" with code {code}" if code else "")
        ctx.finding(oid, TEAM_ISOLATION, f"another team's call on the team's {resource} {values[named]!r} answered "
                    f"{got}; the spec declares {expected} for a foreign record", answer)
    else:
        ctx.results.passed(oid, TEAM_ISOLATION)


def _lists_stay_apart(ctx: Context, oid: str, resource: str) -> None:
    key = ctx.catalog.resources[resource].key
    own = set(map(str, ctx.known.ids(resource)))
    if not own:
        ctx.results.skipped(oid, TEAM_ISOLATION, f"the team has no {resource} record to look for")
        return
    answer = ctx.known.send(oid, {}, role="other")
    body = answer.json()
    rows = body.get("data") if isinstance(body, dict) else body
    leaked = sorted({str(r.get(key)) for r in rows or [] if isinstance(r, dict)} & own) if answer.ok else []
    if leaked:
        ctx.finding(oid, TEAM_ISOLATION, f"another team's list shows the team's {resource} record(s) "
                    f"{', '.join(leaked)}", answer)
    else:
        ctx.results.passed(oid, TEAM_ISOLATION)
