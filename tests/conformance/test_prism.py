"""The suite against a server nobody here wrote: Prism (`@stoplight/prism-cli`, pinned in tools/prism/ and
installed by the project itself) mocking the same contract. A stateless example mock must produce exactly the
finding classes of what it does not do, attributed to the right rules: no teams (`team_isolation`), a token is
only looked at for presence (`ignored_auth`: invalid authentication accepted), no state (`resource_lifecycle`:
a created record reads back as another, a deleted one is still there). Nothing else: no crash, no transport or
server errors, no status, schema, vocabulary, async or throttle findings."""
from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from suite_runs import run_suite

from conformance.mockproc import free_port
from conformance.nodetools import ToolUnavailable, prism
from conformance.options import DEFAULT_SPEC

STARTUP_SECONDS = 60
STATELESS_CLASSES = {"team_isolation", "ignored_auth", "resource_lifecycle"}


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    try:
        binary = prism()
    except ToolUnavailable as exc:
        pytest.skip(str(exc))
    port = free_port()
    process = subprocess.Popen([str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), str(DEFAULT_SPEC)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            try:
                httpx.get(url + "/credits", headers={"Authorization": "Bearer x"}, timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "Prism did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_prism_gets_the_findings_of_a_stateless_mock_and_no_other(prism_url, capsys, tmp_path):
    out = tmp_path / "prism.json"
    run = run_suite(capsys, "--base-url", prism_url, "--token", "rk_test_team_a", "--other-team-token",
                    "rk_test_team_b", "--allow-writes", "--max-examples", "1", "--phases", "examples", "fuzzing",
                    "--include-tag", "Articles", "Reports", "--json", str(out))
    assert run.code == 1, run.output
    report = json.loads(out.read_text())
    assert report["state"] == "complete" and report["errors"] == []
    by_rule = Counter(f["check"] for f in report["findings"])
    assert set(by_rule) == STATELESS_CLASSES, by_rule
    messages = [f["message"] for f in report["findings"] if f["check"] == "resource_lifecycle"]
    assert any("returned another record" in m for m in messages), messages
    auth = [f for f in report["findings"] if f["check"] == "ignored_auth"]
    assert all("$TOKEN" not in (f["curl"] or "") for f in auth)
