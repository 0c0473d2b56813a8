"""The suite's parts on their own: the error vocabulary rule, finding bookkeeping, Retry-After handling, link
expressions, and the command line's usage errors (exit 2, a message, no traceback)."""
import socket

import httpx
import pytest

from conformance import vocabulary
from conformance.__main__ import main
from conformance.checks.async_contract import resolve
from conformance.findings import Finding, Results
from conformance.options import DEFAULT_SPEC
from conformance.requestgen import PreparedRequest
from conformance.target import MAX_RETRIES, Exchange, Target, retry_after
from contract import Contract, path_values


@pytest.fixture(scope="module")
def catalog():
    return Contract.load(DEFAULT_SPEC)


# -- error vocabulary -------------------------------------------------------------------------------------------

def test_documented_structured_code_passes_and_an_undocumented_one_is_named(catalog):
    documented = catalog.documented("getAgenticSession", 404)
    assert vocabulary.problems(documented, 404, {"error": {"code": "session_not_found"}}) == []
    [problem] = vocabulary.problems(documented, 404, {"error": {"code": "gone_fishing"}})
    assert "'gone_fishing'" in problem and "session_not_found" in problem


def test_string_envelope_codes_come_from_the_enum(catalog):
    documented = catalog.documented("generateTrackingProjectReport", 429)
    assert vocabulary.problems(documented, 429, {"error": "rate_limited"}) == []
    assert vocabulary.problems(documented, 429, {"error": "slow_down"})


def test_the_wrong_envelope_is_a_problem_even_without_codes(catalog):
    laravel = catalog.documented("generateTrackingProjectReport", 422)
    [problem] = vocabulary.problems(laravel, 422, {"message": "The given data was invalid."})
    assert vocabulary.LARAVEL in problem
    assert vocabulary.problems(laravel, 422, {"message": "x", "errors": {"url": ["bad"]}}) == []
    # a Laravel body also carries the plain {message} envelope
    assert vocabulary.problems(catalog.documented("getReport", 404), 404, {"message": "m", "errors": {}}) == []
    assert vocabulary.problems(catalog.documented("getReport", 404), 404, None)


def test_any_documented_alternative_fits(catalog):
    documented = catalog.documented("sendAgenticChatMessage", 422)
    assert vocabulary.problems(documented, 422, {"error": {"code": "context_overflow"}}) == []
    assert vocabulary.problems(documented, 422, {"message": "m", "errors": {}}) == []
    assert vocabulary.problems(documented, 422, {"error": {"code": "too_big"}})


def test_success_and_undocumented_statuses_are_left_to_other_checks(catalog):
    assert vocabulary.problems(catalog.documented("getReport", 200), 200, {}) == []
    assert vocabulary.problems(None, 418, {"error": "teapot"}) == []


# -- bookkeeping ------------------------------------------------------------------------------------------------

def test_findings_with_the_same_cause_are_counted_once():
    results = Results(["getReport"])
    for status in (404, 404, 410):
        results.failed(Finding("getReport", "status_code_conformance", f"Undocumented status code\nReceived: {status}"))
    results.passed("getReport", "response_schema_conformance")
    results.skipped("getReport", "team_isolation", "needs --other-team-token")
    assert [f.count for f in results.findings] == [2, 1]
    outcomes = results.for_operation("getReport")
    assert [outcomes[c].status for c in sorted(outcomes)] == ["passed", "failed", "skipped"]
    assert results.exit_code == 1 and results.checks_run == 2


def test_a_run_without_findings_or_errors_exits_0_and_errors_fail_it():
    results = Results(["getReport"])
    results.passed("getReport", "records")
    assert results.exit_code == 0
    results.errored("getReport", "records", "boom")
    assert results.exit_code == 1


# -- HTTP -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [("7", 7.0), ("0", 0.0), ("soon", None), (None, None),
                                            ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_reads_seconds_and_dates(value, seconds):
    assert retry_after(httpx.Headers({"Retry-After": value} if value else {})) == seconds


