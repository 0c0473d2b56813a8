"""Facts the docs state that the contract once had wrong, as the mock now serves them (seed lines in 003)."""
from conftest import ADMIN, API, TEAM_A, team_records


def advance(client, seconds: float) -> None:
    assert client.post("/__mock/clock", json={"advance": seconds}).status_code == 200


def balance(client) -> int:
    return client.get(f"{API}/credits", headers=TEAM_A).json()["balance"]


def test_sitemap_audit_charges_the_urls_its_parse_found_after_the_parse(client):
    before = balance(client)
    started = client.post(f"{API}/grounding/sitemap-audit", headers=TEAM_A,
                          json={"sitemap_url": "https://example.com/sitemap.xml", "filter": {"limit": 7}})
    assert started.status_code == 202
    assert balance(client) == before, "l.1256: credits are debited only after the parse"
    advance(client, 600)
    batch = client.get(f"{API}/grounding/batches/{started.json()['batch_id']}", headers=TEAM_A).json()
    assert batch["status"] == "completed"
    assert balance(client) == before - batch["total"] == before - 7, "url_count_after_parse, 1 credit per URL"


def test_agentic_chat_waits_first_and_runs_when_the_agent_resumes(client):
    accepted = client.post(f"{API}/agentic/chat", headers=TEAM_A, json={"message": "Audit https://example.com"})
    assert accepted.status_code == 202
    assert accepted.json()["agentic_status"] == "waiting", "l.1212: the 202 carries the waiting state"
    seen = [accepted.json()["agentic_status"]]
    for _ in range(10):
        advance(client, 2)
        state = client.get(f"{API}/agentic/sessions/{accepted.json()['session_id']}",
                           headers=TEAM_A).json()["agentic_status"]
        if state != seen[-1]:
            seen.append(state)
        if state == "completed":
            break
    assert seen == ["waiting", "running", "completed"]


def test_wiki_serves_public_pages_without_a_token(client):
    pages = client.get(f"{API}/wiki/pages")
    assert pages.status_code == 200 and pages.json()["data"], "l.1319: Sanctum users see internal pages *too*"
    slug = pages.json()["data"][0]["slug"]
    assert client.get(f"{API}/wiki/pages/{slug}").status_code == 200
    assert client.get(f"{API}/wiki/search", params={"q": "ba"}).status_code == 200


def test_report_generation_is_limited_per_project_whoever_asks(client, mock):
    project = team_records(mock, "tracking_project")[0].key
    assert client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A).status_code == 202
    again = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=ADMIN)
    assert again.status_code == 429, "l.755: 1 request / 30 min / project, not per token"
