"""The deployment under test, as the suite's own checks reach it: one base URL, a token per role, and patience
with rate limits.

A 429 carrying `Retry-After` is waited out and the request sent again (bounded), so a rate-limited staging
server produces no findings for that reason. When the target is the mock, waiting is a jump of the mock clock
(`POST /__mock/clock`) instead of a sleep, and job polling uses the same jump.
"""
from __future__ import annotations

import email.utils
import json
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
# Reports show these instead of the tokens, so a curl line can be pasted after `export TOKEN=…`.
PLACEHOLDERS = {"team": "$TOKEN", "other": "$OTHER_TEAM_TOKEN", "low": "$LOW_CREDIT_TOKEN"}
FLAGS = {"team": "--token", "other": "--other-team-token", "low": "--low-credit-token"}


class ConnectionFailed(Exception):
    """The target could not be reached at all: a usage problem (exit 2), not a finding."""


class TokenRefused(Exception):
    """A token the run was given is not accepted: every finding would be about it, so it is a usage problem."""


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
        return self.response.headers.get(name)

    def json(self) -> Any:
        """The body as JSON whatever the Content-Type says (a mislabelled body is a finding elsewhere)."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.response.content)
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json

    def curl(self, base_url: str) -> str:
        command = self.request.curl(base_url, None)
        if self.role in PLACEHOLDERS:
            command += f' -H "Authorization: Bearer {PLACEHOLDERS[self.role]}"'
        return command


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
        return max(0.0, http_date(value) - time.time()) if http_date(value) is not None else None


def http_date(value: str | None) -> float | None:
    """An HTTP date as unix seconds; None when absent or unreadable."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError):
        return None


class MockControl:
    """The mock's control API, when the target is the mock: lets the suite jump the clock instead of waiting."""

    def __init__(self, origin: str, client: httpx.Client):
        self.origin = origin
        self.client = client

    @classmethod
    def detect(cls, base_url: str, client: httpx.Client) -> MockControl | None:
        parts = urlsplit(base_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        try:
            answer = client.get(f"{origin}/__mock", timeout=5)
            found = answer.status_code == 200 and "clock" in answer.json()
        except (httpx.HTTPError, ValueError, TypeError):
            found = False
        return cls(origin, client) if found else None

    def advance(self, seconds: float) -> None:
        self.client.post(f"{self.origin}/__mock/clock", json={"advance": max(seconds, 0.001)})

    def set_balance(self, token: str, balance: int) -> None:
        """Give the team behind `token` this credit balance."""
        team = self.client.get(f"{self.origin}/__mock").json()["tokens"].get(token)
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
        self.waited = 0.0  # seconds let pass so far (slept, or jumped on the mock): job polls budget with it

    def wait(self, seconds: float) -> bool:
        """Let `seconds` pass; False when that is longer than the suite is willing to sleep."""
        if self.mock is not None:
            self.mock.advance(seconds)
        elif seconds > self.max_wait:
            return False
        else:
            time.sleep(seconds)
        self.waited += seconds
        return True


class Target:
    def __init__(self, base_url: str, tokens: dict[str, str | None], timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)
        self.mock = MockControl.detect(self.base_url, self.client)
        self.patience = Patience(self.mock)
        self.observers: list[Callable[[Exchange], None]] = []
        self.requests = 0

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def send(self, operation: str, request: PreparedRequest, role: str | None = "team",
             retry: bool = True) -> Exchange:
        headers = dict(request.headers)
        token = self.tokens.get(role) if role else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = self.base_url + request.path
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self.client.request(request.method.upper(), url, headers=headers, json=request.json,
                                               files=request.files, data=request.data)
            except httpx.TransportError as exc:
                raise ConnectionFailed(f"cannot reach {url}: {exc}") from exc
            self.requests += 1
            delay = retry_after(response.headers) if response.status_code == 429 else None
            if not retry or delay is None or attempt == MAX_RETRIES or not self.patience.wait(delay):
                break
        exchange = Exchange(operation, request, role, response)
        for observe in self.observers:
            observe(exchange)
        return exchange

    def reachable(self) -> None:
        """Fail early with a clear message when nothing answers at the base URL."""
        try:
            self.client.get(self.base_url + "/", timeout=10)
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc
