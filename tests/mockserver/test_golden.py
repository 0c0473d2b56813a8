"""Golden behaviour cases, after Prism's test-harness/specs: each directory under golden/ holds a tiny spec with
`x-mock-*` declarations and `exchange.yaml`, the requests to send and what must come back (status, the headers
named, a subset of the body). Each case runs on a fresh in-process mock with the teams of golden/teams.yaml;
time moves by `POST /__mock/clock` steps.

In a body, a mapping expects at least its keys, a list exactly its length (each item as a subset), anything
else equality. `save: {name: dotted.path}` keeps a value of the answer for `{name}` in later paths. A step
without `expect` steers the mock (the control API) and must succeed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver.app import Mock
from mockserver.values import field_value

GOLDEN = Path(__file__).parent / "golden"
TEAMS = GOLDEN / "teams.yaml"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "exchange.yaml").exists())


def contains(actual: Any, expected: Any, where: str = "body") -> list[str]:
    """Where `actual` falls short of `expected` (empty: it holds it)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        missing = [f"{where}.{key}: missing" for key in expected if key not in actual]
        return missing + [problem for key, value in expected.items() if key in actual
                          for problem in contains(actual[key], value, f"{where}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [problem for index, (item, wanted) in enumerate(zip(actual, expected))
                for problem in contains(item, wanted, f"{where}[{index}]")]
    return [] if actual == expected else [f"{where}: expected {expected!r}, got {actual!r}"]


def test_contains_reports_what_is_missing_or_different():
    assert contains({"a": 1, "b": [{"c": 2, "d": 3}]}, {"b": [{"c": 2}]}) == []
    assert contains({"a": 1}, {"a": 2, "e": 0}) == ["body.e: missing", "body.a: expected 2, got 1"]
    assert contains({"b": [1, 2]}, {"b": [1]}) == ["body.b: expected 1 items, got [1, 2]"]


def test_there_are_golden_cases():
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str):
    steps = yaml.safe_load((GOLDEN / case / "exchange.yaml").read_text())["steps"]
    saved: dict[str, Any] = {}
    with TestClient(Mock(GOLDEN / case / "spec.yaml", TEAMS)) as client:
        for number, step in enumerate(steps, 1):
            send = step["send"]
            headers = {"Authorization": f"Bearer {send['token']}"} if "token" in send else {}
            response = client.request(send["method"], send["path"].format(**saved), headers=headers,
                                      json=send.get("json"))
            expect = step.get("expect")
            if expect is None:
                assert response.status_code < 300, f"step {number}: {response.status_code} {response.text}"
                continue
            label = f"step {number} ({send['method']} {send['path']})"
            assert response.status_code == expect["status"], f"{label}: {response.status_code} {response.text}"
            for name, value in (expect.get("headers") or {}).items():
                assert response.headers.get(name) == value, f"{label}: header {name}: {response.headers.get(name)}"
            if "body" in expect:
                problems = contains(response.json(), expect["body"])
                assert not problems, f"{label}: " + "; ".join(problems)
            for name, dotted in (step.get("save") or {}).items():
                saved[name] = field_value(response.json(), dotted)
