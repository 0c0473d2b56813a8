"""Schema rules: one aspect each; the walker in walk.py applies them at every node."""
from __future__ import annotations

from collections.abc import Iterator

from ..catalog import BOUNDS
from ..model import Change
from ..registry import SchemaContext, change, schema_rule
from ..schema import EMPTY, Node
from ..walk import covers, describe, hidden, pair_branches

# format -> the formats that accept every value it accepts (and more)
_WIDER_FORMATS: dict[str, frozenset[str]] = {
    "float": frozenset({"double"}),
    "int32": frozenset({"int64", "bigint"}),
    "int64": frozenset({"bigint"}),
    "email": frozenset({"idn-email"}),
    "hostname": frozenset({"idn-hostname"}),
    "uri": frozenset({"uri-reference", "iri", "iri-reference"}),
    "iri": frozenset({"iri-reference"}),
    "uri-reference": frozenset({"iri-reference"}),
}
_MATCH_ANYTHING = frozenset({".*", "^.*$", "^.*", ".*$"})


def _type_text(node: Node) -> str:
    if node.types is None:
        text = "any"
    else:
        text = "/".join(sorted(node.types)) or "nothing"
    return f"{text} ({node.format})" if node.format else text


def _type_aspect(old: Node, new: Node, request: bool) -> str | None:
    if old.types is None or new.types is None:
        # `{}` and `true` accept anything; a bare oneOf is compared by its branches instead.
        if old.types is not None and new.digest == EMPTY.digest:
            return "type-generalized"
        if new.types is not None and old.digest == EMPTY.digest:
            return "type-specialized"
        return None
    if old.types != new.types:
        wider, narrower = covers(new.types, old.types), covers(old.types, new.types)
        if (wider or narrower) and max(len(old.types), len(new.types)) > 1:
            return "list-of-types-widened" if wider else "list-of-types-narrowed"
        if wider:
            return "type-generalized"
        if narrower and not (request and old.types == {"number"} and new.types == {"integer"}):
            return "type-specialized"
        # A client sending 1.5 where only integers are now accepted is refused: that
        # is a change of type, not a refinement (oasdiff names it the same way).
        return "type-changed"
    if old.format == new.format:
        return None
    if new.format is None or new.format in _WIDER_FORMATS.get(old.format or "", ()):
        return "type-generalized"
    if old.format is None or old.format in _WIDER_FORMATS.get(new.format, ()):
        return "type-specialized"
    return "type-changed"


@schema_rule()
def type_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    aspect = _type_aspect(old, new, ctx.request)
    if aspect is not None:
        yield ctx.emit(aspect, f"type changed from {_type_text(old)} to {_type_text(new)}")


@schema_rule()
def nullable_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.nullable != new.nullable:
        aspect = "became-nullable" if new.nullable else "became-not-nullable"
        yield ctx.emit(aspect, "null is now allowed" if new.nullable else "null is no longer allowed")


@schema_rule(type_bound=True)
def enum_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    # `const: x` and `enum: [x]` mean the same; a single allowed value is reported as a const.
    before, after = old.enum, new.enum
    if before is None:
        if after is not None and len(after) == 1:
            yield ctx.emit("const-added", f"restricted to the single value {next(iter(after))}")
        elif after is not None:
            yield ctx.emit("became-enum", f"restricted to the values {', '.join(after)}")
        return
    if after is None:
        if len(before) == 1:
            yield ctx.emit("const-removed", f"no longer restricted to the single value {next(iter(before))}")
        else:
            yield ctx.emit("no-longer-enum", "no longer restricted to a list of values")
        return
    if len(before) == 1 and len(after) == 1:
        if before.keys() != after.keys():
            yield ctx.emit("const-changed", f"const changed from {next(iter(before))} to {next(iter(after))}")
        return
    for value in before:
        if value not in after:
            yield ctx.emit("enum-value-removed", f"removed the enum value {value}")
    for value in after:
        if value not in before:
            yield ctx.emit("enum-value-added", f"added the enum value {value}")


@schema_rule()
def default_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old.default == new.default:
        return
    if old.default is None:
        yield ctx.emit("default-value-added", f"default {new.default} added")
    elif new.default is None:
        yield ctx.emit("default-value-removed", f"default {old.default} removed")
    else:
        yield ctx.emit("default-value-changed", f"default changed from {old.default} to {new.default}")


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
    elif ctx.request and new.pattern in _MATCH_ANYTHING:
        yield ctx.emit("pattern-generalized", f"pattern {old.pattern} replaced by {new.pattern}")
    else:
        # Whether one regex accepts a superset of another is undecidable in general.
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
    if old.all_of and new.all_of:
        # Only reached when the merged shape changed: a pure re-split is invisible.
        _, removed, added = pair_branches(old.all_of, new.all_of)
        for i in removed:
            yield ctx.emit("all-of-removed", f"removed allOf branch {i} ({describe(old.all_of[i])})")
        for j in added:
            yield ctx.emit("all-of-added", f"added allOf branch {j} ({describe(new.all_of[j])})")


@schema_rule()
def discriminator_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    before, after = old.discriminator, new.discriminator
    if before == after:
        return
    if before is None or after is None:
        verb = "added" if before is None else "removed"
        yield ctx.emit(f"discriminator-{verb}", f"discriminator {verb}")
        return
    if before[0] != after[0]:
        yield ctx.emit(
            "discriminator-property-name-changed", f"discriminator property {before[0]} replaced by {after[0]}",
        )
    for value, target in after[1].items():
        if value not in before[1]:
            yield ctx.emit("discriminator-mapping-added", f"discriminator value {value} added")
        elif before[1][value] != target:
            yield ctx.emit("discriminator-mapping-changed", f"discriminator value {value} now maps to {target}")
    for value in before[1]:
        if value not in after[1]:
            yield ctx.emit("discriminator-mapping-deleted", f"discriminator value {value} removed")


