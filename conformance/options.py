"""The options of `python -m conformance run`, parsed and checked: a bad combination is a usage error (exit 2)
with a message that names the flag, never a traceback."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from contract import spec_path

DEFAULT_SPEC = spec_path()
PHASES = ("examples", "coverage", "fuzzing", "stateful")


class UsageError(Exception):
    pass


@dataclass
class Options:
    spec: Path = DEFAULT_SPEC
    base_url: str | None = None
    token: str | None = None
    other_team_token: str | None = None
    low_credit_token: str | None = None
    junit_xml: Path | None = None
    report: Path | None = None
    read_only: bool = False
    allow_spend: bool = False
    max_examples: int = 3
    workers: int = 4
    seed: int = 0
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    include_operations: list[str] = field(default_factory=list)
    include_tags: list[str] = field(default_factory=list)
    job_timeout: float = 60.0
    against_mock: bool = False
    inject_defects: list[str] = field(default_factory=list)
    quiet: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument("--base-url", help="the API under test, base path included (https://staging.example/api/v1)")
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
                             "(implies --allow-spend: the mock's credits are free)")
    target.add_argument("--inject-defect", action="append", default=[], metavar="NAME", dest="inject_defects",
                        help="with --against-mock: break the mock on purpose (python -m mockserver defects)")
    scope = parser.add_argument_group("scope")
    scope.add_argument("--include-operation", nargs="+", action="extend", default=[], metavar="ID",
                       dest="include_operations", help="only these operationIds")
    scope.add_argument("--include-tag", nargs="+", action="extend", default=[], metavar="TAG",
                       dest="include_tags", help="only operations with these tags")
    scope.add_argument("--read-only", action="store_true", help="only GET/HEAD: for production-like targets")
    scope.add_argument("--allow-spend", action="store_true",
                       help="spend credits and rate-limit quota: credited operations are fuzzed and called, "
                            "credit_cost/credit_refusal and throttle_limit run")
    tuning = parser.add_argument_group("tuning")
    tuning.add_argument("--max-examples", type=int, default=3, help="fuzzed examples per operation (default 3)")
    tuning.add_argument("--workers", type=int, default=4, help="concurrent schemathesis workers (default 4)")
    tuning.add_argument("--seed", type=int, default=0, help="generation seed: the same seed sends the same data")
    tuning.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES), metavar="PHASE",
                        help=f"schemathesis phases to run (default: all of {', '.join(PHASES)})")
    tuning.add_argument("--job-timeout", type=float, default=60.0,
                        help="seconds a dispatched job may take to finish (default 60)")
    output = parser.add_argument_group("reports")
    output.add_argument("--junit-xml", type=Path, help="JUnit XML: one testcase per operation and check")
    output.add_argument("--report", type=Path, help="markdown summary with a curl line per finding")
    output.add_argument("--quiet", action="store_true", help="no live progress on stderr")


def from_args(args: argparse.Namespace) -> Options:
    options = Options(**{name: getattr(args, name) for name in Options.__dataclass_fields__})
    if options.against_mock and options.base_url:
        raise UsageError("--against-mock starts its own mock; drop --base-url")
    if not options.against_mock and not options.base_url:
        raise UsageError("--base-url is required (or --against-mock)")
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
    if options.job_timeout <= 0:
        raise UsageError("--job-timeout must be positive")
    for path in (options.junit_xml, options.report):
        if path is not None and not path.resolve().parent.is_dir():
            raise UsageError(f"cannot write {path}: no such directory")
    if options.inject_defects:
        from mockserver.defects import DEFECTS

        unknown = [d for d in options.inject_defects if d not in DEFECTS]
        if unknown:
            raise UsageError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    return options
