"""Schema rules: one aspect each; the walker in walk.py applies them at every node."""
from __future__ import annotations

from collections.abc import Iterator

from ..catalog import BOUNDS
from ..model import Change
from ..registry import SchemaContext, change, schema_rule
from ..schema import Node
from ..walk import covers, describe, hidden, pair_branches


def _type_text(node: Node) -> str:
    text = "/".join(sorted(node.types or ())) or "any"
    return f"{text} ({node.format})" if node.format else text


@schema_rule()
def type_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.types is None or new.types is None:
        return  # an untyped side (a bare oneOf, say) is compared by its branches
    if old.types != new.types:
        wider, narrower = covers(new.types, old.types), covers(old.types, new.types)
        aspect = "type-generalized" if wider else "type-specialized" if narrower else "type-changed"
    elif old.format != new.format:
        aspect = (
            "type-specialized" if old.format is None
            else "type-generalized" if new.format is None
            else "type-changed"
        )
    else:
        return
    yield ctx.emit(aspect, f"type changed from {_type_text(old)} to {_type_text(new)}")


@schema_rule()
def nullable_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.nullable != new.nullable:
        aspect = "became-nullable" if new.nullable else "became-not-nullable"
        yield ctx.emit(aspect, "null is now allowed" if new.nullable else "null is no longer allowed")


@schema_rule(type_bound=True)
def enum_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.enum is None and new.enum is None:
        return
    if old.enum is None:
        yield ctx.emit("became-enum", f"restricted to the values {', '.join(new.enum)}")
        return
    if new.enum is None:
        yield ctx.emit("no-longer-enum", "no longer restricted to a list of values")
        return
    for value in old.enum:
        if value not in new.enum:
            yield ctx.emit("enum-value-removed", f"removed the enum value {value}")
    for value in new.enum:
        if value not in old.enum:
            yield ctx.emit("enum-value-added", f"added the enum value {value}")


@schema_rule(type_bound=True)
def bounds_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    for keyword, (slug, _) in BOUNDS.items():
        before, after = old.bounds.get(keyword), new.bounds.get(keyword)
        if before == after:
            continue
        if before is None:
            yield ctx.emit(f"{slug}-set", f"{keyword} set to {after}")
        elif after is None:
            yield ctx.emit(f"{slug}-unset", f"{keyword} {before} removed")
        else:
            verb = "decreased" if after < before else "increased"
            yield ctx.emit(f"{slug}-{verb}", f"{keyword} {verb} from {before} to {after}")


@schema_rule(type_bound=True)
def pattern_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.pattern == new.pattern:
        return
    if old.pattern is None:
        yield ctx.emit("pattern-added", f"pattern {new.pattern} added")
    elif new.pattern is None:
        yield ctx.emit("pattern-removed", f"pattern {old.pattern} removed")
    else:
        # Whether one regex accepts a superset of another is undecidable in practice.
        yield ctx.emit("pattern-changed", f"pattern changed from {old.pattern} to {new.pattern}")


@schema_rule(type_bound=True)
def branches_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    for attr, keyword, slug in (("one_of", "oneOf", "one-of"), ("any_of", "anyOf", "any-of")):
        before, after = getattr(old, attr), getattr(new, attr)
        _, removed, added = pair_branches(before, after)
        for i in removed:
            yield ctx.emit(f"{slug}-removed", f"removed {keyword} branch {i} ({describe(before[i])})")
        for j in added:
            yield ctx.emit(f"{slug}-added", f"added {keyword} branch {j} ({describe(after[j])})")


@schema_rule(type_bound=True)
def additional_properties_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if (old.additional is False) == (new.additional is False):
        return
    if new.additional is False:
        yield ctx.emit("additional-properties-disallowed", "additionalProperties: false added; unknown properties are refused")
    else:
        yield ctx.emit("additional-properties-allowed", "additionalProperties: false removed")


def _visible(node: Node, ctx: SchemaContext) -> dict[str, Node]:
    return {name: sub for name, sub in node.props.items() if not hidden(sub, ctx)}


@schema_rule(type_bound=True)
def properties_added(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    before = _visible(old, ctx)
    for name in _visible(new, ctx):
        if name in before:
            continue
        required = name in new.required
        if ctx.request:
            rule = "new-required-request-property" if required else "new-optional-request-property"
        else:
            rule = "response-required-property-added" if required else "response-optional-property-added"
        kind = "required" if required else "optional"
        yield change(rule, ctx.operation, f"added the {kind} property {name}", ctx.child(name).where)


@schema_rule(type_bound=True)
def properties_removed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    after = _visible(new, ctx)
    for name in _visible(old, ctx):
        if name in after:
            continue
        required = name in old.required
        if ctx.request:
            rule = "request-property-removed"
        else:
            rule = "response-required-property-removed" if required else "response-optional-property-removed"
        kind = "required" if required else "optional"
        yield change(rule, ctx.operation, f"removed the {kind} property {name}", ctx.child(name).where)


@schema_rule(type_bound=True)
def property_requiredness_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    after = _visible(new, ctx)
    for name in _visible(old, ctx):
        if name not in after:
            continue
        was, now = name in old.required, name in new.required
        if was == now:
            continue
        side = "request" if ctx.request else "response"
        rule = f"{side}-property-became-{'required' if now else 'optional'}"
        yield change(rule, ctx.operation, f"property {name} became {'required' if now else 'optional'}", ctx.child(name).where)
