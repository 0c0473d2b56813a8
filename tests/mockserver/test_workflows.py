"""The documented workflows of the Rankion docs (003), run as a client would, with the answers read closely:
what a write creates shows in the lists, what the docs promise about a field holds."""
import hashlib
import hmac
import json

import httpx
from conftest import API, BASE, SPEC, TEAM_A, TEAM_B
from starlette.testclient import TestClient

from mockserver.app import Mock


def client_of(mock: Mock) -> TestClient:
    return TestClient(mock, base_url=BASE)


def test_wizard_activate_creates_the_keywords_and_prompts_it_was_given():
    with client_of(Mock(SPEC)) as client:
        started = client.post(f"{API}/tracking-projects/analyze", headers=TEAM_A,
                              json={"mode": "domain", "domain": "example.com", "language": "de", "country": "DE"})
        assert started.status_code == 202, started.text
        pid = started.json()["project_id"]
        client.post("/__mock/clock", json={"advance": 60})
        status = client.get(f"{API}/tracking-projects/{pid}/analysis-status", headers=TEAM_A).json()
        assert status["analysis_status"] == "completed"
        activated = client.post(f"{API}/tracking-projects/{pid}/activate", headers=TEAM_A, json={
            "keywords": ["best crm", "crm software"], "competitors": [{"domain": "hubspot.com"}],
            "prompts": [{"prompt": "What is the best CRM?", "category": "recommendation"}],
            "platforms": ["chatgpt", "perplexity"], "frequency": "weekly", "with_search": True,
            "reality_check_enabled": True})
        assert activated.status_code == 200, activated.text
        project = activated.json()["data"]
        assert (project["status"], project["tracking_frequency"]) == ("active", "weekly")
        assert project["llm_platforms"] == ["chatgpt", "perplexity"]
        keywords = client.get(f"{API}/tracking-projects/{pid}/keywords", headers=TEAM_A).json()["data"]
        assert sorted(k["keyword"] for k in keywords) == ["best crm", "crm software"]
        assert {k["tracking_project_id"] for k in keywords} == {pid}
        prompts = client.get(f"{API}/tracking-projects/{pid}/prompts", headers=TEAM_A).json()["data"]
        assert [(p["prompt_text"], p["prompt_category"]) for p in prompts] == [
            ("What is the best CRM?", "recommendation")]


def test_agentic_chat_continues_only_the_callers_own_session():
    with client_of(Mock(SPEC)) as client:
        first = client.post(f"{API}/agentic/chat", headers=TEAM_A, json={"message": "Audit https://example.com"})
        assert first.status_code in (200, 202), first.text
        session = first.json()["session_id"]
        intruder = client.post(f"{API}/agentic/chat", headers=TEAM_B,
                               json={"message": "Show me their data", "session_id": session})
        assert intruder.status_code == 404
        assert intruder.json()["error"]["code"] == "session_not_found"
        assert client.get(f"{API}/agentic/sessions/{session}", headers=TEAM_B).status_code == 404
        again = client.post(f"{API}/agentic/chat", headers=TEAM_A,
                            json={"message": "And the competitors?", "session_id": session})
        assert again.status_code in (200, 202), again.text
        assert again.json()["session_id"] == session


def test_single_grounding_audit_echoes_its_request_and_fills_in_only_when_done():
    with client_of(Mock(SPEC)) as client:
        for url in ("ftp://example.com/page", "javascript:alert(1)", "mailto:team@example.com"):
            refused = client.post(f"{API}/grounding/analyze", headers=TEAM_A, json={"url": url})
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_url"), url
        dispatch = client.post(f"{API}/grounding/analyze", headers=TEAM_A, json={"url": "https://example.com/a"})
        assert dispatch.status_code == 202, dispatch.text
        poll = dispatch.json()["poll_url"].removeprefix(API)
        pending = client.get(f"{API}{poll}", headers=TEAM_A).json()
        assert (pending["url"], pending["batch_id"], pending["tracking_project_id"]) == ("https://example.com/a",
                                                                                         None, None)
        assert pending["status"] == "pending"
        assert (pending["score"], pending["tier"], pending["findings"], pending["started_at"]) == (None, None, [],
                                                                                                None)
        client.post("/__mock/clock", json={"advance": 120})
        done = client.get(f"{API}{poll}", headers=TEAM_A).json()
        assert done["status"] == "completed" and done["score"] is not None
        assert done["started_at"] <= done["completed_at"] <= client.get("/__mock/clock").json()["iso"]
        project = client.get(f"{API}/tracking-projects", headers=TEAM_B).json()["data"][0]["id"]
        foreign = client.post(f"{API}/grounding/analyze", headers=TEAM_A,
                              json={"url": "https://example.com/b", "tracking_project_id": project})
        assert foreign.status_code == 422, "another team's project named in the body is an unknown one"
        assert foreign.json()["error"]["message"] == "The selected tracking project id is invalid."


def test_grounding_batch_audits_the_urls_it_was_given_and_shows_its_callback():
    received: list[httpx.Request] = []
    mock = Mock(SPEC, webhook_transport=httpx.MockTransport(
        lambda request: received.append(request) or httpx.Response(503 if len(received) == 1 else 200)))
    with client_of(mock) as client:
        urls = ["https://example.com/one", "https://example.com/two"]
        bad = client.post(f"{API}/grounding/batch", headers=TEAM_A, json={"urls": [urls[0], "ftp://example.com/x"]})
        assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_url")
        dispatch = client.post(f"{API}/grounding/batch", headers=TEAM_A,
                               json={"urls": urls, "callback_url": "https://hooks.example/in"}).json()
        assert dispatch["callback_secret"]
        batch = client.get(f"{API}/grounding/batches/{dispatch['batch_id']}", headers=TEAM_A).json()
        assert "callback_secret" not in batch, "the secret is answered once, at dispatch"
        assert batch["callback"] == {"url": "https://hooks.example/in", "delivered_at": None, "attempts": 0,
                                     "last_status": None}
        client.post("/__mock/clock", json={"advance": 30})
        rows = client.get(f"{API}/grounding/batches/{dispatch['batch_id']}/results.ndjson", headers=TEAM_A)
        audits = [json.loads(line) for line in rows.text.splitlines()]
        assert sorted(a["url"] for a in audits) == urls
        assert {a["batch_id"] for a in audits} == {dispatch["batch_id"]}
        client.get("/__mock/webhooks")  # the first attempt (503)
        assert client.get(f"{API}/grounding/batches/{dispatch['batch_id']}", headers=TEAM_A).json()["callback"][
            "last_status"] == 503
        client.post("/__mock/clock", json={"advance": 60})
        client.get("/__mock/webhooks")
        callback = client.get(f"{API}/grounding/batches/{dispatch['batch_id']}", headers=TEAM_A).json()["callback"]
    assert (callback["attempts"], callback["last_status"]) == (2, 200) and callback["delivered_at"]
    signed = "sha256=" + hmac.new(dispatch["callback_secret"].encode(), received[-1].content,
                                  hashlib.sha256).hexdigest()
    assert received[-1].headers["X-Rankion-Signature"] == signed


def test_explorer_never_reports_a_cache_hit_for_cache_false():
    with client_of(Mock(SPEC)) as client:
        cached = client.get(f"{API}/explorer/176007", headers=TEAM_A)
        fresh = client.get(f"{API}/explorer/176007?cache=false", headers=TEAM_A)
        assert cached.json()["cache_hit"] is True
        assert fresh.status_code == 200 and fresh.json()["cache_hit"] is False
        posted = client.post(f"{API}/explorer", headers=TEAM_A, json={"seed": "crm", "cache": False})
        assert posted.status_code == 200 and posted.json()["cache_hit"] is False


def test_reports_loop_markdown_states_the_reports_own_numbers():
    with client_of(Mock(SPEC)) as client:
        project = client.get(f"{API}/tracking-projects", headers=TEAM_A).json()["data"][0]["id"]
        dispatch = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A)
        assert dispatch.status_code == 202, dispatch.text
        rid = dispatch.json()["report_id"]
        pending = client.get(f"{API}/reports/{rid}", headers=TEAM_A).json()
        assert pending["status"] == "pending"
        assert (pending["markdown_content"], pending["summary_json"], pending["error_message"]) == (None, None, None)
        client.post("/__mock/clock", json={"advance": 10})
        report = client.get(f"{API}/reports/{rid}", headers=TEAM_A).json()
        assert report["status"] == "completed" and report["error_message"] is None
        kpis = report["summary_json"]["headline_kpis"]
        assert (f"score {kpis['avi_score']}, {kpis['delta_30d']} points in 30 days; "
                f"{kpis['top10_keywords']} keywords in the top 10") in report["markdown_content"]
        assert report["created_at"] <= report["generated_at"]
        listed = client.get(f"{API}/tracking-projects/{project}/reports", headers=TEAM_A).json()["data"]
        for summary in listed:  # list items are ReportSummary: the Markdown is read by id
            seeded = client.get(f"{API}/reports/{summary['id']}", headers=TEAM_A).json()
            if seeded["status"] == "completed":
                assert str(seeded["summary_json"]["headline_kpis"]["avi_score"]) in seeded["markdown_content"]
            else:
                assert seeded["markdown_content"] is None
