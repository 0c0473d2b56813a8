"""trakk.ai (spec/trakk.yaml): the calendar-aware `latest` rule, branch by branch, with the mock clock deciding
"the current month"; `last-generated` (completed only, newest `created_at`); the list and its cache stamp."""
import pytest

from .conftest import MID_MONTH, TRAKK_A, TRAKK_B, advance, epoch, pinned_mock, served, violations

API = "/api/v1/projects"
DAY = 86400


@pytest.fixture
def trakk():
    mock = pinned_mock("trakk")
    for client in served(mock):
        yield mock, client


def projects(mock, team="team_a") -> list:
    """The team's four fixture projects, in order: this month, pipeline, past only, empty."""
    return [s.key for s in mock.engine.store.all("project") if s.team == team]


def latest(client, project, headers=TRAKK_A):
    return client.get(f"{API}/{project}/reports/latest", headers=headers)


def test_branch_1_the_completed_report_of_this_month_with_the_latest_date(trakk, contracts):
    mock, client = trakk
    first = projects(mock)[0]
    response = latest(client, first)
    assert response.status_code == 200
    report = response.json()["data"]
    # #12 (the 1st) and #13 (the 2nd) are both completed this month: the later date wins; #15 is later still but
    # location-level, and #14 is open but a completed one of this month comes first
    picked = (report["report_number"], report["status"], report["date_to_create_texts"])
    assert picked == (13, "completed", "2026-11-02")
    assert not violations(contracts["trakk"], "get", f"{API}/{first}/reports/latest", response)


def test_branch_2_the_open_report_with_the_smallest_date_past_ones_included(trakk):
    mock, client = trakk
    report = latest(client, projects(mock)[1]).json()["data"]
    # nothing completed this month; open: #22 failed (Sept), #23 running (Nov), #24 pending (Dec) and a
    # one-off #25 (Aug) that does not count, not being of the regular action type
    assert (report["report_number"], report["status"], report["date_to_create_texts"]) == (22, "failed", "2026-09-10")


def test_branch_3_nothing_current_or_open_is_404(trakk, contracts):
    mock, client = trakk
    third, empty = projects(mock)[2], projects(mock)[3]
    for project in (third, empty):
        response = latest(client, project)
        assert response.status_code == 404
        assert response.json() == {"message": "No current or upcoming report for this project."}
        assert not violations(contracts["trakk"], "get", f"{API}/{project}/reports/latest", response)


def test_the_clock_decides_the_current_month(trakk):
    mock, client = trakk
    first, third = projects(mock)[0], projects(mock)[2]
    advance(client, 20 * DAY)  # 2026-12-05: November's completed reports are last month's now
    report = latest(client, first).json()["data"]
    assert (report["report_number"], report["status"], report["date_to_create_texts"]) == (14, "pending", "2026-12-05")
    assert latest(client, third).status_code == 404
    assert client.get(f"{API}/{first}/reports", headers=TRAKK_A).json()["cache_refreshed_at"] == "2026-12-05T12:00:00Z"


def test_a_report_completing_this_month_takes_over_from_the_pipeline(trakk):
    mock, client = trakk
    second = projects(mock)[1]
    running = next(s for s in mock.engine.store.all("report") if s.fields["project_id"] == second
                   and s.fields["report_number"] == 23)
    running.fields["status"] = "completed"  # #23 is dated the last day of this month
    report = latest(client, second).json()["data"]
    assert (report["report_number"], report["date_to_create_texts"]) == (23, "2026-11-30")


def test_last_generated_is_the_newest_completed_project_level_report(trakk, contracts):
    mock, client = trakk
    first, second, third, empty = projects(mock)
    expected = {first: 12, second: 21, third: 2}  # by created_at; #15 (location-level) is newer but does not count
    for project, number in expected.items():
        response = client.get(f"{API}/{project}/reports/last-generated", headers=TRAKK_A)
        assert response.status_code == 200
        body = response.json()
        assert (body["data"]["report_number"], body["data"]["status"]) == (number, "completed")
        assert body["cache_refreshed_at"] == MID_MONTH
        assert not violations(contracts["trakk"], "get", f"{API}/{project}/reports/last-generated", response)
    response = client.get(f"{API}/{empty}/reports/last-generated", headers=TRAKK_A)
    assert response.status_code == 404
    assert response.json() == {"message": "This project has no completed reports yet."}


def test_the_list_is_every_report_newest_first_with_the_cache_stamp(trakk, contracts):
    mock, client = trakk
    first, _, _, empty = projects(mock)
    response = client.get(f"{API}/{first}/reports", headers=TRAKK_A)
    body = response.json()
    assert [r["report_number"] for r in body["data"]] == [15, 14, 12, 13, 11]
    assert {r["project_id"] for r in body["data"]} == {first}
    assert body["cache_refreshed_at"] == MID_MONTH
    assert not violations(contracts["trakk"], "get", f"{API}/{first}/reports", response)
    assert client.get(f"{API}/{empty}/reports", headers=TRAKK_A).json()["data"] == []


@pytest.mark.parametrize("suffix", ["", "/latest", "/last-generated"])
def test_unknown_and_other_teams_projects_are_404_and_tokens_are_required(trakk, contracts, suffix):
    mock, client = trakk
    theirs = projects(mock, "team_b")[0]
    for project, headers in ((theirs, TRAKK_A), (9999, TRAKK_A)):
        response = client.get(f"{API}/{project}/reports{suffix}", headers=headers)
        assert (response.status_code, response.json()) == (404, {"message": "Project not found."})
        assert not violations(contracts["trakk"], "get", f"{API}/{project}/reports{suffix}", response)
    assert client.get(f"{API}/{theirs}/reports{suffix}", headers=TRAKK_B).status_code == 200
    unauthenticated = client.get(f"{API}/{theirs}/reports{suffix}")
    assert (unauthenticated.status_code, unauthenticated.json()) == (401, {"message": "Unauthenticated."})


def test_fixtures_follow_the_clock_the_mock_starts_with():
    """Seeded on another day, the first project still has this month's completed reports."""
    mock = pinned_mock("trakk", "2027-03-31T23:00:00Z")
    for client in served(mock):
        first = projects(mock)[0]
        report = latest(client, first).json()["data"]
        assert (report["report_number"], report["date_to_create_texts"]) == (13, "2027-03-02")
        assert epoch(client.get("/__mock/clock").json()["iso"]) == epoch("2027-03-31T23:00:00Z")
