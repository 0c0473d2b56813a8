"""Tried as a new user would: `python -m mockserver serve --spec spec/<companion>.yaml` serves each companion
with its own fixtures and tokens, and seed 002's Python examples (create a report, then `wait_for_report`),
unchanged but for the base URL and the API key, get a download URL that downloads a valid PDF."""
import io
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pypdf
import pytest
import requests

from .conftest import ROOT

# seed 002, "Python Example" (create) and "Polling for Completion", as documented
CREATE_EXAMPLE = '''
import requests

api_key = "sk_your_api_key_here"
base_url = "https://your-sting.com"

response = requests.post(
    f"{base_url}/api/reports/",
    headers={
        "Content-Type": "application/json",
        "X-API-Key": api_key
    },
    json={
        "template_id": "cc030440-0005-470f-8341-6ec798d00445",
        "title": "Zero Trust Architecture Analysis",
        "parameters": {
            "user_query": "Provide a detailed analysis of zero-trust security implementation..."
        },
        "output_format": "pdf",
        "priority": "high"
    }
)

data = response.json()
report_id = data["data"]["report"]["id"]
print(f"Report queued: {report_id}")
'''

POLLING_EXAMPLE = '''
import time
import requests

def wait_for_report(report_id, api_key, timeout=1800):
    """Poll for report completion with smart intervals."""
    base_url = "https://your-sting.com"
    start = time.time()

    while time.time() - start < timeout:
        response = requests.get(
            f"{base_url}/api/reports/{report_id}",
            headers={"X-API-Key": api_key}
        )
        data = response.json()
        status = data["report"]["status"]

        if status == "completed":
            return data["report"]["download_url"]
        elif status == "failed":
            raise Exception(f"Report failed: {data['report'].get('error_message')}")

        # Smart polling: shorter intervals when processing
        interval = 3 if status == "processing" else 10
        time.sleep(interval)

    raise TimeoutError("Report generation timed out")
'''

FIRST_CALL = {  # stem: (path under the base, headers of its first fixture token)
    "trakk": ("/projects/1/reports/latest", {"Authorization": "Bearer trakk_test_team_a"}),
    "sting": ("/templates", {"X-API-Key": "sting_test_key_a"}),
    "report-ai-analysis": (None, {"Authorization": "Bearer analysis_test_team_a"}),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cli_mock(stem: str):
    """`python -m mockserver serve --spec spec/<stem>.yaml` on a free loopback port: (root URL, its banner)."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--spec", f"spec/{stem}.yaml",
                                "--port", str(port)], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{root}/__mock", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"the mock of {stem} did not start")
            time.sleep(0.2)
        yield root, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        if process.stdout and not process.stdout.closed:
            process.communicate(timeout=10)  # reaps it and closes the pipe


@pytest.mark.parametrize("stem", list(FIRST_CALL))
def test_the_cli_serves_each_companion_with_its_own_fixtures(stem):
    with cli_mock(stem) as (root, process):
        state = httpx.get(f"{root}/__mock").json()
        assert state["spec"].endswith(f"{stem}.yaml")
        path, headers = FIRST_CALL[stem]
        assert set(state["tokens"]) >= {headers.get("X-API-Key") or headers["Authorization"].split()[1]}
        base = {"trakk": "/api/v1", "sting": "/api/reports", "report-ai-analysis": ""}[stem]
        if path is None:  # the analysis of the first fixture report: its id is a UUID the mock minted
            path = "/v1/reports/00000000-0000-4000-8000-000000000000/ai-analysis"
            missing = httpx.get(root + base + path, headers=headers)
            assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
            assert missing.json()["request_id"] == missing.headers["X-Correlation-ID"]
        else:
            assert httpx.get(root + base + path, headers=headers).status_code == 200
        assert httpx.get(root + base + path).status_code == 401
        os.killpg(process.pid, signal.SIGTERM)  # the banner is complete once the server stops
        banner = process.communicate(timeout=10)[0]
        assert f"{base}   control:" in banner and "token " in banner


def test_the_documented_polling_example_gets_a_downloadable_pdf():
    with cli_mock("sting") as (root, _):
        def run(code: str) -> dict:
            code = code.replace("https://your-sting.com", root).replace("sk_your_api_key_here", "sting_test_key_a")
            scope: dict = {}
            exec(compile(code, "seed-002-example", "exec"), scope)
            return scope

        report_id = run(CREATE_EXAMPLE)["report_id"]
        wait_for_report = run(POLLING_EXAMPLE)["wait_for_report"]
        started = time.monotonic()
        download_url = wait_for_report(report_id, "sting_test_key_a", timeout=60)
        assert time.monotonic() - started < 30
        assert download_url == f"/api/reports/{report_id}/download"
        response = requests.get(root + download_url, headers={"X-API-Key": "sting_test_key_a"})
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        pdf = pypdf.PdfReader(io.BytesIO(response.content), strict=True)
        assert "Zero Trust Architecture Analysis" in pdf.pages[0].extract_text()
