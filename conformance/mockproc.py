"""`--against-mock`: the suite starts `python -m mockserver serve` on a free loopback port (optionally with
injected defects), waits until it answers, and stops it when the run ends."""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60.0


class MockFailed(Exception):
    """The mock would not start (a bad spec, an unknown defect): a usage problem."""


def mock_tokens(spec: Path) -> dict[str, str | None]:
    """The mock's test tokens for a spec (fixtures/<spec>.teams.yaml): the first team's, the second team's, and
    a poorer team's for credit refusals (rk_test_team_a, rk_test_team_b, rk_test_low_credits for openapi.yaml)."""
    from mockserver.teams import directory_for

    directory = directory_for(spec, None)
    teams = list(directory.teams.values())
    first = {}
    for token, caller in directory.tokens.items():
        if not caller.admin:
            first.setdefault(caller.team, token)
    poorer = [t for t in teams[2:] if teams and t.credits < teams[0].credits and t.key in first]
    return {"team": first.get(teams[0].key) if teams else None,
            "other": first.get(teams[1].key) if len(teams) > 1 else None,
            "low": first[poorer[0].key] if poorer else None}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MockProcess:
    def __init__(self, spec: Path, base_path: str, defects: list[str]):
        self.spec = spec
        self.defects = defects
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}{base_path}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads would block a chatty mock

    def __enter__(self) -> MockProcess:
        command = [sys.executable, "-m", "mockserver", "serve", "--spec", str(self.spec), "--port", str(self.port)]
        for name in self.defects:
            command += ["--inject-defect", name]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                reason = self.log.read().strip()
                self.__exit__()
                raise MockFailed(f"the mock exited: {reason}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/__mock", timeout=1)
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
