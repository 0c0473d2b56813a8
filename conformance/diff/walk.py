"""Recursive, direction-aware comparison of two normalised schemas."""
from __future__ import annotations

from collections.abc import Iterator

from .model import Change
from .registry import SCHEMA_RULES, TYPE_BOUND_SCHEMA_RULES, SchemaContext
from .schema import Node

BRANCH_KEYWORDS = (("one_of", "oneOf"), ("any_of", "anyOf"))


def diff_schema(old: Node, new: Node, ctx: SchemaContext) -> Iterator[Change]:
    if old is new or old.digest == new.digest:
        return
    if old.opaque or new.opaque:
        return  # a recursion marker or external ref: nothing comparable inside
    disjoint = types_disjoint(old, new)
    for rule in SCHEMA_RULES:
        if disjoint and rule in TYPE_BOUND_SCHEMA_RULES:
            continue
        yield from rule(old, new, ctx)
    if disjoint:
        return  # "string became object" says it all; listing every property adds noise
    for name, sub in new.props.items():
        before = old.props.get(name)
        if before is not None and not (hidden(before, ctx) and hidden(sub, ctx)):
            yield from diff_schema(before, sub, ctx.child(name))
    for segment, before, after in _subschemas(old, new):
        yield from diff_schema(before, after, ctx.child(segment))
    for attr, keyword in BRANCH_KEYWORDS:
        pairs, _, _ = pair_branches(getattr(old, attr), getattr(new, attr))
        for i, j in pairs:
            yield from diff_schema(getattr(old, attr)[i], getattr(new, attr)[j], ctx.child(f"{keyword}[{j}]"))


def _subschemas(old: Node, new: Node) -> Iterator[tuple[str, Node, Node]]:
    """Subschemas present on both sides, each with the path segment that names it."""
    singles = (
        ("items", old.items, new.items),
        ("*", old.additional, new.additional),
        ("contains", old.contains, new.contains),
        ("propertyNames", old.property_names, new.property_names),
        *((kw, old.conditional.get(kw), new.conditional.get(kw)) for kw in ("if", "then", "else")),
        *(
            (f"unevaluated{kw.title()}", old.unevaluated.get(kw), new.unevaluated.get(kw))
            for kw in ("properties", "items")
        ),
    )
    for segment, before, after in singles:
        if isinstance(before, Node) and isinstance(after, Node):
            yield segment, before, after
    for i, (before, after) in enumerate(zip(old.prefix_items, new.prefix_items)):
        yield f"prefixItems[{i}]", before, after
    for name, after in new.dependent_schemas.items():
        if name in old.dependent_schemas:
            yield f"dependentSchemas/{name}", old.dependent_schemas[name], after
    for pattern, after in new.pattern_props.items():
        if pattern in old.pattern_props:
            yield f"patternProperties/{pattern}", old.pattern_props[pattern], after


def hidden(node: Node, ctx: SchemaContext) -> bool:
    """readOnly values are never sent, writeOnly values never returned."""
    return node.read_only if ctx.request else node.write_only


def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def types_disjoint(old: Node, new: Node) -> bool:
    if old.types is None or new.types is None:
        return False
    return not (old.types & new.types) and not covers(old.types, new.types) and not covers(new.types, old.types)


def pair_branches(
    old: list[Node], new: list[Node]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Match oneOf/anyOf branches: identical ones first, then the most alike.

    Returns (pairs of old/new indexes, removed old indexes, added new indexes).
    Order is irrelevant to JSON Schema, so a reordered list is no change.
    """
    if not old and not new:
        return [], [], []
    free_old = list(range(len(old)))
    free_new = list(range(len(new)))
    pairs: list[tuple[int, int]] = []
    for i in list(free_old):
        for j in free_new:
            if old[i].digest == new[j].digest:
                pairs.append((i, j))
                free_old.remove(i)
                free_new.remove(j)
                break
    scored = sorted(
        ((_similarity(old[i], new[j]), i, j) for i in free_old for j in free_new),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for score, i, j in scored:
        if score <= 0:
            break
        if i in free_old and j in free_new:
            pairs.append((i, j))
            free_old.remove(i)
            free_new.remove(j)
    return sorted(pairs), free_old, free_new


def _similarity(a: Node, b: Node) -> float:
    if a.props or b.props:
        names_a, names_b = set(a.props), set(b.props)
        union = names_a | names_b
        return len(names_a & names_b) / len(union) if union else 0.0
    if a.types is not None and b.types is not None and a.types & b.types:
        return 0.5
    return 0.0


def describe(node: Node) -> str:
    """A short name for a branch in a message."""
    if node.enum is not None and len(node.enum) == 1:
        return f"const {next(iter(node.enum))}"
    kind = "/".join(sorted(node.types)) if node.types else "schema"
    if node.props:
        names = ", ".join(list(node.props)[:4]) + (", ..." if len(node.props) > 4 else "")
        return f"{kind} {{{names}}}"
    return kind
