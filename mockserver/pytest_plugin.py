"""pytest fixtures for testing code against the mock (installed as the `pytest11` entry point, so a project that
`pip install`s the toolkit has them without a conftest).

- `rankion_mock`: the mock in-process (no port, no thread): `rankion_mock.client(token)` is an httpx client
  whose requests go straight into the ASGI app.
- `rankion_mock_server`: the same mock on a free loopback port, for code that opens its own connections (an SDK
  given a base URL, a browser, a subprocess): `rankion_mock_server.base_url`.

Both are reset to the fixtures before each test and steer the mock through its control API: `advance(seconds)`,
`freeze()`, `set_balance(team, n)`, `fault(...)`, `fail_next(...)`; and verify like WireMock: `find(**filter)`,
`count(**filter)`, `unmatched()`, `verify(n, **filter)` over the journal (filters: method, path with `*`,
operation, team, status such as "402" or "4xx").

The spec is the packaged Rankion contract unless `--rankion-spec PATH` (or the `rankion_spec` ini value) names
another.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract import spec_path

STARTUP_SECONDS = 30


class MockControl:
    """One mock, as a test sees it: its URLs, its tokens, its control API and its journal."""

    def __init__(self, root: str, api_path: str, tokens: dict[str, str], control: httpx.Client):
        self.root = root  # scheme://host[:port], where /__mock lives
        self.base_url = root + api_path
        self.tokens = tokens  # team -> the first token of that team in the fixtures
        self._control = control
        self._clients: list[httpx.Client] = []  # closed when the test ends

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client at the API's base URL, authorized with `token` (a token, or a team name)."""
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        client = self._new_client(base_url=self.base_url, headers=headers, **kwargs)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def _new_client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(**kwargs)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._control.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()

    # -- steering --------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self._call("POST", "/__mock/reset")

    def advance(self, seconds: float) -> dict:
        """Move the mock clock: jobs, throttle windows and webhook retries see the time pass."""
        return self._call("POST", "/__mock/clock", json={"advance": seconds})

    def freeze(self, frozen: bool = True) -> dict:
        return self._call("POST", "/__mock/clock", json={"freeze": frozen})

    def set_balance(self, team: str, balance: int) -> None:
        self._call("PUT", f"/__mock/teams/{team}/credits", json={"balance": balance})

    def balance(self, team: str) -> int:
        return int(self._call("GET", f"/__mock/teams/{team}/credits")["balance"])

    def fault(self, operation: str = "*", *, delay_ms: int = 0, jitter_ms: int = 0, status: int | None = None,
              drop: bool = False, count: int | None = None) -> None:
        """Latency, a 429 or 5xx, or a dropped connection for an operation (`*`: all), for `count` calls."""
        body = {"operation": operation, "delay_ms": delay_ms, "jitter_ms": jitter_ms, "status": status,
                "drop": drop, "count": count}
        self._call("POST", "/__mock/faults", json={k: v for k, v in body.items() if v is not None})

    def clear_faults(self) -> None:
        self._call("DELETE", "/__mock/faults")

    def fail_next(self, target: str, count: int = 1) -> None:
        """The next `count` jobs of this operation (or resource) end in their failure state."""
        self._call("POST", "/__mock/jobs/fail-next", json={"target": target, "count": count})

    # -- verification ----------------------------------------------------------------------------------------
    def find(self, **filters: Any) -> list[dict]:
        """Journal entries, oldest first: method, path, query, headers, body, status, response, refusal …"""
        params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in filters.items() if v is not None}
        return list(self._call("GET", "/__mock/requests", params=params)["data"])

    def count(self, **filters: Any) -> int:
        return len(self.find(**filters))

    def unmatched(self) -> list[dict]:
        """Requests that matched no operation of the contract (a wrong path or method in the code under test)."""
        return self.find(unmatched=True)

    def verify(self, expected: int, **filters: Any) -> None:
        """Assert that exactly `expected` requests match, showing the journal when not."""
        found = self.find(**filters)
        if len(found) != expected:
            seen = "\n".join(f"  {e['method']} {e['path']} → {e['status']} ({e['operation'] or 'no operation'})"
                             for e in self.find())
            raise AssertionError(f"expected {expected} request(s) matching {filters}, found {len(found)}; "
                                 f"the journal:\n{seen or '  (empty)'}")

    def clear_journal(self) -> None:
        self._call("DELETE", "/__mock/requests")


class InProcessControl(MockControl):
    """Requests go straight into the ASGI app through Starlette's test client: no socket, no thread."""

    def __init__(self, mock: Any):
        from starlette.testclient import TestClient

        self._mock = mock
        root = "http://rankion-mock.test"
        super().__init__(root, mock.doc.base_path, team_tokens(mock), TestClient(mock, base_url=root))

    def _new_client(self, **kwargs: Any) -> httpx.Client:
        from starlette.testclient import TestClient

        base_url = kwargs.pop("base_url")
        client = TestClient(self._mock, base_url=base_url)
        client.headers.update(kwargs.pop("headers", {}))
        return client


def team_tokens(mock: Any) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for token, caller in mock.directory.tokens.items():
        tokens.setdefault(caller.team, token)
    return tokens


class ServedMock:
    """The mock served by uvicorn on a free loopback port, in a daemon thread of the test process."""

    def __init__(self, mock: Any):
        import uvicorn

        from .cli import bind

        self.mock = mock
        self.socket = bind("127.0.0.1", 0)
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(mock, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> ServedMock:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the mock did not start serving")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--rankion-spec", help="the contract the rankion_mock fixtures serve (default: packaged)")
    parser.addini("rankion_spec", help="the contract the rankion_mock fixtures serve (default: packaged)")


@pytest.fixture(scope="session")
def rankion_mock_app(pytestconfig: pytest.Config) -> Any:
    """The session's mock (building one takes about a second; resetting it, milliseconds)."""
    from .app import Mock

    spec = pytestconfig.getoption("--rankion-spec") or pytestconfig.getini("rankion_spec") or spec_path()
    return Mock(spec)


@pytest.fixture
def rankion_mock(rankion_mock_app: Any) -> Iterator[MockControl]:
    control = InProcessControl(rankion_mock_app)
    control.reset()
    yield control
    control.close()


@pytest.fixture(scope="session")
def _rankion_served(rankion_mock_app: Any) -> Iterator[ServedMock]:
    with ServedMock(rankion_mock_app) as served:
        yield served


@pytest.fixture
def rankion_mock_server(_rankion_served: ServedMock) -> Iterator[MockControl]:
    root = f"http://127.0.0.1:{_rankion_served.port}"
    with httpx.Client(base_url=root, timeout=30) as control_client:
        control = MockControl(root, _rankion_served.mock.doc.base_path, team_tokens(_rankion_served.mock),
                              control_client)
        control.reset()
        yield control
        control.close()
