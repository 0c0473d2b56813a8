"""The documented end-to-end flows, driven as a client would drive them, with the mock clock moved instead of
waiting."""
import hashlib
import hmac
import json

import httpx
from conftest import API, BASE, SPEC, TEAM_A, team_records
from starlette.testclient import TestClient

from mockserver.app import Mock


def advance(client, seconds: float) -> None:
    assert client.post("/__mock/clock", json={"advance": seconds}).status_code == 200


def balance(client, headers=TEAM_A) -> int:
    return client.get(f"{API}/credits", headers=headers).json()["balance"]


def test_report_dispatch_poll_extract_then_throttled(client, mock):
    project = team_records(mock, "tracking_project")[0].key
    before = balance(client)
    dispatch = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A)
    assert dispatch.status_code == 202
    body = dispatch.json()
    assert body["status"] == "pending" and body["tracking_project_id"] == project
    assert body["status_endpoint"] == f"/v1/reports/{body['report_id']}"
    assert balance(client) == before - 10
    seen = []
    for _ in range(10):
        report = client.get(f"{API}/reports/{body['report_id']}", headers=TEAM_A).json()
        seen.append(report["status"])
        if report["status"] in ("completed", "failed"):
            break
        advance(client, 2)
    assert seen[0] == "pending" and "generating" in seen and seen[-1] == "completed"
    assert report["markdown_content"].startswith("# ")
    assert set(report["summary_json"]) >= {"headline_kpis", "wins", "risks"}
    assert report["generated_at"] is not None
    listed = client.get(f"{API}/tracking-projects/{project}/reports", headers=TEAM_A).json()["data"]
    assert listed[0]["id"] == body["report_id"]

    again = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A)
    assert again.status_code == 429
    assert again.json() == {"error": "rate_limited"}
    assert 0 < int(again.headers["Retry-After"]) <= 1800
    assert balance(client) == before - 10, "a throttled call is not charged"
    other_project = team_records(mock, "tracking_project")[1].key
    assert client.post(f"{API}/tracking-projects/{other_project}/generate-report", headers=TEAM_A).status_code == 202
    advance(client, 1800)
    assert client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A).status_code == 202


def test_failed_job_is_reported_as_failed(client, mock):
    project = team_records(mock, "tracking_project")[0].key
    client.post("/__mock/jobs/fail-next", json={"target": "generateTrackingProjectReport"})
    rid = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A).json()["report_id"]
    advance(client, 60)
    report = client.get(f"{API}/reports/{rid}", headers=TEAM_A).json()
    assert report["status"] == "failed"
    assert report["error_message"]


def test_wizard_analyze_poll_activate(client):
    started = client.post(f"{API}/tracking-projects/analyze", headers=TEAM_A,
                          json={"mode": "domain", "domain": "example.com", "language": "de", "country": "DE"})
    assert started.status_code == 202
    pid = started.json()["project_id"]
    states = []
    for _ in range(10):
        status = client.get(f"{API}/tracking-projects/{pid}/analysis-status", headers=TEAM_A).json()
        states.append(status["analysis_status"])
        if status["analysis_status"] == "completed":
            break
        advance(client, 2)
    assert states[-1] == "completed" and len(set(states)) > 1
    activated = client.post(f"{API}/tracking-projects/{pid}/activate", headers=TEAM_A, json={
        "keywords": ["best crm", "crm software"], "competitors": [{"domain": "hubspot.com"}],
        "prompts": [{"prompt": "What is the best CRM?", "category": "recommendation"}],
        "platforms": ["chatgpt", "perplexity"], "frequency": "weekly", "with_search": True,
        "reality_check_enabled": True})
    assert activated.status_code == 200, activated.text
    project = client.get(f"{API}/tracking-projects/{pid}", headers=TEAM_A).json()
    project = project.get("data", project)
    assert project["status"] == "active"
    assert project["domain"] == "example.com"


def test_grounding_batch_results_and_signed_callback():
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(500 if len(received) == 1 else 200)  # the first delivery fails: retried

    mock = Mock(SPEC, webhook_transport=httpx.MockTransport(receiver))
    with TestClient(mock, base_url=BASE) as client:
        before = balance(client)
        urls = [f"https://example.com/page-{i}" for i in range(4)]
        dispatch = client.post(f"{API}/grounding/batch", headers=TEAM_A,
                               json={"urls": urls, "frameworks": ["v1.5"], "callback_url": "https://hooks.test/in"})
        assert dispatch.status_code == 202, dispatch.text
        batch = dispatch.json()
        assert batch["url_count"] == 4
        assert balance(client) == before - 4, "a batch costs one credit per URL"
        advance(client, 10)
        status = client.get(f"{API}/grounding/batches/{batch['batch_id']}", headers=TEAM_A).json()
        assert status["status"] == "completed"
        assert status["completed"] == status["total"] == 4
        rows = client.get(f"{API}/grounding/batches/{batch['batch_id']}/results.ndjson", headers=TEAM_A)
        assert rows.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in rows.text.splitlines()]
        assert len(lines) == 4 and all(line["status"] == "completed" for line in lines)
        assert all(line["tier"]["threshold_min"] <= line["score"] <= line["tier"]["threshold_max"] for line in lines)

        client.get("/__mock/webhooks")
        assert len(received) == 1
        advance(client, 60)
        deliveries = client.get("/__mock/webhooks").json()["data"]
    assert len(received) == 2, "the 500 was retried after the first documented delay (60 s)"
    assert [a["status"] for a in deliveries[0]["attempts"]] == [500, 200]
    for request in received:
        expected = "sha256=" + hmac.new(batch["callback_secret"].encode(), request.content, hashlib.sha256).hexdigest()
        assert request.headers["X-Rankion-Signature"] == expected
        assert request.headers["X-Rankion-Webhook-Id"]
    assert json.loads(received[-1].content)["batch_id"] == batch["batch_id"]


