"""Run every registered rule over two specs."""
from __future__ import annotations

from typing import Any

from . import rules  # noqa: F401  (importing registers the rules)
from .load import load_spec, resolve_refs
from .model import Change, Policy
from .registry import OPERATION_RULES, SPEC_RULES, OperationPair, SpecPair
from .spec import Spec


def diff_specs(old: Spec, new: Spec, policy: Policy | None = None) -> list[Change]:
    policy = policy or Policy()
    found: list[Change] = []
    for spec_rule in SPEC_RULES:
        found.extend(spec_rule(SpecPair(old, new, policy)))
    for key, after in new.operations.items():
        before = old.operations.get(key)
        if before is None:
            continue
        pair = OperationPair(before, after, old, new, policy)
        for operation_rule in OPERATION_RULES:
            found.extend(operation_rule(pair))
    # A shared component can surface the same change twice through two routes.
    return sorted(set(found), key=Change.sort_key)


def diff_documents(old: dict[str, Any], new: dict[str, Any], policy: Policy | None = None) -> list[Change]:
    """Diff two already-parsed documents (tests, embedding)."""
    return diff_specs(Spec(resolve_refs(old)), Spec(resolve_refs(new)), policy)


def diff_sources(
    old: str, new: str, cwd: str | None = None, policy: Policy | None = None
) -> tuple[list[Change], list[str]]:
    """Diff two files, `REV:PATH` revisions or URLs; returns changes and loader warnings."""
    before, after = Spec(load_spec(old, cwd)), Spec(load_spec(new, cwd))
    warnings = [f"{old}: {w}" for w in before.warnings] + [f"{new}: {w}" for w in after.warnings]
    return diff_specs(before, after, policy), warnings
