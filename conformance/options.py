"""The options of `python -m conformance run` and `python -m conformance fuzz` (one set of flag names, the fuzz
command with other defaults), read from the command line over a `conformance.toml` and checked: a bad
combination is a usage error (exit 2) with a message that names the flag, never a traceback."""
from __future__ import annotations

import argparse
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract import spec_path

from .gates import MOCK, STAGING, TARGETS
from .target import Transport, parse_rate

DEFAULT_SPEC = spec_path()
DEFAULT_CONFIG = Path("conformance.toml")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEFAULT_MAX_CREDITS = 100
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class UsageError(Exception):
    pass


@dataclass
class Options:
    spec: Path = DEFAULT_SPEC
    base_url: str | None = None
    target: str | None = None
    token: str | None = None
    other_team_token: str | None = None
    low_credit_token: str | None = None
    junit_xml: Path | None = None
    report: Path | None = None
    json: Path | None = None
    ndjson: Path | None = None
    read_only: bool = False
    allow_writes: bool = False
    allow_spend: bool = False
    max_credits: int | None = None
    max_examples: int = 3
    workers: int = 4
    seed: int = 0
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    include_operations: list[str] = field(default_factory=list)
    include_tags: list[str] = field(default_factory=list)
    exclude_operations: list[str] = field(default_factory=list)
    exclude_tags: list[str] = field(default_factory=list)
    exclude_checks: list[str] = field(default_factory=list)
    job_timeout: float = 60.0
    request_timeout: float = 30.0
    max_response_time: float | None = None
    max_failures: int | None = None
    rate_limit: str | None = None
    headers: list[str] = field(default_factory=list)
    proxy: str | None = None
    tls_verify: bool = True
    ca_bundle: Path | None = None
    baseline: Path | None = None
    config: Path | None = None
    against_mock: bool = False
    inject_defects: list[str] = field(default_factory=list)
    quiet: bool = False
    own_checks: bool = True  # fuzz: schemathesis only
    all_checks: bool = False  # fuzz: every schemathesis check, not only the contract's

    @property
    def on_mock(self) -> bool:
        return self.target == MOCK

    def transport(self) -> Transport:
        headers = {}
        for line in self.headers:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        verify: bool | str = str(self.ca_bundle) if self.ca_bundle else self.tls_verify
        return Transport(self.request_timeout, headers, self.proxy, verify,
                         parse_rate(self.rate_limit) if self.rate_limit else None)


FUZZ_DEFAULTS = {"against_mock": True, "max_examples": 20, "seed": 1, "workers": 2, "own_checks": False,
                 "all_checks": True}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument("--base-url", help="the API under test, base path included (https://staging.example/api/v1)")
    target.add_argument("--target", choices=TARGETS,
                        help="what the base URL is: `staging` (the default: nothing that destroys or spends "
                             "unless allowed) or `mock` (this project's mock: everything, its clock jumped)")
    target.add_argument("--token", default=os.environ.get("RANKION_TOKEN"),
                        help="bearer token of the team under test (default: $RANKION_TOKEN)")
    target.add_argument("--other-team-token", default=os.environ.get("RANKION_OTHER_TEAM_TOKEN"),
                        help="a second team's token: enables team_isolation (default: $RANKION_OTHER_TEAM_TOKEN)")
    target.add_argument("--low-credit-token", default=os.environ.get("RANKION_LOW_CREDIT_TOKEN"),
                        help="a team too poor to pay credited calls: enables credit_refusal "
                             "(default: $RANKION_LOW_CREDIT_TOKEN)")
    target.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the contract (default: spec/openapi.yaml)")
    target.add_argument("--against-mock", action="store_true",
                        help="start the mock on a free loopback port and test it with its test tokens "
                             "(--target mock)")
    target.add_argument("--inject-defect", action="append", default=[], metavar="NAME", dest="inject_defects",
                        help="with --against-mock: break the mock on purpose (python -m mockserver defects)")
    target.add_argument("--config", type=Path,
                        help="a TOML file of these options (flag names as keys, ${ENV} substituted); default: "
                             "./conformance.toml when it exists")
    gates = parser.add_argument_group("what the run may do (staging)")
    gates.add_argument("--read-only", action="store_true", help="only GET/HEAD operations at all")
    gates.add_argument("--allow-writes", action="store_true",
                       help="create, update and delete (only records the run created; it deletes them at the end)")
    gates.add_argument("--allow-spend", action="store_true",
                       help="call credited operations (the suite's own checks, within --max-credits), run "
                            "credit_cost/credit_refusal and throttle_limit (uses rate-limit quota)")
    gates.add_argument("--max-credits", type=int, metavar="N",
                       help=f"credits the run may spend with --allow-spend (default {DEFAULT_MAX_CREDITS})")
    scope = parser.add_argument_group("scope")
    scope.add_argument("--include-operation", nargs="+", action="extend", default=[], metavar="ID",
                       dest="include_operations", help="only these operationIds")
    scope.add_argument("--include-tag", nargs="+", action="extend", default=[], metavar="TAG",
                       dest="include_tags", help="only operations with these tags")
    scope.add_argument("--exclude-operation", nargs="+", action="extend", default=[], metavar="ID",
                       dest="exclude_operations", help="leave these operationIds out")
    scope.add_argument("--exclude-tag", nargs="+", action="extend", default=[], metavar="TAG",
                       dest="exclude_tags", help="leave operations with these tags out")
    scope.add_argument("--exclude-check", nargs="+", action="extend", default=[], metavar="CHECK",
                       dest="exclude_checks", help="do not run or report these checks")
    tuning = parser.add_argument_group("tuning")
    tuning.add_argument("--max-examples", type=int, default=3, help="fuzzed examples per operation (default 3)")
    tuning.add_argument("--workers", type=int, default=4,
                        help="concurrent workers, for schemathesis and the suite's own checks (default 4)")
    tuning.add_argument("--seed", type=int, default=0, help="generation seed: the same seed sends the same data")
    tuning.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES), metavar="PHASE",
                        help=f"schemathesis phases to run (default: all of {', '.join(PHASES)})")
    tuning.add_argument("--job-timeout", type=float, default=60.0,
                        help="seconds a dispatched job may take to finish (default 60)")
    tuning.add_argument("--request-timeout", type=float, default=30.0,
                        help="seconds to wait for one answer; no answer is a transport finding (default 30)")
    tuning.add_argument("--max-response-time", type=float, metavar="S",
                        help="an answer slower than S seconds is a max_response_time finding")
    tuning.add_argument("--max-failures", type=int, metavar="N", help="stop after N findings (reports: partial)")
    tuning.add_argument("--rate-limit", metavar="N/s", help="send at most N requests per second (or N/m, N/h)")
    transport = parser.add_argument_group("transport")
    transport.add_argument("-H", "--header", action="append", default=[], dest="headers", metavar="'NAME: VALUE'",
                           help="an extra header on every request (repeatable)")
    transport.add_argument("--proxy", help="send every request through this proxy URL")
    transport.add_argument("--tls-verify", action=argparse.BooleanOptionalAction, default=True,
                           help="verify the target's TLS certificate (default: yes)")
    transport.add_argument("--ca-bundle", type=Path, help="verify TLS against this CA bundle")
    output = parser.add_argument_group("reports")
    output.add_argument("--junit-xml", type=Path, help="JUnit XML: one testcase per operation and check")
    output.add_argument("--report", type=Path, help="markdown summary with a curl line per finding")
    output.add_argument("--json", type=Path, help="one JSON document: the run, its findings by root cause")
    output.add_argument("--ndjson", type=Path, help="one JSON line per event as the run goes (survives a crash)")
    output.add_argument("--baseline", type=Path, help="a TOML file of accepted findings with expiry dates")
    output.add_argument("--quiet", action="store_true", help="no live progress on stderr")


