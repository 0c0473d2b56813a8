"""Shared set-up of the companion-spec tests: each spec's mock with its own fixtures and tokens, a clock pinned
to a known instant (so calendar rules and queues move only when a test moves the clock), and its contract."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conformance.response_validation import ResponseValidator
from mockserver.app import Mock

ROOT = Path(__file__).resolve().parent.parent.parent
SPECS = {stem: ROOT / "spec" / f"{stem}.yaml" for stem in ("trakk", "sting", "report-ai-analysis")}
BASE = "http://127.0.0.1:4010"
MID_MONTH = "2026-11-15T12:00:00Z"

TRAKK_A = {"Authorization": "Bearer trakk_test_team_a"}
TRAKK_B = {"Authorization": "Bearer trakk_test_team_b"}
STING_A = {"X-API-Key": "sting_test_key_a"}
STING_A_BEARER = {"Authorization": "Bearer sting_test_key_a"}
STING_B = {"X-API-Key": "sting_test_key_b"}
ANALYSIS_A = {"Authorization": "Bearer analysis_test_team_a"}
ANALYSIS_B = {"Authorization": "Bearer analysis_test_team_b"}
TOKENS = {"trakk": TRAKK_A, "sting": STING_A, "report-ai-analysis": ANALYSIS_A}


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def pinned_mock(stem: str, at: str = MID_MONTH) -> Mock:
    """The spec's mock, seeded with its clock standing at `at` (it moves only by /__mock/clock advance)."""
    mock = Mock(SPECS[stem])
    instant = epoch(at)
    mock.clock._wall = lambda: instant
    mock.reset()
    return mock


@pytest.fixture(scope="session")
def contracts() -> dict[str, ResponseValidator]:
    return {stem: ResponseValidator(path) for stem, path in SPECS.items()}


def served(mock: Mock):
    with TestClient(mock, base_url=BASE) as client:
        yield client


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/__mock/clock", json={"advance": seconds}).status_code == 200


def violations(contract: ResponseValidator, method: str, url: str, response) -> list[str]:
    return contract.violations(method, BASE + url, response.status_code, dict(response.headers), response.content)
