"""Parameters, matched by location and name (path parameters by position)."""
from __future__ import annotations

from collections.abc import Iterator

from ..model import Change
from ..registry import OperationPair, SchemaContext, change, operation_rule
from ..spec import Parameter
from ..walk import diff_schema


def _where(param: Parameter) -> str:
    return f"{param.location} parameter {param.name}"


def _moved(pair: OperationPair) -> set[str]:
    """Required parameters that left one location for another: one change, not two.

    An optional one that moves is reported as removed and added: clients that
    never sent it are unaffected. Path parameters are matched by position, so a
    renamed template variable never "moves".
    """
    gone = {p.name: p for k, p in pair.old.params.items() if k not in pair.new.params}
    came = {p.name: p for k, p in pair.new.params.items() if k not in pair.old.params}
    return {
        name for name in gone.keys() & came.keys()
        if came[name].required and not (gone[name].location == came[name].location == "path")
    }


@operation_rule
def parameters_moved(pair: OperationPair) -> Iterator[Change]:
    for name in sorted(_moved(pair)):
        before = next(p for k, p in pair.old.params.items() if p.name == name and k not in pair.new.params)
        after = next(p for k, p in pair.new.params.items() if p.name == name and k not in pair.old.params)
        yield change(
            "request-parameter-in-changed", pair.label,
            f"moved from {before.location} to {after.location}", f"parameter {name}",
        )


@operation_rule
def parameters_added(pair: OperationPair) -> Iterator[Change]:
    moved = _moved(pair)
    for key, param in pair.new.params.items():
        if key in pair.old.params or param.name in moved:
            continue
        rule = "new-required-request-parameter" if param.required else "new-optional-request-parameter"
        kind = "required" if param.required else "optional"
        yield change(rule, pair.label, f"added the {kind} parameter", _where(param))


@operation_rule
def parameters_removed(pair: OperationPair) -> Iterator[Change]:
    moved = _moved(pair)
    for key, param in pair.old.params.items():
        if key in pair.new.params or param.name in moved:
            continue
        # Clients still sending it may be refused by strict servers; deprecation warned them.
        rule = "request-parameter-removed-with-deprecation" if param.deprecated else "request-parameter-removed"
        yield change(rule, pair.label, "removed the parameter", _where(param))


@operation_rule
def parameter_requiredness_changed(pair: OperationPair) -> Iterator[Change]:
    for key, after in pair.new.params.items():
        before = pair.old.params.get(key)
        if before is None or before.required == after.required:
            continue
        state = "required" if after.required else "optional"
        yield change(f"request-parameter-became-{state}", pair.label, f"became {state}", _where(after))


@operation_rule
def parameter_deprecation_changed(pair: OperationPair) -> Iterator[Change]:
    for key, after in pair.new.params.items():
        before = pair.old.params.get(key)
        if before is None or before.deprecated == after.deprecated:
            continue
        if after.deprecated:
            yield change("request-parameter-deprecated", pair.label, "deprecated", _where(after))
        else:
            yield change("request-parameter-reactivated", pair.label, "no longer deprecated", _where(after))


@operation_rule
def parameter_schemas_changed(pair: OperationPair) -> Iterator[Change]:
    for key, after in pair.new.params.items():
        before = pair.old.params.get(key)
        if before is None:
            continue
        ctx = SchemaContext(
            pair.label, True, "request-parameter", "request-parameter", _where(after)
        )
        for found in diff_schema(pair.old_spec.node(before.schema), pair.new_spec.node(after.schema), ctx):
            # A required parameter is always sent, so its default never applies.
            if before.required and after.required and found.id in _DEFAULT_IDS and found.path == ctx.where:
                continue
            yield found


_DEFAULT_IDS = frozenset(f"request-parameter-default-value-{verb}" for verb in ("added", "removed", "changed"))
