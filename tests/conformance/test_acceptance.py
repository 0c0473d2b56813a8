"""The acceptance check proves the gate accepts what the docs call valid: it reports the refusals of servers that
turn valid requests away (the mock's old optional-body and wait_for_final defects re-created, a server that
refuses every query-string GET, one that refuses every write), reports nothing against the mock, and nothing
against a server that differs from the mock only where the docs permit.

Each server is a small ASGI proxy in front of an in-process mock, run with the mock's control API reachable
through it (`--target mock`), so the run may write and spend as on the mock."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import SPEC
from serving import serving
from suite_runs import Run, run_suite

from conformance.checks.acceptance import MAX_VARIANTS, variants
from conformance.checks.names import ACCEPTANCE
from conformance.proxy import answer, read_body
from conformance.requestgen import build
from contract import Contract, Generator
from mockserver.app import Mock

CONTRACT = Contract.load(SPEC)
OPTIONAL_BODY = sorted(oid for oid, op in CONTRACT.ops.items() if op.spec.get("requestBody")
                       and not op.spec["requestBody"].get("required") and not CONTRACT.decls[oid].admin)
WITH_QUERY = sorted(oid for oid, op in CONTRACT.ops.items() if op.method == "get"
                    and any(p.get("in") == "query" for p in op.spec.get("parameters", [])))
WRITES = sorted(oid for oid, op in CONTRACT.ops.items() if op.method != "get" and not CONTRACT.decls[oid].admin)
OTHER_CHECKS = ["records", "async_contract", "credit_cost", "credit_refusal", "team_isolation",
                "resource_lifecycle", "throttle_headers", "throttle_limit"]
REFUSAL = json.dumps({"message": "The request body is required.",
                      "errors": {"body": ["The request body is required."]}}).encode()

Refuse = Callable[[dict[str, Any], bytes], bool]


class Front:
    """An ASGI app in front of the mock: refuses the API requests `refuse` picks with a 422, drops the query
    parameters named in `strip`, and adds an undeclared field to every JSON object answer when `extra`."""

    def __init__(self, mock: Mock, refuse: Refuse = lambda scope, body: False, strip: tuple[str, ...] = (),
                 extra: bool = False):
        self.mock, self.refuse, self.strip, self.extra = mock, refuse, strip, extra

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.mock(scope, receive, send)
        body = await read_body(receive)
        api = scope["path"].startswith("/api/")
        if api and self.refuse(scope, body):
            await answer(send, 422, [(b"content-type", b"application/json")], REFUSAL)
            return
        if self.strip:
            pairs = [p for p in scope["query_string"].split(b"&") if p.split(b"=")[0].decode() not in self.strip]
            scope = {**scope, "query_string": b"&".join(pairs)}

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        await self.mock(scope, replay, self._extra(send) if api and self.extra else send)

    @staticmethod
    def _extra(send: Any) -> Callable[[dict[str, Any]], Awaitable[None]]:
        """Answers with one more field than documented: JSON clients must tolerate it."""
        start: dict[str, Any] = {}

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body = message.get("body", b"")
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = json.dumps({**parsed, "x_server_note": "undeclared"}).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        return wrapped


@pytest.fixture
def mock() -> Mock:
    return Mock(SPEC)


def run(capsys: pytest.CaptureFixture[str], front: Front, operations: list[str], junit: Path | None = None) -> Run:
    reports = ["--junit-xml", str(junit)] if junit else []
    with serving(front) as origin:
        result = run_suite(capsys, "--base-url", origin + "/api/v1", "--target", "mock", "--token", "rk_test_team_a",
                           "--phases", "examples", "--max-examples", "1", "--workers", "1", *reports,
                           "--exclude-check", *OTHER_CHECKS, "--include-operation", *operations)
    assert "FAIL:" in result.output or "PASS:" in result.output, result.output  # the run ran, not a usage error
    return result


def refused_operations(result: Run) -> set[str]:
    return {oid for oid, check, _ in result.findings if check == ACCEPTANCE}


def outcomes(junit: Path) -> dict[str, str]:
    """Operation -> the acceptance outcome (passed, failed, skipped) a run's JUnit report gives."""
    out = {}
    for suite in ET.parse(junit).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.get("name") == ACCEPTANCE:
                out[suite.get("name", "")] = ("skipped" if case.find("skipped") is not None else
                                              "failed" if case.find("failure") is not None else "passed")
    return out


def accepted_on_the_mock(capsys: pytest.CaptureFixture[str], mock: Mock, operations: list[str],
                         tmp_path: Path) -> set[str]:
    """The operations whose acceptance check ran and passed against the mock itself (the others were skipped,
    with a reason: no record to name, another kind of credentials)."""
    junit = tmp_path / "mock.xml"
    result = run(capsys, Front(mock), operations, junit)
    assert refused_operations(result) == set(), result.output
    mock.reset()
    return {oid for oid, outcome in outcomes(junit).items() if outcome == "passed"}


def assert_refused_wherever_sent(capsys: pytest.CaptureFixture[str], front: Front, operations: list[str],
                                 accepted: set[str], tmp_path: Path) -> None:
    """Every operation the check got an answer for has a finding (none passed); the ones skipped are skipped for
    the state the refusals left (a record that could not be made), and are few."""
    junit = tmp_path / "refusing.xml"
    result = run(capsys, front, operations, junit)
    seen = outcomes(junit)
    assert [oid for oid, outcome in seen.items() if outcome == "passed"] == [], result.output
    assert refused_operations(result) == {oid for oid, outcome in seen.items() if outcome == "failed"}
    assert len(refused_operations(result) & accepted) > 0.9 * len(accepted), result.output


def test_the_mock_accepts_every_valid_request(capsys, mock, tmp_path):
    passed = accepted_on_the_mock(capsys, mock, sorted(CONTRACT.ops), tmp_path)
    assert len(passed) > 0.9 * len(CONTRACT.ops)


def test_the_old_mock_defects_are_reported(capsys, mock):
    """No body on an optional-body operation answered 422; wait_for_final was not honoured (202)."""
    def no_body(scope: dict[str, Any], body: bytes) -> bool:
        return scope["method"] != "GET" and not body

    result = run(capsys, Front(mock, no_body, strip=("wait_for_final",)), [*OPTIONAL_BODY, "sendAgenticChatMessage"])
    findings = [(oid, title) for oid, check, title in result.findings if check == ACCEPTANCE]
    assert {oid for oid, title in findings if "optional body left out answered 422" in title} == set(OPTIONAL_BODY)
    assert any(oid == "sendAgenticChatMessage" and "wait_for_final=true" in title and "answered 202" in title
               and "declared 200" in title for oid, title in findings), findings
    assert all(title.startswith(("error:", "warning:")) for _, title in findings)


def test_a_server_refusing_every_query_string_get_is_reported_on_each(capsys, mock, tmp_path):
    def query_get(scope: dict[str, Any], body: bytes) -> bool:
        return scope["method"] == "GET" and bool(scope["query_string"])

    accepted = accepted_on_the_mock(capsys, mock, WITH_QUERY, tmp_path)
    assert len(accepted) > 0.9 * len(WITH_QUERY)
    assert_refused_wherever_sent(capsys, Front(mock, query_get), WITH_QUERY, accepted, tmp_path)


def test_a_server_refusing_every_write_is_reported_on_each(capsys, mock, tmp_path):
    def write(scope: dict[str, Any], body: bytes) -> bool:
        return scope["method"] != "GET"

    accepted = accepted_on_the_mock(capsys, mock, WRITES, tmp_path)
    assert len(accepted) > 0.8 * len(WRITES)
    assert_refused_wherever_sent(capsys, Front(mock, write), WRITES, accepted, tmp_path)


def test_no_false_alarm_where_the_docs_permit_a_difference(capsys, mock):
    """Undeclared fields in answers are the client's to tolerate, not a refusal."""
    result = run(capsys, Front(mock, extra=True), sorted(CONTRACT.ops))
    assert refused_operations(result) == set(), result.output


def offline_context() -> Any:
    """What `variants` reads of a run's context: the contract and a value generator."""
    return SimpleNamespace(catalog=CONTRACT, known=SimpleNamespace(gen=Generator(seed=1)))


def test_variants_send_every_enum_value_and_the_bounds_within_the_cap():
    ctx = offline_context()
    base = build(CONTRACT.ops["listGalleryImages"], {}, ctx.known.gen)
    labels = [v.label for v in variants(ctx, "listGalleryImages", base)]
    assert labels[0] == "the minimal request" and "every optional parameter at once" in labels
    assert {"sort=newest", "sort=oldest", "sort=edited"} <= set(labels)
    assert "per_page=1 (minimum)" in labels and "per_page=100 (maximum)" in labels
    assert len(labels) <= MAX_VARIANTS


def test_the_declared_selector_is_a_variant_with_its_status():
    ctx = offline_context()
    base = build(CONTRACT.ops["sendAgenticChatMessage"], {}, ctx.known.gen)
    chosen = [v for v in variants(ctx, "sendAgenticChatMessage", base) if v.expect is not None]
    assert [(v.label, v.expect) for v in chosen] == [("wait_for_final=true (declared 200)", 200)]
    assert "wait_for_final=true" in chosen[0].request.path