def _target(answers: list[httpx.Response]) -> tuple[Target, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers[min(len(sent), len(answers)) - 1]

    return Target("http://api.test/v1", {"team": "t0k"}, http=httpx.MockTransport(handle)), sent


def test_a_429_is_waited_out_and_resent():
    target, sent = _target([httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={})])
    exchange = target.send("getReport", PreparedRequest("get", "/reports/1"))
    assert exchange.status == 200 and len(sent) == 2
    assert sent[0].headers["Authorization"] == "Bearer t0k"


def test_waiting_is_bounded():
    always = [httpx.Response(429, headers={"Retry-After": "0"})]
    target, sent = _target(always)
    assert target.send("getReport", PreparedRequest("get", "/reports/1")).status == 429
    assert len(sent) == MAX_RETRIES + 1
    target, sent = _target([httpx.Response(429, headers={"Retry-After": "3600"})])
    target.send("getReport", PreparedRequest("get", "/reports/1"))
    assert len(sent) == 1, "a wait longer than the bound is not slept through"
    target, sent = _target(always)
    target.send("getReport", PreparedRequest("get", "/reports/1"), retry=False)
    assert len(sent) == 1


def test_curl_names_the_token_by_role():
    exchange = Exchange("getReport", PreparedRequest("get", "/reports/1"), "other", httpx.Response(200))
    assert exchange.curl("http://api.test/v1") == ("curl -sS -X GET 'http://api.test/v1/reports/1' "
                                                   '-H "Authorization: Bearer $OTHER_TEAM_TOKEN"')


# -- spec plumbing ----------------------------------------------------------------------------------------------

def test_path_values_are_read_back_from_a_path():
    assert path_values("/data-mining/exports/{project}.zip", "/data-mining/exports/7.zip?x=1") == {"project": "7"}
    assert path_values("/a/{id}/b/{vid}", "/a/5/b/9") == {"id": "5", "vid": "9"}
    assert path_values("/a/{id}", "/b/5") == {}


def test_link_expressions_resolve_against_an_exchange():
    request = PreparedRequest("post", "/projects/3/scan?mode=full", json={"keyword": "crm"})
    exchange = Exchange("x", request, "team", httpx.Response(202, json={"data": {"id": 9}},
                                                             headers={"Location": "/scans/9"}))
    assert resolve("$response.body#/data/id", exchange, {"id": "3"}) == 9
    assert resolve("$request.path.id", exchange, {"id": "3"}) == "3"
    assert resolve("$request.body#/keyword", exchange, {}) == "crm"
    assert resolve("$request.query.mode", exchange, {}) == "full"
    assert resolve("$response.header.Location", exchange, {}) == "/scans/9"
    assert resolve("$response.body#/missing", exchange, {}) is None


def test_selection_by_tag_and_read_only(catalog):
    chosen = catalog.select([], ["Reports"], read_only=True)
    assert chosen and all(catalog.ops[o].method == "get" and "Reports" in catalog.ops[o].spec["tags"]
                          for o in chosen)
    with pytest.raises(ValueError, match="unknown tag"):
        catalog.select([], ["Nope"], read_only=False)


# -- command line -----------------------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("argv, message", [
    (["run", "--token", "t"], "--base-url is required"),
    (["run", "--base-url", "http://x.test"], "--token is required"),
    (["run", "--base-url", "ftp://x.test", "--token", "t"], "must be an http(s) URL"),
    (["run", "--base-url", "http://x.test", "--token", "t", "--inject-defect", "overcharge"], "--against-mock"),
    (["run", "--against-mock", "--inject-defect", "nope"], "unknown defect"),
    (["run", "--against-mock", "--include-operation", "noSuchOperation"], "unknown operation id"),
    (["run", "--base-url", "http://127.0.0.1:{port}/api/v1", "--token", "t"], "cannot reach"),
    (["run", "--against-mock", "--token", "bogus", "--include-operation", "getReport"], "--token is refused"),
])
def test_usage_and_connection_errors_exit_2_with_a_message(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("RANKION_TOKEN", raising=False)
    argv = [a.format(port=_closed_port()) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_diff_is_handed_to_the_differ(capsys):
    assert main(["diff", str(DEFAULT_SPEC), str(DEFAULT_SPEC)]) == 0
