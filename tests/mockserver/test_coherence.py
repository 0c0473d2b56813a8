"""A coherent simulation: every operation of the contract, called as a client would, answers records that agree
with what the client sent, with the rest of the mock's state and with the clock (the resources' `coherence`
declarations, and their parents). One test walks them all and reports each violation as operation + field."""
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ADMIN, BASE, SPEC
from starlette.testclient import TestClient
from test_operations import _ordered_operations, _path_values, name_callers_records

from conformance.requestgen import build
from contract import Generator, parse_instant
from mockserver.app import Mock
from mockserver.engine import Engine, Plan

TEAM = "team_a"  # the admin token's team
SPECS = sorted(SPEC.parent.glob("*.yaml"))


def records_in(body: Any, key: str) -> Iterator[dict[str, Any]]:
    """Every object of an answer that carries the resource's key field (the record, `data`, list rows)."""
    if isinstance(body, dict):
        if key in body:
            yield body
        for value in body.values():
            yield from records_in(value, key)
    elif isinstance(body, list):
        for value in body:
            yield from records_in(value, key)


def violations(engine: Engine, plan: Plan, sent: Any, body: Any) -> list[str]:
    binding = plan.decl.binding
    if binding is None or binding.resource not in engine.resources:
        return []
    decl = engine.resources[binding.resource]
    rules, oid = decl.coherence, plan.op.operation_id
    named = dict(rules.refers)
    if decl.parent:
        named[decl.parent[1]] = decl.parent[0]
    now = engine.state.clock.now()
    found = []
    for record in records_in(body, decl.key):
        where = f"{oid} {binding.resource} {record.get(decl.key)!r}"
        for name, target in named.items():
            value = record.get(name)
            if name in record and value is not None and engine.named(target, value, TEAM) is None:
                found.append(f"{where}: {name}={value!r} names no {target} the caller can see")
        floor = None
        for name in rules.clock:
            at = parse_instant(record.get(name))
            if at is None:
                continue
            if at.timestamp() > now + 1:
                found.append(f"{where}: {name}={record[name]} lies in the future")
            if floor is not None and at < floor:
                found.append(f"{where}: {name}={record[name]} lies before an earlier step of the record")
            floor = at
        for name, bound in rules.state.items():
            state = record.get(bound.field)
            if name in record and state not in bound.states and record[name] not in (None, [], {}, ""):
                found.append(f"{where}: {name} is set while {bound.field}={state!r}")
        if binding.action == "create" and isinstance(sent, dict):
            for name, source in rules.echo.items():
                if name in record and record[name] != sent.get(source):
                    found.append(f"{where}: {name}={record[name]!r} does not echo {source}={sent.get(source)!r}")
    return found


def team_a_token(spec: Path) -> dict[str, str]:
    """The team-A token of a spec's fixtures, its admin where it has one (admin operations answer it too)."""
    tokens = yaml.safe_load((spec.parent.parent / "fixtures" / f"{spec.stem}.teams.yaml").read_text())["tokens"]
    mine = sorted((not t.get("admin", False), name) for name, t in tokens.items() if t["team"] == TEAM)
    return {"Authorization": f"Bearer {mine[0][1]}"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_operation_answers_coherent_records(spec):
    mock = Mock(spec)
    headers = ADMIN if spec == SPEC else team_a_token(spec)
    checked, found = 0, []
    with TestClient(mock, base_url=BASE) as client:
        for rounds in range(2):  # the second round reads what the first started, its jobs ended
            for oid in _ordered_operations(spec):
                plan = mock.engine.plans[oid]
                if rounds and (plan.op.method != "get" or not plan.decl.binding):
                    continue
                request = build(plan.op, _path_values(mock, plan), Generator(7))
                name_callers_records(mock, plan, request)
                response = client.request(request.method.upper(), mock.doc.base_path + request.path, headers=headers,
                                          json=request.json, files=request.files, data=request.data)
                media = response.headers.get("content-type", "")
                if response.status_code >= 300 or "json" not in media:
                    continue
                checked += 1
                body = ([json.loads(line) for line in response.text.splitlines() if line.strip()]
                        if "ndjson" in media else response.json())
                found += violations(mock.engine, plan, request.json, body)
            client.post("/__mock/clock", json={"advance": 3600})
    assert checked >= len(mock.engine.plans) // 2, "most operations answered a record to check"
    assert not found, "\n".join(found)


def test_the_walk_reports_what_it_finds():
    """The checker is not blind: an incoherent grounding audit is reported field by field."""
    mock = Mock(SPEC)
    plan = mock.engine.plans["analyzeGroundingUrl"]
    sent = {"url": "https://example.com/a"}
    record = {"audit_id": 1, "url": "https://other.example/", "batch_id": 999999, "status": "pending",
              "score": 70, "findings": [], "started_at": "2026-01-02T00:00:00Z", "completed_at": "2026-01-01T00:00:00Z"}
    found = violations(mock.engine, plan, sent, {"data": record})
    assert [f.split(": ", 1)[1].split("=")[0].split(" ")[0] for f in found] == [
        "batch_id", "completed_at", "score", "started_at", "completed_at", "url"]
    assert all(f.startswith("analyzeGroundingUrl grounding_audit 1: ") for f in found)
