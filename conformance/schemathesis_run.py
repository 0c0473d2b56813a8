"""The schemathesis part of a run: its engine over the selected operations (examples, coverage, fuzzing, and
the stateful phase that follows the spec's links), driven through its Python API; every check result becomes
an outcome, every failure a finding with schemathesis' curl reproduction."""
from __future__ import annotations

from typing import Any

from schemathesis.core.errors import NoLinksFound
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.engine.run import PhaseName

from contract import Contract

from .findings import Finding, Results
from .options import Options
from .progress import Progress
from .stbridge import BUILTIN_CHECKS, error_vocabulary
from .target import PLACEHOLDERS, ConnectionFailed

TESTING_PHASES = (PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING, PhaseName.STATEFUL_TESTING)


class EngineFailed(Exception):
    """Schemathesis could not run at all (an unusable schema or configuration)."""


def config(base_url: str, token: str | None, options: Options) -> dict:
    checks = {name: {"enabled": True} for name in (*BUILTIN_CHECKS, error_vocabulary.__name__)}
    phases = options.phases
    return {
        "base-url": base_url,
        "headers": {"Authorization": f"Bearer {token}"} if token else {},
        "workers": options.workers,
        "seed": options.seed,
        "cache": {"enabled": False},
        "suppress-health-check": ["all"],
        "generation": {"max-examples": options.max_examples, "database": "none"},
        "checks": {"enabled": False, **checks},
        # Requests with methods the spec does not document test `unsupported_method`, a check this suite leaves
        # out; dropping them saves a sixth of the coverage phase.
        "phases": {**{name: {"enabled": name in phases} for name in ("examples", "fuzzing", "stateful")},
                   "coverage": {"enabled": "coverage" in phases, "unexpected-methods": [],
                                "generate-duplicate-query-parameters": False}},
    }


def _curl(sample: str) -> str:
    return sample.replace("-H 'Authorization: [Filtered]'", f'-H "Authorization: Bearer {PLACEHOLDERS["team"]}"')


def run(schema: Any, catalog: Contract, selected: list[str], results: Results, progress: Progress) -> int:
    """Run the engine over `selected`; the number of requests it sent."""
    requests = 0
    if len(selected) < len(catalog.ops):
        schema = schema.include(operation_id=selected)
    by_label = catalog.by_label()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.phase.name in TESTING_PHASES:
            progress.phase(event.phase.name.value, len(selected))
        elif isinstance(event, events.PhaseFinished) and event.phase.name in TESTING_PHASES:
            progress.done()
        elif isinstance(event, events.ScenarioFinished):
            _record(event, by_label, results)
            requests += len(event.recorder.interactions)
            progress.step(event.label or "")
        elif isinstance(event, events.NonFatalError) and not isinstance(event.value, NoLinksFound):
            # (a selection without both ends of a link has no stateful phase: nothing went wrong)
            oid = by_label.get(event.label, "*")
            results.errored(oid, "schemathesis", f"{event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            raise EngineFailed(f"schemathesis stopped: {event.exception}")
        elif isinstance(event, events.EngineFinished) and event.stop_reason == StopReason.SERVER_UNAVAILABLE:
            raise ConnectionFailed("the server stopped answering during the schemathesis phases")
    return requests


def _record(event: events.ScenarioFinished, by_label: dict[str, str], results: Results) -> None:
    recorder = event.recorder
    phase = event.phase.value
    for case_id, nodes in recorder.checks.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else event.label
        oid = by_label.get(label or "")
        if oid is None:
            continue
        for check in nodes:
            if check.status.value == "success":
                results.passed(oid, check.name)
            elif check.status.value == "failure" and check.failure_info is not None:
                failure = check.failure_info.failure
                # A custom check's title only says it failed; its message is the finding.
                custom = failure.title.startswith("Custom check failed")
                message = failure.message if custom else f"{failure.title}\n{failure.message}".strip()
                results.failed(Finding(oid, check.name, message, _curl(check.failure_info.code_sample), phase))
            elif check.status.value == "error":
                results.errored(oid, check.name, f"the check crashed in the {phase} phase")
