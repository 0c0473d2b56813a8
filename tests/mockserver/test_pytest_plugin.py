"""The pytest plugin's fixtures: reset per test, steering, WireMock-style verification, both transports.
(examples/test_reports_sdk.py, shown in the README, runs in `make test` too.)"""
import httpx
import pytest
from conftest import ROOT


def test_each_test_starts_from_the_fixtures(rankion_mock_app, request):
    rankion_mock_app.state.ledger.set_balance("team_a", 1, "now")
    control = request.getfixturevalue("rankion_mock")
    assert control.balance("team_a") == 10_000
    assert control.find() == [], "the journal starts empty"


def test_verify_shows_the_journal_when_the_count_is_wrong(rankion_mock):
    rankion_mock.client("team_a").get("/credits")
    rankion_mock.verify(1, operation="getCredits", team="team_a", status="2xx")
    with pytest.raises(AssertionError, match=r"found 0; the journal:\n  GET /api/v1/credits → 200 \(getCredits\)"):
        rankion_mock.verify(1, operation="getCredits", status="4xx")


def test_unmatched_lists_requests_outside_the_contract(rankion_mock):
    api = rankion_mock.client("rk_test_team_b")  # a token works as well as a team name
    assert api.get("/credit").status_code == 404
    assert api.get("/credits").status_code == 200
    assert [e["path"] for e in rankion_mock.unmatched()] == ["/api/v1/credit"]
    assert rankion_mock.count(team="team_b") == 2


def test_fail_next_and_clock_drive_jobs(rankion_mock):
    api = rankion_mock.client("team_a")
    project = api.get("/tracking-projects").json()["data"][0]["id"]
    rankion_mock.fail_next("generateTrackingProjectReport")
    report_id = api.post(f"/tracking-projects/{project}/generate-report").json()["report_id"]
    rankion_mock.advance(120)
    assert api.get(f"/reports/{report_id}").json()["status"] == "failed"


def test_the_served_mock_drops_connections_on_request(rankion_mock_server):
    rankion_mock_server.fault("getCredits", drop=True, count=1)
    with rankion_mock_server.client("team_a") as api:
        with pytest.raises(httpx.HTTPError):
            api.get("/credits")
        assert api.get("/credits").status_code == 200
    assert rankion_mock_server.base_url.startswith("http://127.0.0.1:")


def test_the_readme_shows_the_example_that_runs():
    example = (ROOT / "examples" / "test_reports_sdk.py").read_text()
    body = example.split('"""', 2)[2].strip()  # the tests, below the module docstring
    assert body in (ROOT / "README.md").read_text()
