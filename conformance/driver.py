"""The one schemathesis driver: its engine over the selected operations (examples, coverage, fuzzing, and the
stateful phase that follows the spec's links), driven through its Python API. Every check result becomes an
outcome in the run's `Results`, every failure a finding with schemathesis' curl reproduction. `run` uses it
for the contract's checks; `fuzz` for every schemathesis check with larger defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from schemathesis.core.errors import NoLinksFound
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.engine.run import PhaseName

from contract import Contract

from .checks.names import ERROR_VOCABULARY, IGNORED_AUTH, SCHEMATHESIS_CHECKS, TRANSPORT
from .events import PhaseFinished, PhaseStarted, Step
from .findings import Finding, Results
from .options import Options
from .target import PLACEHOLDERS, WRONG_TOKEN, Transport, excerpt

TESTING_PHASES = (PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING, PhaseName.STATEFUL_TESTING)
# `fuzz` runs every check schemathesis has but this one: valid input may still be refused by the state it meets
# (an unknown id, no credits, a precondition).
FUZZ_LEAVES_OUT = "positive_data_acceptance"


class EngineFailed(Exception):
    """Schemathesis could not run at all (an unusable schema or configuration)."""


@dataclass
class Outcome:
    requests: int = 0
    stopped: str | None = None  # why the engine stopped early (the server went away, --max-failures)


def config(base_url: str, token: str | None, options: Options, transport: Transport) -> dict[str, Any]:
    if options.all_checks:
        checks: dict[str, Any] = {FUZZ_LEAVES_OUT: {"enabled": False}}
    else:
        checks = {"enabled": False, **{name: {"enabled": True} for name in (*SCHEMATHESIS_CHECKS, ERROR_VOCABULARY)}}
    if options.max_response_time is not None:
        checks["max_response_time"] = options.max_response_time
    for name in options.exclude_checks:
        checks[name] = {"enabled": False}
    phases = options.phases
    settings: dict[str, Any] = {
        "base-url": base_url,
        "headers": {**transport.headers, **({"Authorization": f"Bearer {token}"} if token else {})},
        "workers": options.workers,
        "seed": options.seed,
        "request-timeout": transport.request_timeout,
        "tls-verify": transport.verify,
        "cache": {"enabled": False},
        "suppress-health-check": ["all"],
        "generation": {"mode": "all", "max-examples": options.max_examples, "database": "none"},
        "checks": checks,
        # Requests with methods the spec does not document test `unsupported_method`, a check `run` leaves out;
        # dropping them saves a sixth of the coverage phase.
        "phases": {**{name: {"enabled": name in phases} for name in ("examples", "fuzzing", "stateful")},
                   "coverage": {"enabled": "coverage" in phases, "generate-duplicate-query-parameters": False,
                                **({} if options.all_checks else {"unexpected-methods": []})}},
    }
    if transport.proxy:
        settings["proxy"] = transport.proxy
    if options.max_failures is not None:
        settings["max-failures"] = options.max_failures
    return settings


def _curl(sample: str, check: str) -> str:
    """Schemathesis' reproduction with the token as a placeholder; an auth finding's probe sent no token or a
    wrong one, so its command must not carry the valid one."""
    token = f'-H "Authorization: Bearer {PLACEHOLDERS["team"]}"'
    if check == IGNORED_AUTH:
        token = f"-H 'Authorization: Bearer {WRONG_TOKEN}'"
    return sample.replace("-H 'Authorization: [Filtered]'", token).replace("\x00", "\\x00")


def run(schema: Any, catalog: Contract, selected: list[str], results: Results) -> Outcome:
    """Run the engine over `selected`: the requests it sent, and why it stopped early if it did."""
    outcome = Outcome()
    if len(selected) < len(catalog.ops):
        schema = schema.include(operation_id=selected)
    by_label = catalog.by_label()
    emit = results.bus.emit
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.phase.name in TESTING_PHASES:
            emit(PhaseStarted(event.phase.name.value, len(selected)))
        elif isinstance(event, events.PhaseFinished) and event.phase.name in TESTING_PHASES:
            emit(PhaseFinished(event.phase.name.value))
        elif isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            _record(event, by_label, results)
            outcome.requests += len(event.recorder.interactions)
            emit(Step(getattr(event, "label", None) or ""))
        elif isinstance(event, events.NonFatalError) and not isinstance(event.value, NoLinksFound):
            # (a selection without both ends of a link has no stateful phase: nothing went wrong)
            oid = by_label.get(event.label, "*")
            if isinstance(event.value, (requests.ConnectionError, requests.Timeout)):
                results.failed(Finding(oid, TRANSPORT, f"no answer: {event.info.title}: {event.info.message}",
                                       phase=event.phase.value if event.phase else "schemathesis"))
            else:
                results.errored(oid, "schemathesis", f"{event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            raise EngineFailed(f"schemathesis stopped: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            if event.stop_reason == StopReason.SERVER_UNAVAILABLE:
                outcome.stopped = "the server stopped answering during the schemathesis phases"
            elif event.stop_reason == StopReason.FAILURE_LIMIT:
                outcome.stopped = "reached --max-failures in the schemathesis phases"
    return outcome


def _record(event: events.ScenarioFinished | events.FuzzScenarioFinished, by_label: dict[str, str],
            results: Results) -> None:
    recorder = event.recorder
    phase = event.phase.value if isinstance(event, events.ScenarioFinished) else "fuzz"
    for case_id, nodes in recorder.checks.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        oid = by_label.get(label or "")
        if oid is None:
            continue
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        for check in nodes:
            if check.status.value == "success":
                results.passed(oid, check.name)
            elif check.status.value == "failure" and check.failure_info is not None:
                failure = check.failure_info.failure
                # A custom check's title only says it failed; its message is the finding.
                custom = failure.title.startswith("Custom check failed")
                message = failure.message if custom else f"{failure.title}\n{failure.message}".strip()
                results.failed(Finding(oid, check.name, message, _curl(check.failure_info.code_sample, check.name),
                                       phase, response=_response(response)))
            elif check.status.value == "error":
                results.errored(oid, check.name, f"the check crashed in the {phase} phase")


def _response(response: Any) -> str | None:
    if response is None:
        return None
    return f"{response.status_code}\n{excerpt(response.content or b'')}"
