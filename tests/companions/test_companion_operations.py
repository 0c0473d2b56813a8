"""Every operation of each companion spec, called as a client would (fixture ids, the documented example
bodies), answers a documented success status with a body, headers and media type that validate against its
3.1 document; and refuses an unauthenticated call in its own documented envelope."""
from contextlib import ExitStack

import pytest
from starlette.testclient import TestClient

from conformance.requestgen import build
from contract import Generator
from mockserver.app import Mock

from .conftest import BASE, SPECS, TOKENS, pinned_mock, violations

CASES = [(stem, oid) for stem in SPECS for oid in Mock(SPECS[stem]).engine.plans]


@pytest.fixture(scope="module")
def worlds():
    with ExitStack() as stack:
        out = {}
        for stem in SPECS:
            mock = pinned_mock(stem)
            out[stem] = (mock, stack.enter_context(TestClient(mock, base_url=BASE)))
        yield out


def _record_for(mock: Mock, resource: str, rules) -> object:
    """A team-A record that meets the operation's preconditions (one is put in that state if none does)."""
    decl = mock.resources[resource]
    records = [s for s in mock.engine.store.all(resource) if decl.scope != "team" or s.team == "team_a"]
    for stored in records:
        if all(rule.holds(stored.view()) for rule in rules):
            return stored
    stored = records[0]
    for rule in rules:
        stored.fields[rule.field] = rule.value[0] if rule.test == "in" else rule.value
    return stored


def _path_values(mock: Mock, oid: str) -> dict:
    plan = mock.engine.plans[oid]
    binding = plan.decl.binding
    values = {}
    if binding and binding.id_param:
        values[binding.id_param] = _record_for(mock, binding.resource, plan.decl.preconditions).key
    if binding and binding.parent_param:
        parent = mock.resources[binding.resource].parent[0]
        values[binding.parent_param] = _record_for(mock, parent, []).key
    return values


@pytest.mark.parametrize("stem, operation_id", CASES, ids=[f"{s}:{o}" for s, o in CASES])
def test_operation_answers_per_contract(worlds, contracts, stem, operation_id):
    mock, client = worlds[stem]
    plan = mock.engine.plans[operation_id]
    request = build(plan.op, _path_values(mock, operation_id), Generator(7))
    url = mock.doc.base_path + request.path
    response = client.request(request.method.upper(), url, headers=TOKENS[stem], json=request.json)
    assert 200 <= response.status_code < 300, f"{operation_id}: {response.status_code} {response.text[:500]}"
    problems = violations(contracts[stem], request.method, url, response)
    assert not problems, f"{operation_id}: {problems}"
    if plan.op.spec.get("security", mock.doc.raw.get("security")):
        refused = client.request(request.method.upper(), url, json=request.json)
        assert refused.status_code == 401, f"{operation_id}: {refused.status_code} without a token"
        assert not violations(contracts[stem], request.method, url, refused)
