"""Security requirements. A `security` list is a set of alternatives (any one
suffices), each a set of schemes (all required). Adding a scope narrows who may
call; adding an alternative widens it. Removing an alternative only locks its
callers out when nothing left lets them in: dropping security altogether, or
an alternative whose callers also satisfy a remaining one, is harmless (oasdiff's
INFO `*-security-removed`); otherwise it is our `*-security-alternative-removed`."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Change
from ..registry import OperationPair, SpecPair, change, operation_rule, spec_rule

Alternatives = dict[frozenset[str], dict[str, frozenset[str]]]


def alternatives(security: Any) -> Alternatives:
    if not isinstance(security, list) or not security:
        return {frozenset(): {}}  # no requirement: anonymous calls are the one alternative
    out: Alternatives = {}
    for requirement in security:
        if not isinstance(requirement, dict):
            continue
        scopes = {
            str(name): frozenset(map(str, value)) if isinstance(value, list) else frozenset()
            for name, value in requirement.items()
        }
        out[frozenset(scopes)] = scopes
    return out or {frozenset(): {}}


def _name(key: frozenset[str]) -> str:
    return " + ".join(sorted(key)) if key else "anonymous access"


def compare(before: Any, after: Any, operation: str, prefix: str) -> Iterator[Change]:
    old, new = alternatives(before), alternatives(after)
    for key in old:
        if key not in new:
            rule = f"{prefix}-removed" if _still_served(old[key], new) else f"{prefix}-alternative-removed"
            yield change(rule, operation, f"security alternative {_name(key)} removed")
    for key in new:
        if key not in old:
            yield change(f"{prefix}-added", operation, f"security alternative {_name(key)} added")
    for key in old.keys() & new.keys():
        for scheme in sorted(key):
            for scope in sorted(new[key][scheme] - old[key][scheme]):
                yield change(f"{prefix}-scope-added", operation, f"scope {scope} now required for {scheme}")
            for scope in sorted(old[key][scheme] - new[key][scheme]):
                yield change(f"{prefix}-scope-removed", operation, f"scope {scope} no longer required for {scheme}")


def _still_served(gone: dict[str, frozenset[str]], remaining: Alternatives) -> bool:
    """A caller who satisfied `gone` satisfies some remaining alternative too."""
    return any(
        all(scheme in gone and scopes <= gone[scheme] for scheme, scopes in alternative.items())
        for alternative in remaining.values()
    )


@spec_rule
def global_security_changed(pair: SpecPair) -> Iterator[Change]:
    # Reported once here rather than on every inheriting operation.
    yield from compare(pair.old.security, pair.new.security, "security", "api-global-security")


@operation_rule
def operation_security_changed(pair: OperationPair) -> Iterator[Change]:
    own_old, own_new = "security" in pair.old.raw, "security" in pair.new.raw
    if not (own_old or own_new):
        return
    before = pair.old.raw["security"] if own_old else pair.old_spec.security
    after = pair.new.raw["security"] if own_new else pair.new_spec.security
    yield from compare(before, after, pair.label, "api-security")
