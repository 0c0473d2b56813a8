"""Every operation of the contract, called as a client would (fixture ids, valid bodies), answers a documented
success status with a body, headers and media type that validate against the 3.1 document (openapi-core)."""
import pytest
from conftest import ADMIN, API, BASE, SPEC, team_records
from starlette.testclient import TestClient

from conformance.requestgen import build
from conformance.response_validation import ResponseValidator
from contract import Generator
from mockserver.app import Mock

DESTRUCTIVE = ("delete", "purge")


@pytest.fixture(scope="module")
def world():
    mock = Mock(SPEC)
    with TestClient(mock, base_url=BASE) as client:
        yield mock, client, ResponseValidator(SPEC)


def _ordered_operations(spec=SPEC):
    mock = Mock(spec)
    ops = list(mock.engine.plans.values())
    late = lambda p: bool(p.decl.binding) and p.decl.binding.action in DESTRUCTIVE  # noqa: E731
    return [p.op.operation_id for p in sorted(ops, key=late)]


def _satisfy(mock, stored, rules):
    """Put the record in the state the operation's preconditions ask for."""
    for rule in rules:
        if rule.test == "equals":
            stored.fields[rule.field] = rule.value
        elif rule.test == "in":
            stored.fields[rule.field] = rule.value[0]
        elif rule.test == "not-in":
            stored.fields[rule.field] = None if None not in rule.value else "idle"
        elif rule.value == "set":
            value = None
            while value is None:
                value = mock.engine.generate_field(stored.resource, rule.field)
            stored.fields[rule.field] = value
        else:
            stored.fields[rule.field] = None


def _path_values(mock, plan):
    binding = plan.decl.binding
    values = {}
    if not binding:
        return values
    if binding.id_param:
        trashed = binding.action in ("purge", "restore")
        records = team_records(mock, binding.resource)
        if trashed:
            stored = records[0]
            stored.fields[mock.resources[binding.resource].trash_field] = "2026-05-01T00:00:00Z"
        else:
            stored = records[-1] if binding.action in DESTRUCTIVE else records[0]
        _satisfy(mock, stored, plan.decl.preconditions)
        values[binding.id_param] = stored.key
    if binding.parent_param:
        parent = mock.resources[binding.resource].parent
        values[binding.parent_param] = team_records(mock, parent[0] if parent else binding.resource)[0].key
    return values


def name_callers_records(mock, plan, request):
    """A body field naming another record (a declared reference, the parent, a `coherence.refers` field) names
    one of the caller's, as a client's would."""
    named = {ref.field: ref.resource for ref in plan.decl.references}
    binding = plan.decl.binding
    if binding and binding.resource in mock.resources and isinstance(request.json, dict):
        decl = mock.resources[binding.resource]
        named.update({f: r for f, r in decl.coherence.refers.items() if request.json.get(f) is not None})
        if decl.parent and decl.parent[1] in request.json:
            named[decl.parent[1]] = decl.parent[0]
    for field_name, resource in named.items():
        records = team_records(mock, resource)
        if records:
            request.json[field_name] = records[0].key


@pytest.mark.parametrize("operation_id", _ordered_operations())
def test_operation_answers_per_contract(world, operation_id):
    mock, client, contract = world
    plan = mock.engine.plans[operation_id]
    request = build(plan.op, _path_values(mock, plan), Generator(7))
    name_callers_records(mock, plan, request)
    headers = dict(ADMIN)
    if plan.op.spec.get("security") and "reviewWebhookKey" in plan.op.spec["security"][0]:
        request.path += ("&" if "?" in request.path else "?") + "key=rsk_test_key"
    response = client.request(request.method.upper(), API + request.path, headers=headers, json=request.json,
                              files=request.files, data=request.data)
    assert 200 <= response.status_code < 300, f"{operation_id}: {response.status_code} {response.text[:500]}"
    problems = contract.violations(request.method, BASE + API + request.path, response.status_code,
                                   dict(response.headers), response.content)
    assert not problems, f"{operation_id}: {problems}"
