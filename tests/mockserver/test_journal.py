"""The request journal records every exchange, refused ones included, with enough to see why; it filters like
WireMock's request verification and clears through the control API."""
import pytest
from conftest import API, TEAM_A, team_records

from mockserver.journal import Query, mask


def journal(client, **params):
    response = client.get("/__mock/requests", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_served_call_is_recorded_with_its_request_and_answer(client):
    client.get(f"{API}/images", params={"per_page": 1, "page": 2}, headers=TEAM_A)
    [entry] = journal(client)
    assert entry["method"] == "GET" and entry["path"] == f"{API}/images"
    assert entry["query"] == {"per_page": "1", "page": "2"} and entry["team"] == "team_a" and entry["status"] == 200
    assert entry["operation"] == "listGalleryImages"
    assert entry["headers"]["authorization"] == "Bearer rk_test…", "the token is masked"
    assert "rk_test_team_a" not in str(entry)
    assert entry["response"]["body"]["meta"]["current_page"] == 2 and entry["refusal"] is None


@pytest.mark.parametrize(("call", "status", "kind"), [
    (lambda c: c.get(f"{API}/credits"), 401, "authentication"),
    (lambda c: c.get(f"{API}/no-such-thing", headers=TEAM_A), 404, "routing"),
    (lambda c: c.post(f"{API}/projects", json={"name": ""}, headers=TEAM_A), 422, "validation"),
])
def test_refused_requests_are_recorded_with_what_refused_them(client, call, status, kind):
    assert call(client).status_code == status
    [entry] = journal(client)
    assert entry["status"] == status and entry["refusal"]["kind"] == kind and entry["refusal"]["message"]


def test_the_body_of_a_request_refused_before_it_was_read_is_kept(client):
    client.post(f"{API}/projects", json={"name": "Shop"})  # 401 before any handler reads the body
    [entry] = journal(client)
    assert entry["status"] == 401 and entry["body"] == {"name": "Shop"}


def test_refused_credits_name_the_rule_and_its_code(client, mock):
    client.put("/__mock/teams/team_a/credits", json={"balance": 0})
    project = team_records(mock, "tracking_project")[0].key
    assert client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A).status_code == 402
    entry = journal(client, status="402")[0]
    assert entry["refusal"]["kind"] == "credits" and entry["operation"] == "generateTrackingProjectReport"


def test_filters_find_count_and_unmatched(client):
    client.get(f"{API}/credits", headers=TEAM_A)
    client.get(f"{API}/credits")
    client.get(f"{API}/nowhere", headers=TEAM_A)
    assert len(journal(client)) == 3
    assert [e["status"] for e in journal(client, status="4xx")] == [401, 404]
    assert [e["path"] for e in journal(client, unmatched="true")] == [f"{API}/nowhere"]
    assert len(journal(client, path=f"{API}/cred*", team="team_a")) == 1
    assert len(journal(client, operation="getCredits", limit="1")) == 1
    assert journal(client, method="post") == []


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": "0"}, {"status": "teapot"}, {"unmatched": "maybe"},
                                    {"colour": "red"}])
def test_bad_filters_are_a_422_not_a_500(client, params):
    response = client.get("/__mock/requests", params=params)
    assert response.status_code == 422 and response.json()["message"]


def test_the_journal_clears_and_resets_and_skips_the_control_api(client):
    client.get(f"{API}/credits", headers=TEAM_A)
    client.get("/__mock/clock")
    assert [e["operation"] for e in journal(client)] == ["getCredits"]
    assert client.delete("/__mock/requests").status_code == 200
    assert journal(client) == []
    client.get(f"{API}/credits", headers=TEAM_A)
    client.post("/__mock/reset")
    assert journal(client) == []


def test_masking_keeps_schemes_and_a_prefix_only():
    assert mask("Authorization", "Bearer rk_test_team_a") == "Bearer rk_test…"
    assert mask("X-API-Key", "sting_test_key_a") == "sting_t…"
    assert mask("Cookie", "abc") == "…"
    assert mask("Accept", "application/json") == "application/json"


def test_query_matches_status_classes_and_wildcards():
    entry = {"method": "GET", "path": "/api/v1/reports/7", "operation": "getReport", "team": "team_a", "status": 404}
    assert Query(status="4xx", path="/api/v1/reports/*").matches(entry)
    assert not Query(status="5xx").matches(entry) and not Query(unmatched=True).matches(entry)
