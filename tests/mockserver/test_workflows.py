"""The documented workflows of the Rankion docs (003), run as a client would, with the answers read closely:
what a write creates shows in the lists, what the docs promise about a field holds."""
from conftest import API, BASE, SPEC, TEAM_A
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
