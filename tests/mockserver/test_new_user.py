"""Tried as a new user would: `make mock`, then the curl/jq workflow of the reports page (seed 000), unchanged
but for BASE, TOKEN and the project id."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

WORKFLOW = r'''
set -eu
# 1) Dispatch
RID=$(curl -s -X POST "$BASE/tracking-projects/$PID/generate-report" \
-H "Authorization: Bearer $TOKEN" | jq -r '.report_id')
echo "Report ID: $RID"
# 2) Poll until completed
while true; do
S=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/reports/$RID" | jq -r '.status')
echo "Status: $S"
[ "$S" = completed ] && break
[ "$S" = failed ] && { echo "Failed"; exit 1; }
sleep 5
done
# 3) Extract Markdown
curl -s -H "Authorization: Bearer $TOKEN" "$BASE/reports/$RID" \
| jq -r '.markdown_content' > tracking-output.md
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def make_mock():
    port = _free_port()
    process = subprocess.Popen(["make", "-s", "mock", f"PORT={port}"], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/openapi.yaml", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail(f"make mock did not answer: {process.communicate(timeout=10)[0]}")
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    process.communicate(timeout=10)  # reaps it and closes the pipe


def test_make_mock_then_the_documented_curl_jq_workflow(make_mock, tmp_path):
    token = "rk_test_team_a"
    projects = httpx.get(f"{make_mock}/tracking-projects", headers={"Authorization": f"Bearer {token}"}).json()
    env = {**os.environ, "BASE": make_mock, "TOKEN": token, "PID": str(projects["data"][0]["id"])}
    run = subprocess.run(["bash", "-c", WORKFLOW], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Status: pending" in run.stdout and "Status: completed" in run.stdout
    markdown = (tmp_path / "tracking-output.md").read_text()
    assert markdown.startswith("# ") and "Executive Summary" in markdown


def test_make_mock_serves_swagger_ui_and_the_control_api(make_mock):
    root = make_mock.rsplit("/api/v1", 1)[0]
    ui = httpx.get(f"{make_mock}/ui/", follow_redirects=True)
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
    control = httpx.get(f"{root}/__mock").json()
    assert control["operations"] == 326 and "rk_test_admin" in control["tokens"]
