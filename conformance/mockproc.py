"""`--against-mock`: the suite starts `python -m mockserver serve` on a free loopback port (optionally with
injected defects) with the spec's fixtures file, waits until it answers, and stops it when the run ends. The
suite knows the mock only as a process, its documented fixtures file and its `/__mock` control API."""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from contract import fixtures_path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60.0


class MockFailed(Exception):
    """The mock would not start (a bad spec, an unknown defect): a usage problem."""


ANY_TOKEN = "conformance-any-token"  # a spec without fixtures is served to any well-formed credential


def fixtures_for(spec: Path) -> Path | None:
    """The teams and tokens a spec is served with (README: `fixtures/<spec>.teams.yaml`); None when it has none."""
    candidate = fixtures_path(f"{spec.stem}.teams.yaml")
    return candidate if candidate.exists() else None


@dataclass(frozen=True)
class MockTokens:
    team: str | None
    other: str | None
    low: str | None
    admin: str | None

    def roles(self) -> dict[str, str | None]:
        return {"team": self.team, "other": self.other, "low": self.low}


def mock_tokens(spec: Path) -> MockTokens:
    """The mock's test tokens for a spec: the first team's, the second team's, a poorer team's for credit
    refusals (rk_test_team_a, rk_test_team_b, rk_test_low_credits for openapi.yaml), and the first admin's."""
    fixtures = fixtures_for(spec)
    if fixtures is None:
        return MockTokens(ANY_TOKEN, None, None, None)
    raw: dict[str, Any] = yaml.safe_load(fixtures.read_text(encoding="utf-8")) or {}
    teams = list(raw.get("teams") or [])
    tokens: dict[str, dict[str, Any]] = raw.get("tokens") or {}
    first: dict[str, str] = {}
    for token, caller in tokens.items():
        if not caller.get("admin"):
            first.setdefault(caller["team"], token)
    poorer = [t for t in teams[2:] if t.get("credits", 0) < teams[0].get("credits", 0) and t["key"] in first]
    return MockTokens(team=first.get(teams[0]["key"]) if teams else None,
                      other=first.get(teams[1]["key"]) if len(teams) > 1 else None,
                      low=first[poorer[0]["key"]] if poorer else None,
                      admin=next((t for t, caller in tokens.items() if caller.get("admin")), None))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class MockProcess:
    def __init__(self, spec: Path, base_path: str, defects: list[str]):
        self.spec = spec
        self.defects = defects
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + base_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads would block a chatty mock

    def __enter__(self) -> MockProcess:
        command = [sys.executable, "-m", "mockserver", "serve", "--spec", str(self.spec), "--port", str(self.port)]
        fixtures = fixtures_for(self.spec)
        if fixtures is not None:
            command += ["--fixtures", str(fixtures)]
        for name in self.defects:
            command += ["--inject-defect", name]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                lines = [line for line in self.log.read().splitlines() if line.strip()]
                self.__exit__()
                raise MockFailed(f"the mock exited: {lines[-1] if lines else 'no output'}")
            try:
                httpx.get(f"{self.origin}/__mock", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.__exit__()
        raise MockFailed(f"the mock did not answer within {STARTUP_SECONDS:g} s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
