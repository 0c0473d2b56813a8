"""Rule registries: each rule is a small named function registered by decorator.

The engine and the schema walker only iterate these lists, so adding a check
means writing one function in the module of its area; nothing else changes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalog import level_of
from .model import Change, Policy

if TYPE_CHECKING:
    from .schema import Node
    from .spec import Operation, Spec


@dataclass(frozen=True)
class SpecPair:
    old: Spec
    new: Spec
    policy: Policy


@dataclass(frozen=True)
class OperationPair:
    old: Operation
    new: Operation
    old_spec: Spec
    new_spec: Spec
    policy: Policy

    @property
    def label(self) -> str:
        return self.new.label


@dataclass(frozen=True)
class SchemaContext:
    """Where a schema sits: which side of the wire, and how to name what changed."""

    operation: str
    request: bool  # the client sends it (narrowing breaks) vs receives it (widening breaks)
    root_prefix: str  # rule-id prefix for the schema itself, e.g. "response-body"
    nested_prefix: str  # for anything below it, e.g. "response-property"
    location: str  # "response 200 application/json", "query parameter limit"
    path: str = ""  # "/data/items/status"

    @property
    def prefix(self) -> str:
        return self.nested_prefix if self.path else self.root_prefix

    @property
    def where(self) -> str:
        return f"{self.location} {self.path}" if self.path else self.location

    def child(self, segment: str) -> SchemaContext:
        return SchemaContext(
            self.operation, self.request, self.root_prefix, self.nested_prefix,
            self.location, f"{self.path}/{segment}",
        )

    def emit(self, aspect: str, what: str) -> Change:
        return change(f"{self.prefix}-{aspect}", self.operation, what, self.where)


SpecRule = Callable[[SpecPair], Iterable[Change]]
OperationRule = Callable[[OperationPair], Iterable[Change]]
SchemaRule = Callable[["Node", "Node", SchemaContext], Iterable[Change]]

SPEC_RULES: list[SpecRule] = []
OPERATION_RULES: list[OperationRule] = []
SCHEMA_RULES: list[SchemaRule] = []
# Rules about keywords that only make sense for one type (maxLength, properties):
# once the type itself changed they would only restate it.
TYPE_BOUND_SCHEMA_RULES: set[SchemaRule] = set()


def spec_rule(fn: SpecRule) -> SpecRule:
    SPEC_RULES.append(fn)
    return fn


def operation_rule(fn: OperationRule) -> OperationRule:
    OPERATION_RULES.append(fn)
    return fn


def schema_rule(type_bound: bool = False) -> Callable[[SchemaRule], SchemaRule]:
    def register(fn: SchemaRule) -> SchemaRule:
        SCHEMA_RULES.append(fn)
        if type_bound:
            TYPE_BOUND_SCHEMA_RULES.add(fn)
        return fn

    return register


def change(rule_id: str, operation: str, what: str, where: str = "") -> Change:
    message = f"{where}: {what}" if where else what
    return Change(rule_id, level_of(rule_id), operation, message, where)
