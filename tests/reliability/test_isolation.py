"""Team B's token on team A's records: every team-scoped operation refuses it as its resource declares
(`foreign`), in a documented answer, and nothing of team A's changes."""
from __future__ import annotations

import re

from conftest import ADMIN, API, BASE, TEAM_B, team_records
from starlette.testclient import TestClient

from .conftest import send, state_of, valid_request


def named_resource(mock, plan) -> str | None:
    """The team-scoped resource an operation looks up by a path parameter (its record's first, as the engine
    does), or None."""
    binding = plan.decl.binding
    if binding is None:
        return None
    if binding.id_param:
        name = binding.resource
    elif binding.parent_param:
        name = mock.engine.parent_of(binding)[0]
    else:
        return None
    return name if mock.resources[name].scope == "team" else None


def wrong_code(body: dict, code: str | None) -> bool:
    """A structured envelope (`{error: {code}}` or `{error: code}`) must carry the declared code; a Laravel
    envelope, where the operation documents that one, carries none."""
    error = body.get("error")
    carried = error.get("code") if isinstance(error, dict) else error
    return bool(code) and carried is not None and carried != code


def test_every_team_scoped_operation_refuses_another_teams_records(mock, contract):
    scoped = [(plan, named_resource(mock, plan)) for plan in mock.engine.plans.values()]
    scoped = [(plan, resource) for plan, resource in scoped if resource]
    assert len(scoped) > 150  # the walk covers the contract, not a sample
    before = state_of(mock)
    problems = []
    with TestClient(mock, base_url=BASE) as client:
        for plan, resource in scoped:
            binding, op = plan.decl.binding, plan.op
            values = {}
            if binding.parent_param:
                values[binding.parent_param] = team_records(mock, mock.engine.parent_of(binding)[0])[0].key
            if binding.id_param:
                values[binding.id_param] = team_records(mock, binding.resource)[0].key
            response = send(client, valid_request(mock, op.operation_id, values), TEAM_B)
            foreign = mock.resources[resource].foreign
            url = BASE + API + re.sub(r"\{[^}]*\}", "1", op.path)
            violations = contract.violations(op.method, url, response.status_code, dict(response.headers),
                                             response.content)
            if response.status_code != foreign.status or wrong_code(response.json(), foreign.code) or violations:
                problems.append((op.operation_id, response.status_code, response.text[:200], violations))
    assert not problems, "\n".join(map(str, problems))
    after = state_of(mock)
    after["throttle"] = before["throttle"]  # team B's calls count against team B's throttles, nothing else
    assert after == before


def test_team_a_still_reaches_its_records(mock):
    """The refusals above come from ownership, not from requests the operations would refuse anyway."""
    plan = mock.engine.plans["getProject"]
    project = team_records(mock, plan.decl.binding.resource)[0].key
    with TestClient(mock, base_url=BASE) as client:
        assert client.get(f"{API}/projects/{project}", headers=ADMIN).status_code == 200
        assert client.get(f"{API}/projects/{project}", headers=TEAM_B).status_code == 403
