"""The checks package: a typed registry that refuses a second check under a name, loaded explicitly in run order;
and the precision of two flows against servers that get them wrong (a poll id the suite itself sent, a create
whose read-back returns another record)."""
from __future__ import annotations

import httpx
import pytest

from conformance.checks import load_all
from conformance.checks.names import CheckName
from conformance.checks.registry import Check, DuplicateName, Registry
from conformance.driver import _curl
from conformance.findings import Finding, Results


def test_the_registry_refuses_a_second_check_under_one_name():
    registry: Registry[Check] = Registry()
    first = Check(CheckName("records"), "one", lambda ctx, oid: True, lambda ctx, oid: None)
    registry.register(first)
    with pytest.raises(DuplicateName, match="records"):
        registry.register(Check(CheckName("records"), "two", lambda ctx, oid: True, lambda ctx, oid: None))
    assert registry.names() == ["records"] and registry.get(CheckName("records")) is first


def test_checks_load_in_run_order_and_each_load_is_fresh():
    names = load_all().names()
    assert names[0] == "async_contract" and names[-3:] == ["acceptance", "throttle_headers", "throttle_limit"]
    assert len(set(names)) == len(names) == 9
    assert load_all() is not load_all()


def test_an_auth_finding_reproduces_with_a_wrong_token_never_the_valid_one():
    sample = "curl -X GET -H 'Authorization: [Filtered]' http://x/api/v1/reports/1"
    assert "$TOKEN" not in _curl(sample, "ignored_auth") and "not-a-valid-token" in _curl(sample, "ignored_auth")
    assert '"Authorization: Bearer $TOKEN"' in _curl(sample, "status_code_conformance")
    assert "\x00" not in _curl(sample + "?q=\x00", "status_code_conformance")


def test_findings_with_one_cause_on_many_operations_are_one_root_cause():
    results = Results(["getReport", "getArticle", "listReports"])
    for oid in ("getReport", "getArticle"):
        results.failed(Finding(oid, "status_code_conformance", f"Undocumented status code\nReceived: 400 for {oid}"))
    results.failed(Finding("listReports", "not_a_server_error", "Server error\n500"))
    groups = results.groups()
    assert [(g.check, g.operations) for g in groups] == [("not_a_server_error", ["listReports"]),
                                                         ("status_code_conformance", ["getArticle", "getReport"])]



def test_a_poll_id_taken_from_the_request_path_is_found():
    from conformance.checks.async_contract import resolve
    from conformance.requestgen import PreparedRequest
    from conformance.target import Exchange
    from contract import path_values

    request = PreparedRequest("post", "/tracking-projects/77/reports")
    exchange = Exchange("generateTrackingProjectReport", request, "team", httpx.Response(202, json={}))
    # the path the suite sent names the id, although discovery knew no record to offer
    sent = path_values("/tracking-projects/{id}/reports", request.path)
    assert resolve("$request.path.id", exchange, sent) == "77"


def test_a_create_read_back_as_another_record_is_a_lifecycle_finding():
    from conformance.checks.context import Context
    from conformance.checks.lifecycle import resource_lifecycle
    from conformance.discovery import Known
    from conformance.gates import Gates
    from conformance.options import DEFAULT_SPEC
    from conformance.target import Target
    from contract import Contract, Generator, QueryTypes

    def stateless(request: httpx.Request) -> httpx.Response:
        """Prism-like: every create answers id 900, every read answers record 5."""
        if request.method == "POST":
            return httpx.Response(201, json={"data": {"id": 900}})
        if request.url.path.endswith("/900"):
            return httpx.Response(200, json={"data": {"id": 5}})
        return httpx.Response(200, json={"data": [{"id": 1}], "meta": {}})

    catalog = Contract.load(DEFAULT_SPEC)
    gates = Gates.for_target("staging", allow_writes=True, allow_spend=False, max_credits=None, read_only=False)
    target = Target("http://api.test/api/v1", {"team": "t"}, http=httpx.MockTransport(stateless))
    results = Results(["createArticle"])
    known = Known(catalog, target, Generator(0), gates, QueryTypes(catalog.doc))
    resource_lifecycle.run_one(Context(catalog, target, known, results, ["createArticle"], gates, 5.0,
                                       QueryTypes(catalog.doc)), "createArticle")
    [finding] = results.findings
    assert finding.check == "resource_lifecycle" and "returned another record (5)" in finding.message
    assert finding.response is not None and finding.response.startswith("200")
