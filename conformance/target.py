"""The deployment under test, as the suite's own checks reach it: one base URL, a token per role, the run's
transport settings (timeouts, extra headers, proxy, TLS), a request rate it never exceeds, and patience with
rate limits.

A 429 carrying `Retry-After` is waited out and the request sent again (bounded), so a rate-limited server
produces no findings for that reason. When the run declares its target the mock (`--target mock`), waiting is a
jump of the mock clock (`POST /__mock/clock`) instead of a sleep, and job polling uses the same jump. A request
the target does not answer (refused, dropped, timed out) raises `TransportFailed`: a finding on its operation,
not the end of the run, unless the target stopped answering altogether (`TargetDown`).
"""
from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .requestgen import PreparedRequest

MAX_RETRIES = 3
MAX_WAIT_SECONDS = 60.0
DOWN_AFTER = 3  # consecutive requests the target refused to connect: it is down, the run stops (partial)
BODY_EXCERPT = 600  # characters of a response body a finding shows
# Reports show these instead of the tokens, so a curl line can be pasted after `export TOKEN=…`.
PLACEHOLDERS = {"team": "$TOKEN", "other": "$OTHER_TEAM_TOKEN", "low": "$LOW_CREDIT_TOKEN"}
FLAGS = {"team": "--token", "other": "--other-team-token", "low": "--low-credit-token"}
WRONG_TOKEN = "not-a-valid-token"


class ConnectionFailed(Exception):
    """The target could not be reached at all before the run started: a usage problem (exit 2), not a finding."""


class TokenRefused(Exception):
    """A token the run was given is not accepted: every finding would be about it, so it is a usage problem."""


class TransportFailed(Exception):
    """One request got no answer (connection refused or dropped, a timeout): a finding on its operation."""

    def __init__(self, operation: str, request: PreparedRequest, url: str, reason: str, curl: str):
        super().__init__(f"{request.method.upper()} {url}: {reason}")
        self.operation = operation
        self.request = request
        self.reason = reason
        self.curl = curl


class TargetDown(Exception):
    """The target stopped answering altogether: the run ends early and its reports say so."""

    def __init__(self, message: str, operation: str, curl: str):
        super().__init__(message)
        self.operation = operation
        self.curl = curl


@dataclass
class Transport:
    """How every request of a run travels, schemathesis' included."""
    request_timeout: float = 30.0
    headers: dict[str, str] = field(default_factory=dict)
    proxy: str | None = None
    verify: bool | str = True  # False, True, or a CA bundle path
    rate: float | None = None  # requests per second at most


def parse_rate(text: str) -> float:
    """`10/s`, `600/m`, `3600/h` → requests per second; ValueError when unreadable."""
    count, _, unit = text.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600}.get(unit.strip() or "s")
    if seconds is None or not count.strip().isdigit() or int(count) < 1:
        raise ValueError(f"--rate-limit {text!r}: expected N/s, N/m or N/h with N >= 1")
    return int(count) / seconds


class Pace:
    """Spaces request starts at least 1/rate apart, across threads: the server sees no more than the rate."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass
class Exchange:
    """One request and the answer it got."""
    operation: str
    request: PreparedRequest
    role: str | None
    response: httpx.Response
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        value: str | None = self.response.headers.get(name)
        return value

    def json(self) -> Any:
        """The body as JSON whatever the Content-Type says (a mislabelled body is a finding elsewhere)."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.response.content)
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json

    def body_excerpt(self) -> str:
        return excerpt(self.response.content, self.response.headers.get("content-type", ""))

    def curl(self, base_url: str) -> str:
        return self.request.curl(base_url, PLACEHOLDERS.get(self.role or ""))


def excerpt(content: bytes, content_type: str = "") -> str:
    """A response body as a report shows it: text cut to a length, binary named by its size."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(content)} bytes of {content_type or 'binary data'}>"
    text = text.replace("\x00", "\\u0000")
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + f"… ({len(text)} characters)"


def retry_after(headers: Any) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or an HTTP date); None when absent or unreadable."""
    value = headers.get("retry-after") if headers is not None else None
    if isinstance(value, list):
        value = value[0] if value else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = http_date(value)
        return max(0.0, when - time.time()) if when is not None else None


def http_date(value: str | None) -> float | None:
    """An HTTP date as unix seconds; None when absent or unreadable."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError):
        return None


class MockControl:
    """The mock's control API, for a run whose target is declared the mock: the suite jumps the clock instead of
    waiting and sets balances."""

    def __init__(self, base_url: str, client: httpx.Client):
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.client = client

    def advance(self, seconds: float) -> None:
        self.client.post(f"{self.origin}/__mock/clock", json={"advance": max(seconds, 0.001)})

    def overview(self) -> dict[str, Any]:
        answer = self.client.get(f"{self.origin}/__mock")
        body = answer.json() if answer.status_code == 200 else None
        return body if isinstance(body, dict) else {}

    def set_balance(self, token: str, balance: int) -> None:
        """Give the team behind `token` this credit balance."""
        team = self.overview().get("tokens", {}).get(token)
        if team:
            self.client.put(f"{self.origin}/__mock/teams/{team}/credits", json={"balance": balance})

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Jobs stand still (clock jumps still move throttle windows) until the block ends."""
        self.client.post(f"{self.origin}/__mock/clock", json={"freeze": True})
        try:
            yield
        finally:
            self.client.post(f"{self.origin}/__mock/clock", json={"freeze": False})


class Patience:
    """How the suite waits: for Retry-After, and between polls of a job."""

    def __init__(self, mock: MockControl | None, max_wait: float = MAX_WAIT_SECONDS):
        self.mock = mock
        self.max_wait = max_wait
        self._local = threading.local()

    @property
    def waited(self) -> float:
        """Seconds this thread let pass so far (slept, or jumped on the mock): a job's polls budget with it, and
        flows running beside it in other threads do not eat into that budget."""
        return float(getattr(self._local, "waited", 0.0))

    def wait(self, seconds: float) -> bool:
        """Let `seconds` pass; False when that is longer than the suite is willing to sleep."""
        if self.mock is not None:
            self.mock.advance(seconds)
        elif seconds > self.max_wait:
            return False
        else:
            time.sleep(seconds)
        self._local.waited = self.waited + seconds
        return True


def make_client(transport: Transport, mock_transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(timeout=transport.request_timeout, follow_redirects=False, verify=transport.verify,
                        proxy=transport.proxy, transport=mock_transport)


class Target:
    def __init__(self, base_url: str, tokens: dict[str, str | None], transport: Transport | None = None,
                 mock: bool = False, http: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.transport = transport or Transport()
        self.http = http
        self.client = make_client(self.transport, http)
        self.mock = MockControl(self.base_url, self.client) if mock else None
        self.patience = Patience(self.mock)
        self.pace = Pace(self.transport.rate)
        self.observers: list[Callable[[Exchange], None]] = []
        self.requests = 0
        self.last_request: str | None = None  # "METHOD URL" of the last request sent, for a partial report
        self.last_answered: str | None = None  # the last one that got an answer (what may have killed it)
        self.refused_in_a_row = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def headers_for(self, request: PreparedRequest, role: str | None) -> dict[str, str]:
        headers = {**self.transport.headers, **request.headers}
        token = self.tokens.get(role) if role else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def send(self, operation: str, request: PreparedRequest, role: str | None = "team",
             retry: bool = True) -> Exchange:
        headers = self.headers_for(request, role)
        url = self.base_url + request.path
        response = None
        for attempt in range(MAX_RETRIES + 1):
            self.pace.wait()
            with self._lock:
                self.requests += 1
                self.last_request = f"{request.method.upper()} {url}"
            try:
                response = self.client.request(request.method.upper(), url, headers=headers, json=request.json,
                                               files=request.files, data=request.data)
            except httpx.TransportError as exc:
                raise self._failed(operation, request, role, url, exc) from exc
            with self._lock:
                self.refused_in_a_row = 0
                self.last_answered = f"{request.method.upper()} {url} -> {response.status_code}"
            delay = retry_after(response.headers) if response.status_code == 429 else None
            if not retry or delay is None or attempt == MAX_RETRIES or not self.patience.wait(delay):
                break
        assert response is not None
        exchange = Exchange(operation, request, role, response)
        for observe in self.observers:
            observe(exchange)
        return exchange

    def _failed(self, operation: str, request: PreparedRequest, role: str | None, url: str,
                exc: httpx.TransportError) -> TransportFailed | TargetDown:
        refused = isinstance(exc, httpx.ConnectError)
        with self._lock:
            self.refused_in_a_row = self.refused_in_a_row + 1 if refused else 0
            down = self.refused_in_a_row >= DOWN_AFTER
        curl = request.curl(self.base_url, PLACEHOLDERS.get(role or ""))
        if down:
            return TargetDown(f"the target stopped accepting connections ({exc}); the last request it answered: "
                              f"{self.last_answered or 'none'}", operation, curl)
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer within --request-timeout {self.transport.request_timeout:g} s"
        else:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return TransportFailed(operation, request, url, reason, curl)

    def alive(self) -> bool:
        """Whether the target still accepts a new connection (any answer will do): the pool's open connections
        may outlive a server that stopped listening."""
        try:
            with make_client(self.transport, self.http) as fresh:
                fresh.get(self.base_url + "/", timeout=min(5.0, self.transport.request_timeout))
        except httpx.TransportError:
            return False
        return True

    def reachable(self) -> None:
        """Fail early with a clear message when nothing answers at the base URL."""
        try:
            self.client.get(self.base_url + "/", timeout=min(10.0, self.transport.request_timeout))
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc
