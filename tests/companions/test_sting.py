"""STING (spec/sting.yaml): the priority queue (pending → queued → processing → completed | failed |
cancelled, one worker, urgent before high before normal before low), cancel and retry with their refusals,
downloads as real files in the requested format, templates, the list's filters, both API-key headers, the
documented error envelopes and the rate limits."""
import io
from html.parser import HTMLParser

import pypdf
import pytest

from contract import iso_utc

from .conftest import STING_A, STING_A_BEARER, STING_B, advance, epoch, pinned_mock, served, violations

API = "/api/reports"
BEE = "cc030440-0005-470f-8341-6ec798d00445"
RETIRED = "bf415066-3e7d-4b12-9d9e-61c2705f4e05"
START = epoch("2026-11-15T12:00:00Z")


@pytest.fixture
def sting():
    mock = pinned_mock("sting")
    for client in served(mock):
        yield mock, client


def create(client, title="Zero Trust Architecture Analysis", headers=STING_A, **fields):
    body = {"template_id": BEE, "title": title, "parameters": {"user_query": f"Analyse {title}."}, **fields}
    return client.post(f"{API}/", headers=headers, json=body)


def report(client, report_id, headers=STING_A) -> dict:
    response = client.get(f"{API}/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["report"]


def seeded(mock, status: str, team: str = "team_a") -> str:
    return next(s.key for s in mock.engine.store.all("report") if s.team == team and s.fields["status"] == status)


def at(seconds: float) -> str:
    """The mock clock's time `seconds` after the pinned start, as the API writes it."""
    return iso_utc(START + seconds)


# -- the queue ----------------------------------------------------------------------------------------------

def test_create_answers_201_with_queue_position_and_estimated_completion(sting, contracts):
    mock, client = sting
    response = create(client, priority="normal")
    assert response.status_code == 201
    assert not violations(contracts["sting"], "post", f"{API}/", response)
    data = response.json()["data"]
    assert data["report"]["status"] == "pending" and data["report"]["priority"] == "normal"
    assert data["report"]["output_format"] == "pdf", "output_format defaults to pdf"
    assert data["queue_position"] == 1
    assert data["estimated_completion"] == at(6)  # 3 s pending, then 3 s processing on the free worker
    second = create(client, "Second").json()["data"]
    assert (second["queue_position"], second["estimated_completion"]) == (2, at(9))


def test_a_report_walks_pending_queued_processing_completed(sting, contracts):
    mock, client = sting
    first = create(client, "First").json()["data"]["report"]["id"]
    second = create(client, "Second").json()["data"]["report"]["id"]
    seen = {"first": [], "second": []}
    progress = []
    for _ in range(4):
        a, b = report(client, first), report(client, second)
        seen["first"].append(a["status"])
        seen["second"].append(b["status"])
        progress.append(a["progress_percentage"])
        advance(client, 2)
    assert seen["first"] == ["pending", "pending", "processing", "completed"]  # t = 0, 2, 4, 6
    assert seen["second"] == ["pending", "pending", "queued", "processing"], "one worker: the second waits"
    assert progress == [0, 0, 33, 100]
    advance(client, 4)  # t = 10
    done = report(client, second)
    assert done["status"] == "completed" and done["completed_at"] == at(9) and done["progress_percentage"] == 100
    assert done["download_url"] == f"{API}/{second}/download"
    assert done["file_size_bytes"] >= 1 and done["result_file_id"]
    response = client.get(f"{API}/{second}", headers=STING_A)
    assert not violations(contracts["sting"], "get", f"{API}/{second}", response)


def test_priorities_order_the_queue(sting):
    mock, client = sting
    ids = {p: create(client, f"{p} report", priority=p).json()["data"]["report"]["id"]
           for p in ("low", "normal", "high", "urgent")}
    advance(client, 4)  # all queued at t = 3; the worker took the urgent one
    assert {p: report(client, i)["status"] for p, i in ids.items()} == {
        "low": "queued", "normal": "queued", "high": "queued", "urgent": "processing"}
    advance(client, 60)
    finished = {p: report(client, i)["completed_at"] for p, i in ids.items()}
    assert finished == {"urgent": at(6), "high": at(9), "normal": at(12), "low": at(15)}


def test_a_clock_jump_plays_the_queue_out_in_order(sting):
    mock, client = sting
    low = create(client, "Low", priority="low").json()["data"]
    assert (low["queue_position"], low["estimated_completion"]) == (1, at(6))
    urgent = create(client, "Urgent", priority="urgent").json()["data"]
    assert (urgent["queue_position"], urgent["estimated_completion"]) == (1, at(6)), "the urgent report goes first"
    advance(client, 3600)
    assert report(client, urgent["report"]["id"])["completed_at"] == at(6)
    assert report(client, low["report"]["id"])["completed_at"] == at(9), "the low one waited for the urgent one"


def test_queue_status_is_public_at_both_paths(sting, contracts):
    mock, client = sting
    for title in ("A", "B", "C"):
        create(client, title)
    advance(client, 4)
    bodies = []
    for path in (f"{API}/queue/status", f"{API}/public/queue/status"):
        response = client.get(path)
        assert response.status_code == 200
        assert not violations(contracts["sting"], "get", path, response)
        bodies.append(response.json()["data"])
    assert bodies[0] == bodies[1]
    status = bodies[0]
    assert (status["pending_reports"], status["processing_reports"]) == (2, 1)
    assert status["completed_today"] == 6, "three completed fixtures per team, completed when seeded"
    assert status["average_processing_time"] == "0.1 minutes"  # the mock's 3-second processing step
    assert status["estimated_wait_time"] == "0.1 minutes"  # behind the running job and two queued: 2 + 3 + 3 s


# -- cancel and retry -----------------------------------------------------------------------------------------

def test_cancel_stops_a_pending_or_processing_report_and_frees_the_worker(sting, contracts):
    mock, client = sting
    first = create(client, "First").json()["data"]["report"]["id"]
    second = create(client, "Second").json()["data"]["report"]["id"]
    advance(client, 4)
    assert report(client, first)["status"] == "processing"
    response = client.post(f"{API}/{first}/cancel", headers=STING_A)
    assert response.json() == {"success": True, "message": "Report cancelled successfully"}
    assert not violations(contracts["sting"], "post", f"{API}/{first}/cancel", response)
    advance(client, 30)
    cancelled = report(client, first)
    assert (cancelled["status"], cancelled["download_url"], cancelled["completed_at"]) == ("cancelled", None, None)
    assert report(client, second)["completed_at"] == at(7), "the second took the freed worker at t = 4"
    third = create(client, "Third").json()["data"]["report"]["id"]
    assert client.post(f"{API}/{third}/cancel", headers=STING_A).status_code == 200, "pending reports too"


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_only_unfinished_reports_can_be_cancelled(sting, contracts, status):
    mock, client = sting
    report_id = seeded(mock, status)
    response = client.post(f"{API}/{report_id}/cancel", headers=STING_A)
    assert (response.status_code, response.json()) == (
        400, {"success": False, "error": "Only pending, queued or processing reports can be cancelled"})
    assert not violations(contracts["sting"], "post", f"{API}/{report_id}/cancel", response)
    assert report(client, report_id)["status"] == status


def test_retry_requeues_a_failed_report(sting, contracts):
    mock, client = sting
    assert client.post("/__mock/jobs/fail-next", json={"target": "createReport"}).status_code == 200
    report_id = create(client, "Doomed").json()["data"]["report"]["id"]
    advance(client, 10)
    failed = report(client, report_id)
    assert failed["status"] == "failed" and failed["error_message"] and failed["download_url"] is None
    response = client.post(f"{API}/{report_id}/retry", headers=STING_A)
    assert response.json() == {"success": True, "report_id": report_id, "status": "queued",
                               "message": "Report requeued for processing"}
    assert not violations(contracts["sting"], "post", f"{API}/{report_id}/retry", response)
    advance(client, 1)
    assert report(client, report_id)["status"] == "processing", "a retried report skips pending"
    advance(client, 3)
    done = report(client, report_id)
    assert (done["status"], done["error_message"]) == ("completed", None)


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_only_failed_reports_can_be_retried(sting, contracts, status):
    mock, client = sting
    report_id = seeded(mock, status)
    response = client.post(f"{API}/{report_id}/retry", headers=STING_A)
    assert (response.status_code, response.json()) == (
        400, {"success": False, "error": "Only failed reports can be retried"})
    assert not violations(contracts["sting"], "post", f"{API}/{report_id}/retry", response)
    pending = create(client, "Pending").json()["data"]["report"]["id"]
    assert client.post(f"{API}/{pending}/retry", headers=STING_A).status_code == 400


# -- downloads ------------------------------------------------------------------------------------------------

class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize("fmt, media", [("pdf", "application/pdf"), ("md", "text/markdown"), ("html", "text/html")])
def test_download_is_a_real_file_in_the_requested_format(sting, contracts, fmt, media):
    mock, client = sting
    title = f"Zero <Trust> & {fmt.upper()} Analysis"
    report_id = create(client, title, output_format=fmt).json()["data"]["report"]["id"]
    advance(client, 7)
    response = client.get(f"{API}/{report_id}/download", headers=STING_A)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert response.headers["content-disposition"] == f'attachment; filename="report-{report_id}.{fmt}"'
    assert not violations(contracts["sting"], "get", f"{API}/{report_id}/download", response)
    if fmt == "pdf":
        assert response.content.startswith(b"%PDF-")
        pdf = pypdf.PdfReader(io.BytesIO(response.content), strict=True)
        assert len(pdf.pages) == 1 and title in pdf.pages[0].extract_text()
    elif fmt == "md":
        text = response.content.decode("utf-8")
        assert text.startswith(f"# {title}\n") and "Query: Analyse" in text
    else:
        page = _Html()
        page.feed(response.content.decode("utf-8"))
        assert page.tags[:3] == ["html", "body", "pre"] and f"# {title}" in page.text
        assert b"<Trust>" not in response.content, "the text is escaped"


def test_download_needs_a_completed_report(sting, contracts):
    mock, client = sting
    report_id = create(client).json()["data"]["report"]["id"]
    response = client.get(f"{API}/{report_id}/download", headers=STING_A)
    assert (response.status_code, response.json()) == (
        400, {"success": False, "error": "Report is not ready for download"})
    assert not violations(contracts["sting"], "get", f"{API}/{report_id}/download", response)


# -- templates and the list -------------------------------------------------------------------------------------

def test_templates_are_the_active_ones_filtered_by_category(sting, contracts):
    mock, client = sting
    response = client.get(f"{API}/templates", headers=STING_A)
    data = response.json()["data"]
    assert not violations(contracts["sting"], "get", f"{API}/templates", response)
    assert data["count"] == len(data["templates"]) == 5, "the retired template is not listed"
    assert all(t["is_active"] for t in data["templates"]) and BEE in {t["id"] for t in data["templates"]}
    analysis = client.get(f"{API}/templates?category=analysis", headers=STING_A).json()["data"]
    assert [t["name"] for t in analysis["templates"]] == ["Bee Conversational Report"]
    assert client.get(f"{API}/templates?category=nonsense", headers=STING_A).status_code == 400


def test_list_filters_by_status_and_search_and_pages_by_limit_and_offset(sting, contracts):
    mock, client = sting
    for title in ("Quantum Risk Review", "Quantum Key Distribution", "Cloud Posture"):
        create(client, title)
    everything = client.get(f"{API}/", headers=STING_A).json()["data"]
    assert everything["pagination"] == {"total": 8, "limit": 50, "offset": 0}
    assert len(everything["reports"]) == 8 and everything["reports"][0]["title"] == "Cloud Posture", "newest first"
    page = client.get(f"{API}/?limit=2&offset=1", headers=STING_A)
    assert not violations(contracts["sting"], "get", f"{API}/?limit=2&offset=1", page)
    assert [r["title"] for r in page.json()["data"]["reports"]] == ["Quantum Key Distribution", "Quantum Risk Review"]
    assert page.json()["data"]["pagination"] == {"total": 8, "limit": 2, "offset": 1}
    found = client.get(f"{API}/?search=QUANTUM", headers=STING_A).json()["data"]
    assert {r["title"] for r in found["reports"]} == {"Quantum Risk Review", "Quantum Key Distribution"}
    assert found["pagination"]["total"] == 2
    described = client.get(f"{API}/?search=knowledge base", headers=STING_A).json()["data"]["reports"]
    assert [r["title"] for r in described] == ["Honey Jar Coverage Overview"], "search reads descriptions too"
    completed = client.get(f"{API}/?status=completed", headers=STING_A).json()["data"]["reports"]
    assert len(completed) == 3 and {r["status"] for r in completed} == {"completed"}
    assert client.get(f"{API}/?limit=101", headers=STING_A).status_code == 400
    other = client.get(f"{API}/", headers=STING_B).json()["data"]
    assert other["pagination"]["total"] == 5, "another team sees only its own reports"


# -- authentication and errors ----------------------------------------------------------------------------------

def test_the_key_works_in_either_header_and_nothing_else_does(sting, contracts):
    mock, client = sting
    assert client.get(f"{API}/", headers=STING_A).status_code == 200
    assert client.get(f"{API}/", headers=STING_A_BEARER).status_code == 200
    both = {"X-API-Key": "sk_unknown", **STING_A_BEARER}  # the key header is checked first, as STING does
    for headers in ({}, {"X-API-Key": "sk_unknown"}, {"Authorization": "Bearer sk_unknown"}, both):
        response = client.get(f"{API}/", headers=headers)
        assert (response.status_code, response.json()) == (401, {"success": False, "error": "Authentication required"})
        assert not violations(contracts["sting"], "get", f"{API}/", response)


@pytest.mark.parametrize("body, error", [
    (None, "JSON data required"),
    ({"title": "No template"}, "template_id and title are required"),
    ({"template_id": BEE, "parameters": {"user_query": "q"}}, "template_id and title are required"),
    ({"template_id": BEE, "title": "T", "parameters": {"user_query": "q"}, "priority": "asap"}, "Invalid request data"),
])
def test_invalid_creates_answer_the_documented_400(sting, contracts, body, error):
    mock, client = sting
    response = client.post(f"{API}/", headers=STING_A, json=body)
    assert (response.status_code, response.json()) == (400, {"success": False, "error": error})
    assert not violations(contracts["sting"], "post", f"{API}/", response)


@pytest.mark.parametrize("template_id", [RETIRED, "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_inactive_templates_are_not_found(sting, contracts, template_id):
    mock, client = sting
    response = create(client, template_id=template_id)
    assert (response.status_code, response.json()) == (404, {"success": False, "error": "Template not found"})
    assert not violations(contracts["sting"], "post", f"{API}/", response)


@pytest.mark.parametrize("suffix, method", [("", "get"), ("/download", "get"), ("/cancel", "post"), ("/retry", "post")])
def test_unknown_and_other_users_reports_are_not_found(sting, contracts, suffix, method):
    mock, client = sting
    for report_id in (seeded(mock, "completed", "team_b"), "00000000-0000-4000-8000-000000000000"):
        response = client.request(method.upper(), f"{API}/{report_id}{suffix}", headers=STING_A)
        assert (response.status_code, response.json()) == (404, {"success": False, "error": "Report not found"})
        assert not violations(contracts["sting"], method, f"{API}/{report_id}{suffix}", response)


# -- rate limits ----------------------------------------------------------------------------------------------

def _exhaust(client, call, limit: int):
    for n in range(limit):
        response = call()
        assert response.status_code < 300, f"call {n + 1}: {response.status_code}"
        assert response.headers["X-RateLimit-Remaining"] == str(limit - n - 1)
    return call()


def test_ten_creates_an_hour(sting, contracts):
    mock, client = sting
    refused = _exhaust(client, lambda: create(client), 10)
    assert (refused.status_code, refused.json()) == (429, {"success": False, "error": "Rate limit exceeded"})
    assert int(refused.headers["Retry-After"]) == 3600
    assert not violations(contracts["sting"], "post", f"{API}/", refused)
    assert create(client, headers=STING_B).status_code == 201, "per key"
    advance(client, 3600)
    assert create(client).status_code == 201


def test_hundred_lists_and_fifty_downloads_a_minute(sting, contracts):
    mock, client = sting
    refused = _exhaust(client, lambda: client.get(f"{API}/", headers=STING_A), 100)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60
    assert not violations(contracts["sting"], "get", f"{API}/", refused)
    report_id = seeded(mock, "completed")
    refused = _exhaust(client, lambda: client.get(f"{API}/{report_id}/download", headers=STING_A), 50)
    assert refused.status_code == 429
    assert not violations(contracts["sting"], "get", f"{API}/{report_id}/download", refused)
    advance(client, 60)
    assert client.get(f"{API}/{report_id}/download", headers=STING_A).status_code == 200