def test_image_trash_restore_and_delete_forever(client, mock):
    image = team_records(mock, "image")[0].key
    url = f"{API}/images/{image}"
    assert client.delete(f"{url}/forever", headers=TEAM_A).status_code == 409, "only from the trash"
    assert client.delete(url, headers=TEAM_A).status_code in (200, 204)
    assert client.get(url, headers=TEAM_A).status_code == 404
    trash = client.get(f"{API}/images/trash", headers=TEAM_A).json()["data"]
    assert image in [i["id"] for i in trash]
    assert client.post(f"{url}/restore", headers=TEAM_A).status_code == 200
    assert client.get(url, headers=TEAM_A).status_code == 200
    client.delete(url, headers=TEAM_A)
    assert client.delete(f"{url}/forever", headers=TEAM_A).status_code in (200, 204)
    assert client.post(f"{url}/restore", headers=TEAM_A).status_code == 404
    assert image not in [i["id"] for i in client.get(f"{API}/images/trash", headers=TEAM_A).json()["data"]]


def test_style_profile_discard_only_when_pending_review(client, mock):
    profile = team_records(mock, "style_profile")[0]
    profile.fields["pending_review"] = False
    refused = client.post(f"{API}/style-profiles/{profile.key}/discard", headers=TEAM_A)
    assert refused.status_code == 422
    profile.fields["pending_review"] = True
    assert client.post(f"{API}/style-profiles/{profile.key}/discard", headers=TEAM_A).json() == {"deleted": True}
    assert client.get(f"{API}/style-profiles/{profile.key}", headers=TEAM_A).status_code == 404


def test_publish_in_flight_is_a_conflict(client, mock):
    article = team_records(mock, "article")[0].key
    first = client.post(f"{API}/articles/{article}/publish", headers=TEAM_A, json={"cms_integration_id": 1})
    assert first.status_code in (200, 202)
    second = client.post(f"{API}/articles/{article}/publish", headers=TEAM_A, json={"cms_integration_id": 1})
    assert second.status_code == 409


def test_page_audit_charges_base_then_renders_up_to_the_balance(client, mock):
    before = balance(client)
    started = client.post(f"{API}/page-audit", headers=TEAM_A, json={"url": "https://example.com/landing"})
    assert started.status_code == 202
    assert balance(client) == before - 30
    advance(client, 60)
    audit = client.get(f"{API}/page-audit/{started.json()['id']}", headers=TEAM_A).json()
    assert audit["status"] == "completed"
    assert balance(client) == before - 75
    assert audit["credits_used"] == 75


def test_bulk_mark_changes_exactly_the_matching_children(client, mock):
    crawl = team_records(mock, "site_crawl")[0].key
    issues = [s for s in team_records(mock, "site_audit_issue") if s.fields["site_crawl_id"] == crawl]
    severity = issues[0].fields["severity"]
    expected = sum(1 for s in issues if s.fields["severity"] == severity and s.fields["status"] == "open")
    url = f"{API}/site-audit/{crawl}/issues/bulk"
    body = {"filter": {"severity": severity, "status": "open"}, "new_status": "fixed"}
    marked = client.patch(url, headers=TEAM_A, json=body)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"data": {"affected": expected, "new_status": "fixed"},
                             "meta": {"applied_filter": body["filter"]}}
    assert expected >= 1
    listed = client.get(f"{API}/site-audit/{crawl}/issues", headers=TEAM_A).json()["data"]
    assert all(i["status"] == "fixed" for i in listed if i["severity"] == severity)
    affected = client.patch(url, headers=TEAM_A, json=body).json()["data"]["affected"]
    assert affected == 0, "filter.status is the from-state"


def test_bulk_mark_of_content_audit_pages_uses_score_ranges(client, mock):
    audit = team_records(mock, "content_audit")[0].key
    pages = [s for s in team_records(mock, "content_audit_page") if s.fields["content_audit_id"] == audit]
    for page, score in zip(pages, (10, 40, 90)):
        page.fields.update(seo_score=score, is_solved=False)
    marked = client.patch(f"{API}/content-audits/{audit}/pages/bulk", headers=TEAM_A,
                          json={"filter": {"status": "open", "max_seo_score": 50}, "is_solved": True})
    assert marked.status_code == 200, marked.text
    assert marked.json()["data"] == {"affected": 2, "is_solved": True}
    assert [p.fields["is_solved"] for p in pages] == [True, True, False]


def test_a_completed_crawl_imports_grounding_issues_free_of_charge(client, mock):
    project = team_records(mock, "project")[0].key
    before = balance(client)
    crawl = client.post(f"{API}/site-audit", headers=TEAM_A, json={"project_id": project, "url": "https://example.com"})
    assert crawl.status_code == 202, crawl.text
    crawl_id = crawl.json().get("data", crawl.json()).get("id")
    advance(client, 10)
    issues = client.get(f"{API}/site-audit/{crawl_id}/issues", headers=TEAM_A).json()["data"]
    assert issues and all(i["issue_type"].startswith("grounding_") for i in issues)
    assert balance(client) == before
