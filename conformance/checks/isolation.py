"""Team isolation (`--other-team-token`): a team-scoped record the team can see is refused to another team with
the refusal the spec declares for foreign records (`x-mock-resources.<name>.foreign`: 403, or 404 with a code),
never 2xx; children of its records are refused the same way, and its records never appear in the other team's
lists."""
from __future__ import annotations

from .. import vocabulary
from . import Context, check

NAME = "team_isolation"


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


def _needs(ctx: Context) -> str | None:
    return None if ctx.target.tokens.get("other") else "needs --other-team-token"


@check(NAME, "another team's token is refused (documented 403 / 404+code) and never sees the team's records",
       lambda ctx, oid: _resource(ctx, oid) is not None, _needs)
def team_isolation(ctx: Context, oid: str) -> None:
    binding = ctx.catalog.decls[oid].binding
    if binding.action == "list" and not binding.parent_param:
        _lists_stay_apart(ctx, oid)
    else:
        _foreign_is_refused(ctx, oid, _resource(ctx, oid))


def _foreign_is_refused(ctx: Context, oid: str, resource: str) -> None:
    values = ctx.known.path_values(oid)
    binding = ctx.catalog.decls[oid].binding
    named = binding.id_param or binding.parent_param
    if named not in values:
        ctx.results.skipped(oid, NAME, f"the team has no {resource} record to offer")
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
        ctx.finding(oid, NAME, f"another team was served {answer.status} on the team's {resource} "
                    f"{values[named]!r}; the spec declares {foreign.status} for a foreign record", answer)
    elif answer.status != foreign.status or (expected_code and code != expected_code):
        expected = f"{foreign.status}" + (f" with code {expected_code}" if expected_code else "")
        got = f"{answer.status}" + (f" with code {code}" if code else "")
        ctx.finding(oid, NAME, f"another team's call on the team's {resource} {values[named]!r} answered {got}; "
                    f"the spec declares {expected} for a foreign record", answer)
    else:
        ctx.results.passed(oid, NAME)


def _lists_stay_apart(ctx: Context, oid: str) -> None:
    resource = ctx.catalog.decls[oid].binding.resource
    key = ctx.catalog.resources[resource].key
    own = set(map(str, ctx.known.ids(resource)))
    if not own:
        ctx.results.skipped(oid, NAME, f"the team has no {resource} record to look for")
        return
    answer = ctx.known.send(oid, {}, role="other")
    body = answer.json()
    rows = body.get("data") if isinstance(body, dict) else body
    leaked = sorted({str(r.get(key)) for r in rows or [] if isinstance(r, dict)} & own) if answer.ok else []
    if leaked:
        ctx.finding(oid, NAME, f"another team's list shows the team's {resource} record(s) {', '.join(leaked)}",
                    answer)
    else:
        ctx.results.passed(oid, NAME)