def _substitute(value: Any, where: str) -> Any:
    if isinstance(value, str):
        def env(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UsageError(f"{where}: ${{{name}}} is not set in the environment")
            return os.environ[name]
        return _ENV.sub(env, value)
    if isinstance(value, list):
        return [_substitute(v, where) for v in value]
    return value


def config_defaults(path: Path, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The options a TOML file sets, by argparse destination; UsageError on an unreadable file or unknown key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config {path}: {exc}") from exc
    by_flag = {opt.lstrip("-"): action for action in parser._actions for opt in action.option_strings
               if opt.startswith("--")}
    values = {}
    for key, value in raw.items():
        action = by_flag.get(key.replace("_", "-"))
        if action is None or action.dest in ("config", "help"):
            raise UsageError(f"--config {path}: unknown option {key!r}")
        value = _substitute(value, f"--config {path}: {key}")
        if action.type is Path and value is not None:
            value = Path(value) if not isinstance(value, list) else [Path(v) for v in value]
        values[action.dest] = value
    return values


def from_args(args: argparse.Namespace, defaults: dict[str, Any] | None = None) -> Options:
    options = Options(**{**(defaults or {}),
                         **{name: getattr(args, name) for name in Options.__dataclass_fields__ if hasattr(args, name)}})
    if options.against_mock:
        if options.base_url:
            raise UsageError("--against-mock starts its own mock; drop --base-url")
        if options.target == STAGING:
            raise UsageError("--against-mock tests the mock: drop --target staging")
        options.target = MOCK
    elif not options.base_url:
        raise UsageError("--base-url is required (or --against-mock)")
    else:
        options.target = options.target or STAGING
    if not options.against_mock and not options.token:
        raise UsageError("--token is required (or set RANKION_TOKEN)")
    if options.inject_defects and not options.against_mock:
        raise UsageError("--inject-defect only works with --against-mock")
    if options.base_url and not options.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must be an http(s) URL, got {options.base_url!r}")
    if not options.spec.is_file():
        raise UsageError(f"--spec {options.spec}: no such file")
    if options.max_examples < 1 or options.workers < 1:
        raise UsageError("--max-examples and --workers must be at least 1")
    for name in ("job_timeout", "request_timeout", "max_response_time"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    if options.max_failures is not None and options.max_failures < 1:
        raise UsageError("--max-failures must be at least 1")
    if options.max_credits is not None and (options.max_credits < 0 or not (options.allow_spend or options.on_mock)):
        raise UsageError("--max-credits needs --allow-spend and a number >= 0")
    if options.allow_spend and options.max_credits is None and not options.on_mock:
        options.max_credits = DEFAULT_MAX_CREDITS
    if options.read_only and (options.allow_writes or options.allow_spend):
        raise UsageError("--read-only contradicts --allow-writes / --allow-spend")
    if options.ca_bundle is not None and not options.ca_bundle.is_file():
        raise UsageError(f"--ca-bundle {options.ca_bundle}: no such file")
    if options.baseline is not None and not options.baseline.is_file():
        raise UsageError(f"--baseline {options.baseline}: no such file")
    bad_headers = [h for h in options.headers if ":" not in h or not h.split(":", 1)[0].strip()]
    if bad_headers:
        raise UsageError(f"-H {bad_headers[0]!r}: expected 'Name: value'")
    try:
        options.transport()
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    for path in (options.junit_xml, options.report, options.json, options.ndjson):
        if path is not None and not path.resolve().parent.is_dir():
            raise UsageError(f"cannot write {path}: no such directory")
    return options
