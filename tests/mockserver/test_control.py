"""The control API (/__mock/), injected faults and Prism's Prefer header."""
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from conftest import API, SPEC, TEAM_A, team_records

from mockserver.app import Mock


def test_clock_moves_freezes_and_refuses_to_go_back(client, mock):
    start = client.get("/__mock/clock").json()["now"]
    moved = client.post("/__mock/clock", json={"advance": 3600}).json()
    assert moved["now"] - start >= 3600
    assert client.post("/__mock/clock", json={"advance": -5}).status_code == 422
    assert client.post("/__mock/clock", content=b"[1]").status_code == 422

    project = team_records(mock, "tracking_project")[0].key
    rid = client.post(f"{API}/tracking-projects/{project}/generate-report", headers=TEAM_A).json()["report_id"]
    client.post("/__mock/clock", json={"freeze": True})
    client.post("/__mock/clock", json={"advance": 600})
    assert client.get(f"{API}/reports/{rid}", headers=TEAM_A).json()["status"] == "pending", "frozen: jobs wait"
    client.post("/__mock/clock", json={"freeze": False, "advance": 10})
    assert client.get(f"{API}/reports/{rid}", headers=TEAM_A).json()["status"] == "completed"


def test_credits_can_be_set_per_team(client):
    assert client.put("/__mock/teams/team_a/credits", json={"balance": 7}).json() == {"team": "team_a", "balance": 7}
    assert client.get(f"{API}/credits", headers=TEAM_A).json()["balance"] == 7
    assert client.put("/__mock/teams/nobody/credits", json={"balance": 7}).status_code == 404
    assert client.put("/__mock/teams/team_a/credits", json={"balance": "lots"}).status_code == 422


def test_reset_restores_the_fixtures_and_the_request_log_records_calls(client, mock):
    client.put("/__mock/teams/team_a/credits", json={"balance": 1})
    client.get(f"{API}/tracking-projects", headers=TEAM_A)
    log = client.get("/__mock/requests").json()["data"]
    assert log[-1]["operation"] == "listTrackingProjects" and log[-1]["status"] == 200 and log[-1]["team"] == "team_a"
    records = client.get("/__mock").json()["records"]
    assert client.post("/__mock/reset").json()["records"] == records
    assert client.get(f"{API}/credits", headers=TEAM_A).json()["balance"] == 10000


def test_fail_next_names_a_job_and_rejects_anything_else(client):
    assert client.post("/__mock/jobs/fail-next", json={"target": "report"}).json()["fail_next"] == 1
    assert client.post("/__mock/jobs/fail-next", json={"target": "listReports"}).status_code == 422


def test_faults_delay_or_fail_an_operation(client):
    client.post("/__mock/faults", json={"operation": "listTrackingProjects", "status": 503, "count": 1})
    assert client.get(f"{API}/tracking-projects", headers=TEAM_A).status_code == 503
    assert client.get(f"{API}/tracking-projects", headers=TEAM_A).status_code == 200, "count=1: once"
    client.post("/__mock/faults", json={"operation": "listTrackingProjects", "delay_ms": 300})
    started = time.perf_counter()
    assert client.get(f"{API}/tracking-projects", headers=TEAM_A).status_code == 200
    assert time.perf_counter() - started >= 0.3
    assert client.delete("/__mock/faults").json() == {"faults": {}}
    assert client.post("/__mock/faults", json={"operation": "nope", "status": 500}).status_code == 422
    assert client.post("/__mock/faults", json={"status": 404}).status_code == 422


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_mock():
    mock = Mock(SPEC)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(mock, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_dropped_connection_fault_cuts_the_response(served_mock):
    httpx.post(f"{served_mock}/__mock/faults", json={"operation": "listTrackingProjects", "drop": True, "count": 1})
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{served_mock}{API}/tracking-projects", headers=TEAM_A)
    assert httpx.get(f"{served_mock}{API}/tracking-projects", headers=TEAM_A).status_code == 200, "server stays up"


def test_prefer_header_picks_status_example_or_dynamic_data(client, mock):
    report = team_records(mock, "report")[0].key
    forced = client.get(f"{API}/reports/{report}", headers={**TEAM_A, "Prefer": "code=404"})
    assert forced.status_code == 404 and forced.json() == {"message": "Not found."}
    audit = team_records(mock, "grounding_audit")[0].key
    coded = client.get(f"{API}/grounding/audits/{audit}", headers={**TEAM_A, "Prefer": "code=410"})
    assert coded.status_code == 410 and coded.json()["error"]["code"] == "audit_expired"
    dynamic = [client.get(f"{API}/tracking-projects/1/correlation", headers={**TEAM_A, "Prefer": "dynamic=true"}).json()
               for _ in range(2)]
    assert dynamic[0] != dynamic[1] and set(dynamic[0]["data"]) >= {"smart_todos"}
    limited = client.post(f"{API}/tracking-projects/1/generate-report",
                          headers={**TEAM_A, "Prefer": "code=429, example=rate_limited"})
    assert limited.status_code == 429 and limited.json() == {"error": "rate_limited"}
