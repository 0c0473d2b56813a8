"""Cross-cutting rules of the API as the mock simulates them: auth, team scoping, credits, throttles,
validation envelopes, pagination, admin-only operations, seeded fixtures."""
from conftest import ADMIN, API, BASE, LOW, SPEC, TEAM_A, TEAM_B, team_records
from starlette.testclient import TestClient

from mockserver.app import Mock


def test_missing_or_unknown_token_is_401_in_the_laravel_body(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get(f"{API}/tracking-projects", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}


def test_public_spec_document_needs_no_token(client):
    response = client.get(f"{API}/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.text.startswith("openapi: 3.1.0")


def test_other_teams_records_are_refused_as_documented(client, mock):
    report = team_records(mock, "report")[0].key
    assert client.get(f"{API}/reports/{report}", headers=TEAM_A).status_code == 200
    refused = client.get(f"{API}/reports/{report}", headers=TEAM_B)
    assert refused.status_code == 403
    assert refused.json() == {"message": "This action is unauthorized."}
    audit = team_records(mock, "grounding_audit")[0].key
    hidden = client.get(f"{API}/grounding/audits/{audit}", headers=TEAM_B)
    assert hidden.status_code == 404, "404 instead of 403 against enumeration"
    assert hidden.json()["error"]["code"] == "audit_not_found"
    image = team_records(mock, "image")[0].key
    assert client.get(f"{API}/images/{image}", headers=TEAM_B).status_code == 404


def test_lists_are_team_scoped(client, mock):
    mine = {p["id"] for p in client.get(f"{API}/tracking-projects", headers=TEAM_A).json()["data"]}
    theirs = {p["id"] for p in client.get(f"{API}/tracking-projects", headers=TEAM_B).json()["data"]}
    assert mine and theirs and not mine & theirs
    assert mine == {r.key for r in team_records(mock, "tracking_project")}


def test_created_records_can_be_read_updated_listed_and_deleted(client):
    created = client.post(f"{API}/projects", headers=TEAM_A, json={"name": "Launch site", "domain": "launch.example"})
    assert created.status_code in (200, 201), created.text
    body = created.json()
    project = body.get("data", body)
    url = f"{API}/projects/{project['id']}"
    read = client.get(url, headers=TEAM_A).json()
    assert read.get("data", read)["name"] == "Launch site"
    assert client.get(url, headers=TEAM_B).status_code == 403
    updated = client.put(url, headers=TEAM_A, json={"name": "Renamed"})
    assert updated.status_code == 200
    assert client.get(url, headers=TEAM_A).json().get("data", {}).get("name", "Renamed") == "Renamed"
    ids = [p["id"] for p in client.get(f"{API}/projects", headers=TEAM_A).json()["data"]]
    assert project["id"] in ids
    assert client.delete(url, headers=TEAM_A).status_code in (200, 204)
    assert client.get(url, headers=TEAM_A).status_code == 404


def test_a_team_that_cannot_pay_gets_402_and_keeps_its_balance(client, mock):
    project = team_records(mock, "tracking_project", team="team_c")[0].key
    reports = f"{API}/tracking-projects/{project}/reports"
    before = client.get(f"{API}/credits", headers=LOW).json()["balance"]
    known = client.get(reports, headers=LOW).json()["data"]
    assert before == 5
    refused = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=LOW)
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "insufficient_credits"
    assert refused.json()["error"]["required"] == 10 and refused.json()["error"]["balance"] == 5
    assert client.get(f"{API}/credits", headers=LOW).json()["balance"] == 5
    assert client.get(reports, headers=LOW).json()["data"] == known, "nothing was dispatched"


def test_credit_formulas_and_the_ledger(client, mock):
    before = client.get(f"{API}/credits", headers=TEAM_A).json()["balance"]
    project = team_records(mock, "tracking_project")[0].key
    run = client.post(f"{API}/prompt-check", headers=TEAM_A, json={
        "tracking_project_id": project, "prompt": "Which CRM is best for startups?",
        "platforms": ["chatgpt", "claude", "gemini"]})
    assert run.status_code == 202, run.text
    keyword = client.get(f"{API}/explorer/1", headers=TEAM_A)
    assert keyword.status_code == 200
    fresh = client.get(f"{API}/explorer/1?cache=false", headers=TEAM_A)
    assert fresh.status_code == 200
    after = client.get(f"{API}/credits", headers=TEAM_A).json()["balance"]
    assert before - after == 3 + 0 + 50
    history = client.get(f"{API}/credits/history", headers=TEAM_A).json()
    assert [e["amount"] for e in history["data"][:2]] == [-50, -3]
    assert history["data"][0]["balance_after"] == after
    assert history["meta"]["total"] == 2


def test_throttle_admits_exactly_its_limit_per_window(client):
    statuses, remaining = [], []
    for i in range(32):
        response = client.post(f"{API}/grounding/analyze", headers=TEAM_A, json={"url": f"https://example.com/{i}"})
        statuses.append(response.status_code)
        remaining.append(response.headers.get("X-RateLimit-Remaining"))
    assert statuses.count(202) == 30 and statuses[30:] == [429, 429]
    assert remaining[:3] == ["29", "28", "27"]
    limited = client.post(f"{API}/grounding/analyze", headers=TEAM_A, json={"url": "https://example.com/x"})
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    analyzed = client.post(f"{API}/grounding/analyze", headers=ADMIN, json={"url": "https://example.com"})
    assert analyzed.status_code == 202, \
        "counters are per token"


def test_validation_errors_use_the_apis_envelopes(client):
    laravel = client.post(f"{API}/tracking-projects/analyze", headers=TEAM_A, json={"mode": "sideways"})
    assert laravel.status_code == 422
    assert set(laravel.json()) == {"message", "errors"} and "mode" in laravel.json()["errors"]
    structured = client.post(f"{API}/grounding/analyze", headers=TEAM_A, json={"url": "not a url"})
    assert structured.status_code == 422
    assert structured.json()["error"]["code"] == "invalid_url"
    too_many = client.post(f"{API}/grounding/batch", headers=TEAM_A,
                           json={"urls": [f"https://e.com/{i}" for i in range(501)]})
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many_urls"
    for raw, ctype in ((b"{broken", "application/json"), (b"\xff\xfe", "application/json"),
                       (b"name=x", "text/plain")):
        response = client.post(f"{API}/projects", headers={**TEAM_A, "Content-Type": ctype}, content=raw)
        assert response.status_code == 422, (raw, response.status_code, response.text)
        assert "errors" in response.json()


def test_pagination_meta_follows_the_laravel_shape(client):
    page = client.get(f"{API}/images?per_page=1&page=2", headers=TEAM_A).json()
    assert page["meta"]["per_page"] == 1 and page["meta"]["current_page"] == 2
    assert page["meta"]["last_page"] == page["meta"]["total"] and len(page["data"]) == 1
    assert client.get(f"{API}/images?per_page=100000", headers=TEAM_A).status_code == 422


def test_admin_operations_need_the_admin_token(client):
    assert client.get(f"{API}/admin/api-costs", headers=TEAM_A).status_code == 403
    assert client.get(f"{API}/admin/api-costs", headers=ADMIN).status_code == 200


def test_same_seed_same_fixtures_other_seed_other_fixtures():
    def snapshot(seed: int) -> list:
        mock = Mock(SPEC, seed_value=seed)
        with TestClient(mock, base_url=BASE) as client:
            return client.get(f"{API}/tracking-projects", headers=TEAM_A).json()["data"]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_a_body_may_not_name_another_teams_record(client, mock):
    theirs = team_records(mock, "project", team="team_b")[0].key
    mine = team_records(mock, "project")[0].key
    before = client.get(f"{API}/credits", headers=TEAM_A).json()["balance"]
    refused = client.post(f"{API}/knowledge-base/url", headers=TEAM_A,
                          json={"project_id": theirs, "url": "https://example.com/docs"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"project_id": ["The selected project id is invalid."]}
    assert client.get(f"{API}/credits", headers=TEAM_A).json()["balance"] == before
    accepted = client.post(f"{API}/knowledge-base/url", headers=TEAM_A,
                           json={"project_id": mine, "url": "https://example.com/docs"})
    assert accepted.status_code == 202 and accepted.json()["data"]["project_id"] == mine
