"""Shared by the reliability tests: a mock served over real HTTP (uvicorn on a loopback port), a comparable
picture of everything the mock keeps, and valid requests per operation."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import API, SPEC
from serving import serving

from conformance.requestgen import PreparedRequest, build
from conformance.response_validation import ResponseValidator
from contract import Generator
from mockserver.app import Mock
from mockserver.persistence import picture


@pytest.fixture(scope="session")
def live_server() -> Iterator[tuple[Mock, str]]:
    mock = Mock(SPEC)
    with serving(mock) as origin:
        yield mock, origin


def settle(origin: str) -> None:
    """Back to the fixtures, with the clock frozen: nothing moves unless a test moves it."""
    with httpx.Client(base_url=origin) as control:
        assert control.post("/__mock/reset").status_code == 200
        assert control.post("/__mock/clock", json={"freeze": True}).status_code == 200


@pytest.fixture
def live(live_server: tuple[Mock, str]) -> tuple[Mock, str]:
    """The served mock, settled for this test."""
    settle(live_server[1])
    return live_server


@pytest.fixture(scope="session")
def contract() -> ResponseValidator:
    return ResponseValidator(SPEC)


def state_of(mock: Mock) -> dict[str, Any]:
    """Everything the mock keeps, in a form that compares equal exactly when the state is the same."""
    return picture(mock.state)


def valid_request(mock: Mock, operation_id: str, path_values: dict | None = None) -> PreparedRequest:
    return build(mock.engine.plans[operation_id].op, path_values or {}, Generator(7))


def send(client: httpx.Client | Any, request: PreparedRequest, headers: dict[str, str]):
    """Send a prepared request with `client` (httpx or Starlette's test client)."""
    return client.request(request.method.upper(), API + request.path, headers=headers, json=request.json,
                          files=request.files, data=request.data)


def declared(mock: Mock, operation_id: str, key: str) -> Any:
    """An operation's declaration as the contract states it (tests model the contract, not the engine's reading)."""
    return mock.doc.operations[operation_id].raw[key]


def flat_cost(mock: Mock, operation_id: str) -> int:
    """The declared credit cost of an operation that costs the same on every call."""
    cost = declared(mock, operation_id, "x-mock-credits")["cost"]
    assert isinstance(cost, int), f"{operation_id} has a formula cost: {cost!r}"
    return cost
