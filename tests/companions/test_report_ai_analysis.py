"""Report AI analysis (spec/report-ai-analysis.yaml): the ReportAiAnalysis shape, `generated_at` falling back to
the report's `created_at` while the analysis is null, and the ApiError envelope for every documented status,
each with a `request_id` that mirrors the X-Correlation-ID response header."""
import uuid

import pytest

from .conftest import ANALYSIS_A, ANALYSIS_B, advance, pinned_mock, served, violations

CATALOG = {400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
           429: "rate_limit_exceeded", 500: "internal_error", 503: "service_unavailable"}


@pytest.fixture
def analysis():
    mock = pinned_mock("report-ai-analysis")
    for client in served(mock):
        yield mock, client


def reports(mock, team="team_a") -> list:
    """The team's fixture reports: analysed, analysis null, analysis without suggestion, still running."""
    return [s for s in mock.engine.store.all("report") if s.team == team]


def url(report_id) -> str:
    return f"/v1/reports/{report_id}/ai-analysis"


def test_the_analysis_of_a_completed_report(analysis, contracts):
    mock, client = analysis
    stored = reports(mock)[0]
    response = client.get(url(stored.key), headers=ANALYSIS_A)
    assert response.status_code == 200
    assert not violations(contracts["report-ai-analysis"], "get", url(stored.key), response)
    body = response.json()
    assert body["object"] == "report_ai_analysis"
    assert body["report_id"] == stored.key and uuid.UUID(body["report_id"]).version == 5
    assert body["ai_analysis"]["summary"] == "Brand visibility is improving on Specialty Coffee queries."
    assert body["ai_suggestion"].startswith("Visibility on ChatGPT improved by 12 points")
    assert body["generated_at"] == stored.fields["generated_at"] != stored.fields["created_at"]
    assert uuid.UUID(response.headers["X-Correlation-ID"])


def test_generated_at_falls_back_to_created_at_while_the_analysis_is_null(analysis):
    mock, client = analysis
    pending, partial = reports(mock)[1], reports(mock)[2]
    body = client.get(url(pending.key), headers=ANALYSIS_A).json()
    assert (body["ai_analysis"], body["ai_suggestion"]) == (None, None)
    assert body["generated_at"] == pending.fields["created_at"]
    body = client.get(url(partial.key), headers=ANALYSIS_A).json()
    assert body["ai_suggestion"] is None and body["ai_analysis"] is not None
    assert body["generated_at"] == partial.fields["generated_at"], "an analysis without suggestion has its own time"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == CATALOG[status]
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["X-Correlation-ID"]
    assert uuid.UUID(body["request_id"]).version == 4
    return body


def test_every_documented_status_answers_the_api_error_envelope(analysis, contracts):
    mock, client = analysis
    contract = contracts["report-ai-analysis"]
    mine, running, theirs = reports(mock)[0].key, reports(mock)[3].key, reports(mock, "team_b")[0].key
    calls = {
        400: lambda: client.get(url(mine) + "?expand=all", headers=ANALYSIS_A),
        401: lambda: client.get(url(mine), headers={"Authorization": "Bearer nope"}),
        403: lambda: client.get(url(theirs), headers=ANALYSIS_A),
        404: lambda: client.get(url(str(uuid.uuid4())), headers=ANALYSIS_A),
        409: lambda: client.get(url(running), headers=ANALYSIS_A),
    }
    ids = set()
    for status, call in calls.items():
        response = call()
        body = _error(response, status)
        ids.add(body["request_id"])
        assert not violations(contract, "get", response.request.url.raw_path.decode(), response), status
    assert len(ids) == len(calls), "a new id for every request"
    errors = _error(calls[400](), 400)["error"]
    assert errors["details"]["errors"] == [{"field": "expand",
                                           "message": "The expand parameter is not documented for this operation."}]
    assert client.get(url(theirs), headers=ANALYSIS_B).status_code == 200


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_enveloped_too(analysis, contracts, status):
    mock, client = analysis
    client.post("/__mock/faults", json={"operation": "getReportAiAnalysis", "status": status, "count": 1})
    mine = reports(mock)[0].key
    response = client.get(url(mine), headers=ANALYSIS_A)
    body = _error(response, status)
    assert not violations(contracts["report-ai-analysis"], "get", url(mine), response)
    if status == 503:
        assert body["error"]["details"] == {"retry_after": 30}


def test_the_per_minute_rate_limit(analysis, contracts):
    mock, client = analysis
    mine = reports(mock)[0].key
    for _ in range(60):
        assert client.get(url(mine), headers=ANALYSIS_A).status_code == 200
    response = client.get(url(mine), headers=ANALYSIS_A)
    body = _error(response, 429)
    assert body["error"]["details"]["retry_after"] == int(response.headers["Retry-After"]) == 60
    assert not violations(contracts["report-ai-analysis"], "get", url(mine), response)
    advance(client, 60)
    assert client.get(url(mine), headers=ANALYSIS_A).status_code == 200


def test_success_answers_carry_a_correlation_id_too(analysis):
    mock, client = analysis
    mine = reports(mock)[0].key
    first, second = (client.get(url(mine), headers=ANALYSIS_A) for _ in range(2))
    assert first.headers["X-Correlation-ID"] != second.headers["X-Correlation-ID"]
    assert "request_id" not in first.json(), "the analysis itself has no request_id field"
