"""Fuzzing the mock with schemathesis: every operation, valid and invalid input (documented examples, boundary
and missing values, unexpected methods, random data, stateful sequences), each answer checked against the
contract: no 5xx, a documented status, media type and headers, a body that fits its schema, invalid input
refused, authentication enforced.

`python -m conformance.fuzz [--spec PATH] [--examples N] [--seed N] [--workers N] [--phases LIST]` serves a
fresh mock on a loopback port (uvicorn, as `make mock` does), fuzzes it, prints the number of requests the mock
answered and every distinct failure with a curl line to reproduce it, and exits 1 when there was one.
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract import spec_path

PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass
class Failure:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str


@dataclass
class Report:
    operations: int
    requests: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the fuzzer could not test something

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


class Counted:
    """ASGI wrapper counting the HTTP requests the app answers (on the server's one event loop): what the fuzzer
    really sent, shrinking and the checks' own requests included."""

    def __init__(self, app: Any):
        self.app = app
        self.requests = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a background thread; yields http://127.0.0.1:PORT."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # log_level error: the fuzzer's malformed requests would each log an "Invalid HTTP request" warning
    config = uvicorn.Config(app, lifespan="off", log_level="error", access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _text_bodies() -> None:
    """The contract's text media types (the spec document served as YAML, CSV, NDJSON) describe their bodies as
    strings, as conformance.contract reads them: hand the schema checks the text, not parsed YAML (under every
    YAML type: schemathesis takes the first deserializer of a media type's family)."""
    import schemathesis
    from schemathesis.core.media_types import YAML_MEDIA_TYPES

    from .response_validation import TEXT_MEDIA

    schemathesis.deserializer(*TEXT_MEDIA, *YAML_MEDIA_TYPES)(
        lambda ctx, response: response.content.decode("utf-8", "replace"))


def config(base_url: str, examples: int, seed: int, phases: tuple[str, ...], workers: int, token: str) -> Any:
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict({
        "seed": seed,
        "base-url": base_url,
        "headers": {"Authorization": f"Bearer {token}"},
        "workers": workers,
        "request-timeout": 30,
        "generation": {"mode": "all", "max-examples": examples, "database": "none"},
        "phases": {name: {"enabled": name in phases} for name in PHASES},
        # valid input may still be refused by the state it meets (an unknown id, no credits, a precondition):
        # every other check runs
        "checks": {"positive_data_acceptance": {"enabled": False}},
    })


def fuzz(spec: Path, examples: int = 20, seed: int = 1, phases: tuple[str, ...] = PHASES, workers: int = 1,
         token: str | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Fuzz a fresh mock of `spec` served on a loopback port, as `token` (default: the fixtures' first admin, so
    admin-only operations are fuzzed past their gate too); `progress` hears of each phase as it starts."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    from mockserver.app import Mock

    _text_bodies()
    started = time.perf_counter()
    mock = Mock(spec)
    tokens = mock.directory.tokens
    token = token or next((t for t, caller in tokens.items() if caller.admin), next(iter(tokens)))
    target = Counted(mock)
    report = Report(operations=len(mock.doc.operations))
    with serving(target) as origin:
        settings = config(origin + mock.doc.base_path, examples, seed, phases, workers, token)
        schema = schemathesis.openapi.from_path(spec, config=settings)
        seen: set[tuple[str, str, str]] = set()
        for event in from_schema(schema).execute():
            if isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
                for failure in _failures(event.recorder):
                    key = (failure.operation, failure.check, failure.title)
                    if key not in seen:
                        seen.add(key)
                        report.failures.append(failure)
            elif isinstance(event, events.PhaseStarted) and progress and event.phase.name.value in phases:
                progress(f"{event.phase.name.value} ({target.requests} requests so far)")
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                report.errors.append(f"fatal: {event.exception!r}")
    report.requests = target.requests
    report.seconds = time.perf_counter() - started
    return report


def _failures(recorder: Any) -> Iterator[Failure]:
    for checks in recorder.checks.values():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            yield Failure(recorder.label, check.name, failure.title, failure.message, check.failure_info.code_sample)


def render(report: Report, spec: Path, examples: int, seed: int, phases: tuple[str, ...]) -> str:
    lines = [f"fuzzed {spec}: {report.operations} operations, {report.requests} requests in {report.seconds:.1f}s "
             f"(phases {', '.join(phases)}; up to {examples} examples per operation and mode; seed {seed})"]
    for failure in report.failures:
        lines += [f"FAIL {failure.operation}: {failure.check}: {failure.title}",
                  *("    " + line for line in failure.message.strip().splitlines()[:12]),
                  f"    reproduce: {failure.reproduce}"]
    lines += [f"ERROR {error}" for error in report.errors]
    verdict = "no failures" if report.ok else f"{len(report.failures)} failures, {len(report.errors)} errors"
    lines.append(verdict)
    return "\n".join(lines)


def _phases(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in PHASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"phases must be a comma-separated subset of {','.join(PHASES)}")
    return names


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=str(spec_path()))
    parser.add_argument("--examples", type=_positive, default=20, help="examples per operation and mode (20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=_positive, default=2, help="concurrent fuzzing threads (2)")
    parser.add_argument("--phases", type=_phases, default=PHASES, help=f"comma-separated ({','.join(PHASES)})")
    parser.add_argument("--token", help="bearer token of the fuzzing caller (the fixtures' first admin token)")
    args = parser.parse_args(argv)
    spec = Path(args.spec)
    try:
        report = fuzz(spec, args.examples, args.seed, args.phases, args.workers, args.token,
                      progress=lambda text: print(f"  {text}", file=sys.stderr, flush=True))
    except (ValueError, OSError) as exc:  # no such spec, or declarations the mock cannot serve
        print(f"conformance.fuzz: {exc}", file=sys.stderr)
        return 2
    print(render(report, spec, args.examples, args.seed, args.phases), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
