"""One conformance run: load the contract, reach the target (or start the mock) and prove it serves this
contract, run schemathesis' phases, then the suite's own checks, clean up what the run created, and hand every
event to the reports. Exit status: 0 every check passed, 1 findings (or checks that could not run), 2 usage or
connection problems (the target is not there, or does not serve this contract)."""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TextIO

import yaml

from contract import Contract, DeclarationError, Generator, QueryTypes

from . import driver, stbridge
from .baseline import Baseline, BaselineError
from .checks import MaxFailures, load_all, run_all
from .checks.context import Context
from .checks.names import ERROR_VOCABULARY, MAX_RESPONSE_TIME, SCHEMATHESIS_CHECKS, TRANSPORT
from .discovery import Known
from .events import Bus, Note, RunFinished, RunInfo, RunStarted
from .findings import Finding, Results
from .gates import Gates
from .mockproc import MockFailed, MockProcess, mock_tokens
from .observe import Observer
from .options import Options
from .receiver import Receiver
from .reports import handlers_for
from .target import ConnectionFailed, Target, TargetDown, TokenRefused, TransportFailed

EXIT_USAGE = 2


class PreflightFailed(Exception):
    """The base URL answers, but not as this contract's API: a usage problem (exit 2)."""


def _flags(options: Options, tokens: dict[str, str | None], gates: Gates) -> list[str]:
    flags = [f"target {gates.target}", f"phases {' '.join(options.phases)}", f"max-examples {options.max_examples}",
             f"workers {options.workers}", f"seed {options.seed}"]
    flags += [name for name, on in (("against-mock", options.against_mock), ("read-only", options.read_only),
                                    ("allow-writes", gates.allow_writes), ("allow-spend", gates.allow_spend),
                                    ("other-team token", bool(tokens.get("other"))),
                                    ("low-credit token", bool(tokens.get("low")))) if on]
    flags += [f"rate-limit {options.rate_limit}"] if options.rate_limit else []
    return flags + [f"defect {name}" for name in options.inject_defects]


def _spent(before: int | None, after: int | None) -> int | None:
    return before - after if before is not None and after is not None else None


def select(catalog: Contract, options: Options) -> list[str]:
    """The operations the run covers; ValueError names an unknown operation, tag or check."""
    chosen = catalog.select(options.include_operations, options.include_tags, options.read_only)
    unknown = [oid for oid in options.exclude_operations if oid not in catalog.ops]
    if unknown:
        raise ValueError(f"--exclude-operation: unknown operation id(s): {', '.join(unknown)}")
    excluded_by_tag = set(catalog.select([], options.exclude_tags, False)) if options.exclude_tags else set()
    known_checks = {*load_all().names(), *SCHEMATHESIS_CHECKS, ERROR_VOCABULARY, MAX_RESPONSE_TIME}
    unknown = [c for c in options.exclude_checks if c not in known_checks]
    if unknown:
        raise ValueError(f"--exclude-check: unknown check(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(known_checks))}")
    return [oid for oid in chosen if oid not in options.exclude_operations and oid not in excluded_by_tag]


def preflight(catalog: Contract, target: Target, known: Known) -> None:
    """Prove the base URL serves this contract before anything else is sent: a plain authenticated read answers
    2xx with the kind of body the contract documents (a wrong base path answers 404, another service HTML).
    Anything finer is a finding, not a reason to stop. Raise PreflightFailed with what the target answered."""
    probe = catalog.plain_read()
    if probe is None:
        return
    try:
        answer = known.send(probe, {})
    except TransportFailed as exc:
        raise ConnectionFailed(f"cannot reach {target.base_url}: {exc.reason}") from exc
    if answer.status == 401:
        return  # the token check names the flag
    documented = catalog.documented(probe, answer.status) or {}
    wants_json = any("json" in media for media in documented.get("content") or {})
    if answer.ok and (answer.json() is not None or not wants_json):
        return
    raise PreflightFailed(f"{target.base_url} does not serve this contract: {catalog.label(probe)} answered "
                          f"{answer.status} ({answer.header('content-type') or 'no content type'}): "
                          f"{answer.body_excerpt()[:200]!r}")


@dataclass
class Run:
    options: Options
    catalog: Contract
    selected: list[str]
    results: Results
    info: RunInfo
    target: Target | None = None
    last_request: str | None = None  # set when schemathesis' phases stopped the run

    def execute(self, stack: ExitStack) -> None:
        options, catalog, results, info = self.options, self.catalog, self.results, self.info
        tokens = {"team": options.token, "other": options.other_team_token, "low": options.low_credit_token}
        base_url = options.base_url or ""
        if options.against_mock:
            mock = stack.enter_context(MockProcess(options.spec, catalog.doc.base_path, options.inject_defects))
            base_url = mock.base_url
            given = mock_tokens(options.spec)
            defaults = given.roles() if options.own_checks else {**given.roles(), "team": given.admin or given.team}
            tokens = {role: tokens[role] or token for role, token in defaults.items()}
        gates = Gates.for_target(options.target or "staging", options.allow_writes, options.allow_spend,
                                 options.max_credits, options.read_only)
        transport = options.transport()
        target = self.target = stack.enter_context(Target(base_url, tokens, transport, mock=gates.on_mock))
        info.base_url, info.target, info.flags = target.base_url, gates.target, _flags(options, tokens, gates)
        target.reachable()
        receiver = stack.enter_context(Receiver())
        known = Known(catalog, target, Generator(options.seed), gates, QueryTypes(catalog.doc), receiver.url)
        run_context = stbridge.RunContext(catalog, target.patience, receiver.url, self._served(known),
                                           pace=target.pace)
        schema = stbridge.load(run_context, driver.config(target.base_url, tokens["team"], options, transport))
        stack.callback(stbridge.unload, schema)
        response_checks = stbridge.ResponseChecks(schema, catalog)
        preflight(catalog, target, known)
        known.check_tokens()
        results.bus.emit(RunStarted(info, self.selected))
        phase = {"name": "schemathesis"}
        target.observers.append(Observer(catalog, results, response_checks, self.selected, target.base_url,
                                         lambda: phase["name"], options.max_response_time))

        fuzzed = []
        for oid in self.selected:
            reason = gates.fuzzable(catalog, oid)
            if reason:
                results.skipped(oid, "schemathesis", reason)
            else:
                fuzzed.append(oid)
        before = known.balance()
        if fuzzed:
            outcome = driver.run(schema, catalog, fuzzed, results)
            info.fuzz_requests = outcome.requests
            if outcome.stopped:
                info.partial, self.last_request = outcome.stopped, run_context.last_request
                return
            self.still_there(target)
        after_fuzz = known.balance()
        if target.mock is not None and before is not None and tokens["team"]:
            target.mock.set_balance(tokens["team"], before)  # the mock's credits are free: refill what fuzzing spent
        if not options.own_checks:
            return
        own_start, own_requests = known.balance(), target.requests
        registry = load_all()
        for name in options.exclude_checks:
            if name in registry.names():
                registry.unregister(name)
        context = Context(catalog, target, known, results, self.selected, gates, options.job_timeout,
                          QueryTypes(catalog.doc))
        try:
            run_all(context, registry, options.workers, options.max_failures,
                    on_phase=lambda name: phase.update(name=name))
        finally:
            info.own_requests = target.requests - own_requests
            credits = {"schemathesis": _spent(before, after_fuzz), "own checks": _spent(own_start, known.balance())}
            info.credits_spent = {k: v for k, v in credits.items() if v is not None}
            info.budget = gates.budget_note if gates.max_credits is not None else ""
            if receiver.deliveries:
                results.bus.emit(Note(f"webhook receiver got {len(receiver.deliveries)} deliveries"))
        self.still_there(target)
        self.clean_up(known)

    def still_there(self, target: Target) -> None:
        """A target may have died after its last answer: if it no longer accepts a connection, the run is
        partial."""
        if not target.alive():
            raise TargetDown(f"the target stopped accepting connections; the last request it answered: "
                             f"{target.last_answered or 'none'}", "*", "")

    def _served(self, known: Known) -> stbridge.Served:
        def served(oid: str, body: object, path: dict[str, object]) -> None:
            binding = self.catalog.decls[oid].binding if oid in self.catalog.decls else None
            if binding is not None and binding.action == "create":
                known.note_created(oid, body, dict(path), "team")
        return served

    def clean_up(self, known: Known) -> None:
        """Delete what the run created: off a throw-away mock, and without judging the deletes as checks."""
        self.info.created = len(known.created)
        if self.options.against_mock or self.target is None:
            return
        self.target.observers.clear()
        self.info.remaining = known.clean_up()


def run(options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    started = time.monotonic()
    try:
        catalog = Contract.load(options.spec)
        selected = select(catalog, options)
        baseline = Baseline.load(options.baseline) if options.baseline else None
    except (DeclarationError, ValueError, OSError, yaml.YAMLError) as exc:
        print(f"conformance: {exc}", file=err)
        return EXIT_USAGE
    if not selected:
        print("conformance: the selection names no operation", file=err)
        return EXIT_USAGE
    bus = Bus(handlers_for(options, catalog, out, err))
    results = Results(selected, bus, baseline, excluded=set(options.exclude_checks))
    info = RunInfo(options.base_url or "", str(options.spec), options.target or "", [])
    current = Run(options, catalog, selected, results, info)
    try:
        with ExitStack() as stack:
            try:
                current.execute(stack)
            except (TargetDown, MaxFailures) as exc:
                info.partial = str(exc)
                if isinstance(exc, TargetDown) and exc.operation in selected:
                    results.failed(Finding(exc.operation, TRANSPORT, f"the target stopped answering: {exc}",
                                           exc.curl))
    except (ConnectionFailed, TokenRefused, MockFailed, driver.EngineFailed, PreflightFailed, BaselineError) as exc:
        print(f"conformance: {exc}", file=err)
        return EXIT_USAGE
    info.seconds = time.monotonic() - started
    if current.target is not None:
        info.last_request = current.last_request or current.target.last_request
    if baseline is not None:
        info.stale_baseline = baseline.stale()
    bus.emit(RunFinished(info, results))
    for failure in bus.failures:
        print(f"conformance: a report could not be written: {failure}", file=err)
    return 1 if info.partial else results.exit_code
