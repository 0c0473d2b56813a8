"""One conformance run: load the contract, reach the target (or start the mock), run schemathesis' phases, then
the suite's own checks, and write the reports. Exit status: 0 every check passed, 1 findings (or checks that
could not run), 2 usage or connection problems."""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from typing import TextIO

import yaml

from contract import Contract, DeclarationError, Generator, QueryTypes

from . import checks, schemathesis_run, stbridge
from .discovery import Known
from .findings import Results
from .mockproc import MockFailed, MockProcess, mock_tokens
from .observe import Observer
from .options import Options
from .progress import Progress
from .report import RunInfo, verdict, write_junit, write_markdown
from .target import ConnectionFailed, Target, TokenRefused

EXIT_USAGE = 2
MOCK_BALANCE = 10_000  # the fixtures' balance, restored after fuzzing spent it


def _flags(options: Options, tokens: dict, allow_spend: bool) -> list[str]:
    flags = [f"phases {' '.join(options.phases)}", f"max-examples {options.max_examples}",
             f"workers {options.workers}", f"seed {options.seed}"]
    flags += [name for name, on in (("against-mock", options.against_mock), ("read-only", options.read_only),
                                    ("allow-spend", allow_spend), ("other-team token", bool(tokens.get("other"))),
                                    ("low-credit token", bool(tokens.get("low")))) if on]
    return flags + [f"defect {name}" for name in options.inject_defects]


def _spent(before: int | None, after: int | None) -> int | None:
    return before - after if before is not None and after is not None else None


def _execute(options: Options, catalog: Contract, selected: list[str], results: Results, progress: Progress,
             stack: ExitStack) -> RunInfo:
    tokens = {"team": options.token, "other": options.other_team_token, "low": options.low_credit_token}
    base_url = options.base_url
    if options.against_mock:
        mock = MockProcess(options.spec, catalog.doc.base_path, options.inject_defects)
        base_url = stack.enter_context(mock).base_url
        tokens = {role: tokens[role] or token for role, token in mock_tokens(options.spec).items()}
    target = stack.enter_context(Target(base_url, tokens))
    target.reachable()
    allow_spend = options.allow_spend or target.mock is not None  # the mock's credits cost nothing
    schema = stbridge.load(catalog, target.patience, schemathesis_run.config(target.base_url, tokens["team"], options))
    stack.callback(stbridge.unload, schema)
    target.observers.append(Observer(catalog, results, stbridge.ResponseChecks(schema, catalog), selected,
                                     target.base_url, phase=lambda: progress.name))
    known = Known(catalog, target, Generator(options.seed), not options.read_only, allow_spend)
    known.check_tokens()

    fuzzed = [oid for oid in selected if allow_spend or not catalog.spends(oid)]
    for oid in sorted(set(selected) - set(fuzzed)):
        results.skipped(oid, "schemathesis", "spends credits: needs --allow-spend")
    before = known.balance()
    fuzz_requests = schemathesis_run.run(schema, catalog, fuzzed, results, progress) if fuzzed else 0
    after_fuzz = known.balance()
    if target.mock is not None:
        target.mock.set_balance(tokens["team"], MOCK_BALANCE)
    own_start = known.balance()
    own_requests = target.requests
    checks.run_all(checks.Context(catalog, target, known, results, selected, progress, options.read_only,
                                  allow_spend, options.job_timeout, QueryTypes(catalog.doc)))
    credits = {"schemathesis": _spent(before, after_fuzz), "own checks": _spent(own_start, known.balance())}
    return RunInfo(target.base_url, str(options.spec), 0.0, fuzz_requests, target.requests - own_requests,
                   {k: v for k, v in credits.items() if v is not None}, _flags(options, tokens, allow_spend))


def run(options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    started = time.monotonic()
    try:
        catalog = Contract.load(options.spec)
        selected = catalog.select(options.include_operations, options.include_tags, options.read_only)
    except (DeclarationError, ValueError, OSError, yaml.YAMLError) as exc:
        print(f"conformance: {exc}", file=err)
        return EXIT_USAGE
    if not selected:
        print("conformance: the selection names no operation", file=err)
        return EXIT_USAGE
    results = Results(selected)
    progress = Progress(err, enabled=not options.quiet)
    progress.findings = lambda: len(results.findings)
    try:
        with ExitStack() as stack:
            info = _execute(options, catalog, selected, results, progress, stack)
    except (ConnectionFailed, TokenRefused, MockFailed, schemathesis_run.EngineFailed) as exc:
        print(f"conformance: {exc}", file=err)
        return EXIT_USAGE
    info.seconds = time.monotonic() - started
    if options.junit_xml:
        write_junit(results, catalog, info, options.junit_xml)
    if options.report:
        write_markdown(results, catalog, info, options.report)
    for finding in results.findings:
        print(f"FINDING {finding.operation} {finding.check}: {finding.title}", file=out)
    for op, check, message in results.errors:
        print(f"ERROR {op} {check}: {message}", file=out)
    print(verdict(results, info), file=out)
    return results.exit_code
