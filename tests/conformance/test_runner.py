"""A run against a target that is not declared the mock, end to end: the mock started as a process and called as
if it were staging (optionally behind conformance.proxy). Safe by default (nothing written or spent unless
allowed, what the run created deleted), robust (a wrong base URL is a usage error; a hanging or dropped
operation is a finding and the run goes on; a server that dies leaves partial reports naming the request), and
polite (the rate limit holds at the server, 429s are waited out)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from suite_runs import Run, run_suite

from conformance.mockproc import MockProcess
from conformance.options import DEFAULT_SPEC
from conformance.proxy import Proxy, running
from contract import SAFE_METHODS, Contract

ARTICLES = ["listProjectArticles", "getArticle", "createArticle", "updateArticle", "deleteArticle"]
SMALL = ["--max-examples", "1", "--phases", "examples", "fuzzing", "--workers", "2"]


@pytest.fixture(scope="module")
def served() -> Iterator[MockProcess]:
    with MockProcess(DEFAULT_SPEC, "/api/v1", []) as mock:
        yield mock


@pytest.fixture
def mock(served: MockProcess) -> MockProcess:
    """The served mock back at its fixtures, its journal emptied."""
    assert httpx.post(served.origin + "/__mock/reset").status_code == 200
    httpx.delete(served.origin + "/__mock/faults")
    return served


def staging(capsys: pytest.CaptureFixture[str], base_url: str, *argv: str) -> Run:
    return run_suite(capsys, "--base-url", base_url, "--token", "rk_test_team_a", *argv)


def overview(mock: MockProcess) -> dict:
    return httpx.get(mock.origin + "/__mock").json()


def journal(mock: MockProcess) -> list[dict]:
    return httpx.get(mock.origin + "/__mock/requests", params={"limit": 100000}).json()["data"]


# -- safe by default ---------------------------------------------------------------------------------------------

def test_a_default_run_writes_and_spends_nothing(mock, capsys, tmp_path):
    before = overview(mock)
    run = staging(capsys, mock.base_url, "--other-team-token", "rk_test_team_b", *SMALL,
                  "--include-operation", *ARTICLES, "analyzeGroundingUrl", "--report", str(tmp_path / "r.md"))
    assert run.code == 0, run.output
    ops = Contract.load(DEFAULT_SPEC).ops
    sent = {entry["operation"] for entry in journal(mock)}
    assert {"listProjectArticles", "getArticle"} <= sent
    assert all(ops[oid].method in SAFE_METHODS for oid in sent if oid in ops), sent
    after = overview(mock)
    assert (after["records"], after["teams"]) == (before["records"], before["teams"])
    report = (tmp_path / "r.md").read_text()
    assert "writes: needs --allow-writes" in report and "spends credits: needs --allow-spend" in report


def test_allowed_writes_touch_only_records_the_run_created_and_delete_them(mock, capsys, tmp_path):
    ids_before = {a["id"] for a in httpx.get(mock.base_url + "/projects/1/articles", params={"per_page": 100},
                                             headers={"Authorization": "Bearer rk_test_team_a"}).json()["data"]}
    records = overview(mock)["records"]
    out = tmp_path / "r.json"
    run = staging(capsys, mock.base_url, "--allow-writes", *SMALL, "--include-operation", *ARTICLES,
                  "--json", str(out))
    assert run.code == 0, run.output
    report = json.loads(out.read_text())
    assert report["run"]["created"] > 0 and report["run"]["remaining"] == []
    assert overview(mock)["records"] == records
    deleted = {e["path"] if "path" in e else None for e in journal(mock) if e["operation"] == "deleteArticle"}
    assert deleted, "the run deleted what it created"
    ids_after = {a["id"] for a in httpx.get(mock.base_url + "/projects/1/articles", params={"per_page": 100},
                                            headers={"Authorization": "Bearer rk_test_team_a"}).json()["data"]}
    assert ids_before <= ids_after, "no pre-existing article was deleted"


def test_spending_stops_cleanly_at_the_budget(mock, capsys, tmp_path):
    balance = overview(mock)["teams"]["team_a"]["balance"]
    run = staging(capsys, mock.base_url, "--allow-writes", "--allow-spend", "--max-credits", "1", *SMALL,
                  "--include-operation", "analyzeGroundingUrl", "createPageAudit", "getCredits",
                  "--report", str(tmp_path / "r.md"))
    assert run.code == 0, run.output
    assert balance - overview(mock)["teams"]["team_a"]["balance"] <= 1
    assert "credit budget reached" in (tmp_path / "r.md").read_text()


# -- robust ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v2", ""])
def test_a_wrong_base_url_is_a_usage_error_naming_what_answered(mock, capsys, path):
    run = staging(capsys, mock.origin + path)
    assert run.code == 2
    assert "does not serve this contract" in run.output and "404" in run.output and "Traceback" not in run.output


@pytest.mark.parametrize("fault, reason", [({"drop": True}, "RemoteProtocolError"),
                                           ({"delay_ms": 3000}, "--request-timeout 0.5")])
def test_an_operation_that_hangs_or_drops_is_a_finding_and_the_run_goes_on(mock, capsys, tmp_path, fault, reason):
    assert httpx.post(mock.origin + "/__mock/faults", json={"operation": "getArticle", **fault}).status_code == 200
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    run = staging(capsys, mock.base_url, "--request-timeout", "0.5", "--phases", "examples",
                  "--include-operation", "getArticle", "listProjectArticles", "--json", str(out), "--report", str(md))
    assert run.code == 1, run.output
    assert ("getArticle", "transport") in {(op, check) for op, check, _ in run.findings}, run.output
    report = json.loads(out.read_text())
    assert report["state"] == "complete"
    transport = [f for f in report["findings"] if f["check"] == "transport"]
    assert any(reason in f["message"] for f in transport), transport
    passed = [f for f in report["findings"] if f["operation"] == "listProjectArticles"]
    assert passed == [], "the other operation was checked and passed"
    assert md.read_text().startswith("# Conformance report")


def test_a_server_that_dies_leaves_partial_reports_naming_the_request(mock, capsys, tmp_path):
    proxy = Proxy(mock.origin, die_after=40)
    out, ndjson, junit = tmp_path / "r.json", tmp_path / "r.ndjson", tmp_path / "j.xml"
    with running(proxy) as origin:
        run = staging(capsys, origin + "/api/v1", *SMALL, "--include-tag", "Articles", "--json", str(out),
                      "--ndjson", str(ndjson), "--junit-xml", str(junit))
    assert run.code == 1, run.output
    report = json.loads(out.read_text())
    assert report["state"] == "partial" and report["run"]["last_request"], report["run"]
    assert "PARTIAL" in run.output
    lines = [json.loads(line) for line in ndjson.read_text().splitlines()]
    assert lines[0]["event"] == "run_started" and lines[-1] == {**lines[-1], "event": "run_finished",
                                                                "state": "partial"}
    assert 'name="state" value="partial"' in junit.read_text()


# -- polite ------------------------------------------------------------------------------------------------------

def test_the_rate_limit_holds_at_the_server_and_its_429s_cause_no_finding(mock, capsys):
    # The server refuses beyond 2/s and the suite asks for 8/s: even a run slowed by a busy machine (it managed
    # under 6/s on a loaded CI box) crosses the server's limit, so Retry-After is exercised every time.
    proxy = Proxy(mock.origin, limit=2)
    with running(proxy) as origin:
        run = staging(capsys, origin + "/api/v1", "--rate-limit", "8/s", "--max-examples", "1", "--phases",
                      "examples", "coverage", "--include-operation", "getArticle", "getCredits")
    assert run.code == 0, run.output
    assert proxy.refused > 0, "the server's limit was reached, so Retry-After was exercised"
    times = proxy.forwarded
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 8 + 2, busiest  # paced by start time: a thread scheduled late arrives beside the next


def test_config_file_and_environment_substitution(mock, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_TOKEN", "rk_test_team_a")
    config = tmp_path / "conformance.toml"
    config.write_text(f'base-url = "{mock.base_url}"\ntoken = "${{STAGING_TOKEN}}"\n'
                      'include-operation = ["getCredits"]\nphases = ["examples"]\nheader = ["X-Run: ci"]\n')
    run = run_suite(capsys, "--config", str(config))
    assert run.code == 0, run.output
    config.write_text('token = "${NOT_SET_ANYWHERE}"\n')
    assert run_suite(capsys, "--config", str(config)).code == 2
    config.write_text('tokn = "x"\n')
    run = run_suite(capsys, "--config", str(config))
    assert run.code == 2 and "unknown option 'tokn'" in run.output


def test_a_baseline_accepts_findings_until_it_expires(mock, capsys, tmp_path):
    assert httpx.post(mock.origin + "/__mock/faults", json={"operation": "getArticle", "status": 503}).status_code \
        == 200
    baseline = tmp_path / "baseline.toml"
    argv = ["--phases", "examples", "--include-operation", "getArticle", "--baseline", str(baseline)]
    baseline.write_text('[[accept]]\ncheck = "not_a_server_error"\noperation = "get*"\nexpires = 2999-01-01\n'
                        '[[accept]]\ncheck = "status_code_conformance"\noperation = "getArticle"\n'
                        'expires = 2999-01-01\n[[accept]]\ncheck = "error_vocabulary"\nexpires = 2999-01-01\n'
                        '[[accept]]\ncheck = "team_isolation"\nexpires = 2999-01-01\n'
                        '[[accept]]\ncheck = "response_schema_conformance"\nexpires = 2000-01-01\n')
    run = staging(capsys, mock.base_url, *argv)
    checks = {check for _, check, _ in run.findings}
    assert "not_a_server_error" not in checks and "status_code_conformance" not in checks, run.output
    assert "accepted by the baseline" in run.output
    assert "STALE baseline entry: team_isolation * (expires 2999-01-01): matched no finding" in run.output
    assert "STALE baseline entry: response_schema_conformance * (expires 2000-01-01): expired" in run.output
    baseline.write_text('[[accept]]\ncheck = "not_a_server_error"\n')
    run = staging(capsys, mock.base_url, *argv)
    assert run.code == 2 and "expires" in run.output


def test_flags_shared_by_run_and_fuzz_are_one_set():
    from conformance.__main__ import _parser

    def flags(command: str) -> set[str]:
        return {opt for action in _parser(command)._actions for opt in action.option_strings}

    assert flags("run") == flags("fuzz")


def test_exclusions_leave_operations_and_checks_out(mock, capsys, tmp_path):
    out = tmp_path / "r.json"
    run = staging(capsys, mock.base_url, "--phases", "examples", "--include-operation", "getArticle", "getCredits",
                  "--exclude-operation", "getCredits", "--exclude-check", "response_schema_conformance",
                  "--json", str(out))
    assert run.code == 0, run.output
    report = json.loads(out.read_text())
    assert "1 operations" in run.output
    assert all(s["check"] != "response_schema_conformance" for s in report["skipped"])
    assert staging(capsys, mock.base_url, "--exclude-check", "no_such_check").code == 2


def test_reports_directory_must_exist(capsys, tmp_path):
    run = staging(capsys, "http://127.0.0.1:1/api/v1", "--report", str(Path(tmp_path, "missing", "r.md")))
    assert run.code == 2 and "no such directory" in run.output
