"""Composes an engine from its stages the way Prism's core factory composes injected components: the default
pipeline (steps.py) and action registry (actions.py), with whatever a caller passes by name taking the place of
the default of that name."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from contract import Contract

from .actions import ACTIONS
from .engine import Action, Engine, Step
from .jobs import Completion
from .state import MockState
from .steps import STEPS


def build_engine(contract: Contract, state: MockState, *, steps: Mapping[str, Step] | None = None,
                 actions: Mapping[str, Action] | None = None, on_job_end: Sequence[Completion] = ()) -> Engine:
    unknown = sorted(set(steps or {}) - set(STEPS))
    if unknown:  # a new step would have no place in the order; the pipeline's steps are fixed
        raise ValueError(f"unknown step(s) {', '.join(unknown)}; the pipeline has {', '.join(STEPS)}")
    return Engine(contract, state, {**STEPS, **(steps or {})}, {**ACTIONS, **(actions or {})}, on_job_end)