def _presence(slug: str, keyword: str, before: object, after: object, ctx: SchemaContext) -> Iterator[Change]:
    if (before is None) != (after is None):
        verb = "added" if before is None else "removed"
        yield ctx.emit(f"{slug}-{verb}", f"{keyword} {verb}")


@schema_rule()
def conditional_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    for keyword in ("if", "then", "else"):
        yield from _presence(keyword, keyword, old.conditional.get(keyword), new.conditional.get(keyword), ctx)


@schema_rule(type_bound=True)
def array_keywords_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    yield from _presence("contains", "contains", old.contains, new.contains, ctx)
    if old.unique_items != new.unique_items:
        verb = "set" if new.unique_items else "unset"
        yield ctx.emit(f"unique-items-{verb}", f"uniqueItems {'added' if new.unique_items else 'removed'}")
    yield from _presence(
        "unevaluated-items", "unevaluatedItems", old.unevaluated.get("items"), new.unevaluated.get("items"), ctx
    )
    for i in range(len(new.prefix_items), len(old.prefix_items)):
        yield ctx.emit("prefix-items-removed", f"prefixItems position {i} removed")
    for i in range(len(old.prefix_items), len(new.prefix_items)):
        yield ctx.emit("prefix-items-added", f"prefixItems position {i} added ({describe(new.prefix_items[i])})")


@schema_rule(type_bound=True)
def object_keywords_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    yield from _presence("property-names", "propertyNames", old.property_names, new.property_names, ctx)
    yield from _presence(
        "unevaluated-properties", "unevaluatedProperties",
        old.unevaluated.get("properties"), new.unevaluated.get("properties"), ctx,
    )
    for name, needs in new.dependent_required.items():
        had = old.dependent_required.get(name)
        if had is None:
            yield ctx.emit("dependent-required-added", f"sending {name} now requires {', '.join(sorted(needs))}")
        elif had != needs:
            yield ctx.emit("dependent-required-changed", f"sending {name} now requires {', '.join(sorted(needs))}")
    for name in old.dependent_required:
        if name not in new.dependent_required:
            yield ctx.emit("dependent-required-removed", f"sending {name} no longer requires other properties")
    for pattern in new.pattern_props:
        if pattern not in old.pattern_props:
            yield ctx.emit("pattern-property-added", f"properties matching {pattern} are now constrained")
    for pattern in old.pattern_props:
        if pattern not in new.pattern_props:
            yield ctx.emit("pattern-property-removed", f"properties matching {pattern} are no longer constrained")
    for name in new.dependent_schemas:
        if name not in old.dependent_schemas:
            yield ctx.emit("dependent-schema-added", f"a schema now applies when {name} is present")
    for name in old.dependent_schemas:
        if name not in new.dependent_schemas:
            yield ctx.emit("dependent-schema-removed", f"the schema that applied when {name} is present was removed")


@schema_rule(type_bound=True)
def additional_properties_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if (old.additional is False) == (new.additional is False):
        return
    if new.additional is False:
        yield ctx.emit(
            "additional-properties-disallowed", "additionalProperties: false added; unknown properties are refused",
        )
    else:
        yield ctx.emit("additional-properties-allowed", "additionalProperties: false removed")


def _visible(node: Node, ctx: SchemaContext) -> dict[str, Node]:
    return {name: sub for name, sub in node.props.items() if not hidden(sub, ctx)}


@schema_rule(type_bound=True)
def properties_added(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    for name in _visible(new, ctx):
        if name in old.props:  # present before, maybe hidden: property_access_changed says what changed
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
    for name in _visible(old, ctx):
        if name in new.props:
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
        yield change(
            rule, ctx.operation, f"property {name} became {'required' if now else 'optional'}", ctx.child(name).where,
        )


@schema_rule(type_bound=True)
def property_access_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    side = "request" if ctx.request else "response"
    for name, after in new.props.items():
        before = old.props.get(name)
        if before is None:
            continue
        kind = "required" if name in new.required else "optional"
        for flag, was, now in (
            ("read-only", before.read_only, after.read_only),
            ("write-only", before.write_only, after.write_only),
        ):
            if was != now:
                state = flag if now else f"not-{flag}"
                yield change(f"{side}-{kind}-property-became-{state}", ctx.operation,
                             f"property {name} became {state}", ctx.child(name).where)


def _divides(divisor: float, value: float) -> bool:
    quotient = value / divisor
    return abs(quotient - round(quotient)) < 1e-9


@schema_rule(type_bound=True)
def multiple_of_changed(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    before, after = old.multiple_of, new.multiple_of
    if before == after:
        return
    if before is None:
        yield ctx.emit("multiple-of-set", f"multipleOf {after} set")
        return
    if after is None:
        yield ctx.emit("multiple-of-unset", f"multipleOf {before} removed")
        return
    what = f"multipleOf changed from {before} to {after}"
    # A divisor of the old step accepts every old value (10 -> 5); a multiple of it accepts fewer (5 -> 10).
    if ctx.request and _divides(after, before):
        yield ctx.emit("multiple-of-generalized", what)
    elif not ctx.request and _divides(before, after):
        yield ctx.emit("multiple-of-specialized", what)
    else:
        yield ctx.emit("multiple-of-changed", what)
