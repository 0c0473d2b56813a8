"""Endpoints appearing, disappearing and changing their lifecycle markers."""
from __future__ import annotations

from collections.abc import Iterator

from ..model import Change
from ..registry import OperationPair, change, operation_rule, spec_rule
from ..spec import Spec


@spec_rule
def endpoints_removed(old: Spec, new: Spec) -> Iterator[Change]:
    for key, op in old.operations.items():
        if key in new.operations:
            continue
        whole_path = key[0] not in new.paths
        scope = "api-path-removed" if whole_path else "api-removed"
        # A deprecation notice is the contract's way of announcing a removal, so it
        # turns the breaking removal into an expected one.
        if op.deprecated:
            yield change(f"{scope}-with-deprecation", op.label, "endpoint removed after deprecation")
        else:
            yield change(f"{scope}-without-deprecation", op.label, "endpoint removed without deprecation")


@spec_rule
def endpoints_added(old: Spec, new: Spec) -> Iterator[Change]:
    for key, op in new.operations.items():
        if key not in old.operations:
            yield change("endpoint-added", op.label, "endpoint added")


@operation_rule
def deprecation_changed(pair: OperationPair) -> Iterator[Change]:
    if pair.old.deprecated == pair.new.deprecated:
        return
    if pair.new.deprecated:
        yield change("endpoint-deprecated", pair.label, "endpoint deprecated")
    else:
        yield change("endpoint-reactivated", pair.label, "endpoint no longer deprecated")


@operation_rule
def operation_id_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = pair.old.raw.get("operationId"), pair.new.raw.get("operationId")
    if before and before != after:
        # Generated clients name methods after it, and x-mock-job.poll refers to it.
        what = f"operationId {before} replaced by {after}" if after else f"operationId {before} removed"
        yield change("api-operation-id-removed", pair.label, what)
