"""A normalised, comparable view of a resolved JSON Schema.

Rules compare meaning, not spelling: `allOf` is merged, `type: [T, "null"]`,
`nullable: true` and a `{type: "null"}` branch all become `nullable`, `const`
is a one-value enum, and annotations (description, examples, title) are
dropped. Each node carries a digest of what the rules can see, so the walker
skips identical subtrees in O(1); nodes are memoised per source object, so a
component referenced from 300 operations is normalised once.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from .catalog import BOUNDS
from .load import RECURSIVE_MARKER, UNRESOLVED_MARKER

_NULL_TYPE = "null"


class Node:
    __slots__ = (
        "types", "nullable", "enum", "format", "pattern", "bounds", "props", "required",
        "items", "additional", "one_of", "any_of", "all_of", "read_only", "write_only", "opaque",
        "default", "discriminator", "prefix_items", "contains", "conditional", "dependent_required",
        "dependent_schemas", "unevaluated", "property_names", "pattern_props", "unique_items", "multiple_of",
        "digest",
    )

    def __init__(self) -> None:
        self.types: frozenset[str] | None = None  # None: the schema does not say
        self.nullable = False
        self.enum: dict[str, Any] | None = None  # canonical key -> value, order kept
        self.format: str | None = None
        self.pattern: str | None = None
        self.bounds: dict[str, float] = {}
        self.props: dict[str, Node] = {}
        self.required: frozenset[str] = frozenset()
        self.items: Node | None = None
        self.additional: Node | bool = True  # False: closed object; Node: map values
        self.one_of: list[Node] = []
        self.any_of: list[Node] = []
        # The branches as written; the merged result is what the other fields hold, so
        # splitting a schema into allOf parts without changing its shape is no change.
        self.all_of: list[Node] = []
        self.read_only = False
        self.write_only = False
        self.opaque: str | None = None  # recursive or unresolvable reference
        self.default: str | None = None  # canonical JSON of the default, None when there is none
        self.discriminator: tuple[str, dict[str, str]] | None = None  # (propertyName, mapping)
        self.prefix_items: list[Node] = []
        self.contains: Node | None = None
        self.conditional: dict[str, Node] = {}  # "if", "then", "else"
        self.dependent_required: dict[str, frozenset[str]] = {}
        self.dependent_schemas: dict[str, Node] = {}
        self.unevaluated: dict[str, Node | bool] = {}  # "properties", "items"; absent: not constrained
        self.property_names: Node | None = None
        self.pattern_props: dict[str, Node] = {}
        self.unique_items = False
        self.multiple_of: float | None = None
        self.digest = ""


EMPTY = Node()


def value_key(value: Any) -> str:
    """Enum values may be dicts or lists; compare them by canonical JSON."""
    return json.dumps(value, sort_keys=True, default=str)


class Normalizer:
    """Builds Nodes for one document; memoised by the identity of the source dict."""

    def __init__(self) -> None:
        # Keyed by id(); the entry also holds the dict so its id cannot be reused.
        self._memo: dict[int, tuple[dict[str, Any], Node]] = {}
        self._keep: list[Any] = []  # merged dicts, for the same reason

    def node(self, schema: Any) -> Node:
        if not isinstance(schema, dict):
            return self._boolean(schema)
        found = self._memo.get(id(schema))
        if found is not None:
            return found[1]
        node = self._build(schema)
        self._memo[id(schema)] = (schema, node)
        return node

    def _boolean(self, schema: Any) -> Node:
        # `true` accepts anything, like `{}`; `false` accepts nothing: no type at all.
        return NOTHING if schema is False else EMPTY

    def _build(self, raw: dict[str, Any]) -> Node:
        schema = self._flatten(raw)
        node = Node()
        for marker in (RECURSIVE_MARKER, UNRESOLVED_MARKER):
            if marker in schema:
                # Recursion is compared by existence only: both sides re-enter the same cycle.
                node.opaque = "recursive" if marker == RECURSIVE_MARKER else str(schema[marker])
                node.digest = _hash("opaque", node.opaque)
                return node
        node.types, node.nullable = _types(schema)
        node.enum = _enum(schema)
        if node.enum is not None and value_key(None) in node.enum:
            node.nullable = True
            del node.enum[value_key(None)]
        fmt, pattern = schema.get("format"), schema.get("pattern")
        node.format = fmt if isinstance(fmt, str) else None
        node.pattern = pattern if isinstance(pattern, str) else None
        node.bounds = {
            kw: schema[kw] for kw in BOUNDS
            if isinstance(schema.get(kw), (int, float)) and not isinstance(schema.get(kw), bool)
        }
        props = schema.get("properties")
        if isinstance(props, dict):
            node.props = {str(name): self.node(sub) for name, sub in props.items()}
        req = schema.get("required")
        if isinstance(req, list):
            node.required = frozenset(str(r) for r in req)
        node.items = self._optional(schema.get("items"))
        extra = schema.get("additionalProperties", True)
        node.additional = self.node(extra) if isinstance(extra, dict) and extra else extra is not False
        node.one_of = self._branches(schema.get("oneOf"))
        node.any_of = self._branches(schema.get("anyOf"))
        node.all_of = self._branches(raw.get("allOf"))
        node.read_only = schema.get("readOnly") is True
        node.write_only = schema.get("writeOnly") is True
        if "default" in schema:
            node.default = value_key(schema["default"])
        if not _APPLICATORS.isdisjoint(schema):  # most schemas use none of them: skip the look-ups
            self._applicators(node, schema)
        node.digest = _digest(node)
        return node

    def _applicators(self, node: Node, schema: dict[str, Any]) -> None:
        node.discriminator = _discriminator(schema.get("discriminator"))
        node.prefix_items = self._branches(schema.get("prefixItems"))
        node.contains = self._optional(schema.get("contains"))
        node.conditional = {
            kw: self.node(schema[kw]) for kw in ("if", "then", "else") if isinstance(schema.get(kw), (dict, bool))
        }
        dependent = schema.get("dependentRequired")
        if isinstance(dependent, dict):
            node.dependent_required = {
                str(k): frozenset(map(str, v)) for k, v in dependent.items() if isinstance(v, list)
            }
        schemas = schema.get("dependentSchemas")
        if isinstance(schemas, dict):
            node.dependent_schemas = {str(k): self.node(v) for k, v in schemas.items()}
        for kw, slot in (("unevaluatedProperties", "properties"), ("unevaluatedItems", "items")):
            value = schema.get(kw)
            if value is False or isinstance(value, dict):
                node.unevaluated[slot] = False if value is False else self.node(value)
        node.property_names = self._optional(schema.get("propertyNames"))
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            node.pattern_props = {str(k): self.node(v) for k, v in patterns.items()}
        node.unique_items = schema.get("uniqueItems") is True
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            node.multiple_of = step

    def _optional(self, raw: Any) -> Node | None:
        return self.node(raw) if isinstance(raw, (dict, bool)) else None

    def _branches(self, raw: Any) -> list[Node]:
        if not isinstance(raw, list):
            return []
        return [self.node(b) for b in raw]

    def _flatten(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Merge allOf and fold away null-only branches until the schema is flat."""
        out = schema
        for _ in range(32):  # a fixpoint; the bound only guards pathological input
            if isinstance(out.get("allOf"), list):
                out = _merge_all_of(out)
            elif _has_null_branch(out):
                out = _fold_null_branches(out)
            else:
                break
        if out is not schema:
            self._keep.append(out)
        return out


_APPLICATORS = frozenset({
    "discriminator", "prefixItems", "contains", "if", "then", "else", "dependentRequired", "dependentSchemas",
    "unevaluatedProperties", "unevaluatedItems", "propertyNames", "patternProperties", "uniqueItems", "multipleOf",
})


def _discriminator(raw: Any) -> tuple[str, dict[str, str]] | None:
    if not isinstance(raw, dict):
        return None
    mapping = raw.get("mapping")
    pairs = {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}
    return str(raw.get("propertyName", "")), pairs


def _types(schema: dict[str, Any]) -> tuple[frozenset[str] | None, bool]:
    raw = schema.get("type")
    nullable = schema.get("nullable") is True
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return None, nullable
    names = {str(t) for t in raw}
    if _NULL_TYPE in names:
        nullable = True
        names.discard(_NULL_TYPE)
    if not names:  # `type: "null"` alone: nothing but null
        return frozenset({_NULL_TYPE}), False
    return frozenset(names), nullable


def _enum(schema: dict[str, Any]) -> dict[str, Any] | None:
    if "const" in schema:
        return {value_key(schema["const"]): schema["const"]}
    values = schema.get("enum")
    if not isinstance(values, list):
        return None
    return {value_key(v): v for v in values}


def _is_null_only(branch: Any) -> bool:
    if not isinstance(branch, dict):
        return False
    t = branch.get("type")
    if t == _NULL_TYPE or t == [_NULL_TYPE]:
        return True
    return "const" in branch and branch["const"] is None


def _has_null_branch(schema: dict[str, Any]) -> bool:
    for kw in ("oneOf", "anyOf"):
        branches = schema.get(kw)
        if isinstance(branches, list) and any(_is_null_only(b) for b in branches):
            return True
    return False


def _fold_null_branches(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    out["nullable"] = True
    for kw in ("oneOf", "anyOf"):
        branches = out.get(kw)
        if not isinstance(branches, list):
            continue
        rest = [b for b in branches if not _is_null_only(b)]
        if len(rest) == len(branches):
            continue
        del out[kw]
        if len(rest) == 1 and isinstance(rest[0], dict) and RECURSIVE_MARKER not in rest[0]:
            # `anyOf: [X, null]` is the 3.1 spelling of "X or null": compare it as X.
            out = _merge(out, rest[0])
            out["nullable"] = True
        elif rest:
            out[kw] = rest
    return out


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for branch in schema["allOf"]:
        # A recursion marker merged in would make the whole schema opaque; the
        # recursive part is the one thing that cannot be compared anyway.
        if isinstance(branch, dict) and RECURSIVE_MARKER not in branch:
            if isinstance(branch.get("allOf"), list):
                branch = _merge_all_of(branch)
            out = _merge(out, branch)
    return out


_UPPER = {kw for kw, (_, upper) in BOUNDS.items() if upper}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Both must hold (allOf), so keep the stricter of each keyword."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
            continue
        mine = out[key]
        if key == "properties" and isinstance(mine, dict) and isinstance(value, dict):
            merged = dict(mine)
            for name, sub in value.items():
                merged[name] = {"allOf": [merged[name], sub]} if name in merged else sub
            out[key] = merged
        elif key == "required" and isinstance(mine, list) and isinstance(value, list):
            out[key] = mine + [r for r in value if r not in mine]
        elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
            keep = {value_key(v) for v in value}
            out[key] = [v for v in mine if value_key(v) in keep]
        elif key == "type":
            ta, tb = _type_names(mine), _type_names(value)
            both = ta & tb or ({"integer"} if {"integer", "number"} <= ta | tb else ta)
            out[key] = sorted(both) if len(both) != 1 else next(iter(both))
        elif key in BOUNDS and _numeric(mine) and _numeric(value):
            out[key] = min(mine, value) if key in _UPPER else max(mine, value)
        elif key == "nullable":
            out[key] = bool(mine) and bool(value)
        elif key in ("items", "additionalProperties") and isinstance(mine, dict) and isinstance(value, dict):
            out[key] = {"allOf": [mine, value]}
        elif key == "additionalProperties" and value is False:
            out[key] = False
    return out


def _type_names(value: Any) -> set[str]:
    return {t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)}


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _hash(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _sub(node: Node | bool | None) -> Any:
    return node.digest if isinstance(node, Node) else node


def _digest(n: Node) -> str:
    # The allOf branches are left out on purpose: only the merged shape is visible on the wire.
    return _hash(
        sorted(n.types) if n.types is not None else None,
        n.nullable,
        sorted(n.enum) if n.enum is not None else None,
        n.format,
        n.pattern,
        sorted(n.bounds.items()),
        sorted((name, sub.digest) for name, sub in n.props.items()),
        sorted(n.required),
        _sub(n.items),
        _sub(n.additional),
        sorted(b.digest for b in n.one_of),
        sorted(b.digest for b in n.any_of),
        n.read_only,
        n.write_only,
        n.default,
        _applicator_parts(n),
    )


def _applicator_parts(n: Node) -> tuple[Any, ...]:
    # Tagged and only when present: the digest of the common schema stays as cheap as before.
    parts: list[Any] = []
    if n.discriminator:
        parts.append(("discriminator", n.discriminator[0], sorted(n.discriminator[1].items())))
    if n.prefix_items:
        parts.append(("prefixItems", [b.digest for b in n.prefix_items]))
    if n.contains:
        parts.append(("contains", n.contains.digest))
    if n.conditional:
        parts.append(("conditional", sorted((k, v.digest) for k, v in n.conditional.items())))
    if n.dependent_required:
        parts.append(("dependentRequired", sorted((k, sorted(v)) for k, v in n.dependent_required.items())))
    if n.dependent_schemas:
        parts.append(("dependentSchemas", sorted((k, v.digest) for k, v in n.dependent_schemas.items())))
    if n.unevaluated:
        parts.append(("unevaluated", sorted((k, _sub(v)) for k, v in n.unevaluated.items())))
    if n.property_names:
        parts.append(("propertyNames", n.property_names.digest))
    if n.pattern_props:
        parts.append(("patternProperties", sorted((k, v.digest) for k, v in n.pattern_props.items())))
    if n.unique_items:
        parts.append(("uniqueItems",))
    if n.multiple_of is not None:
        parts.append(("multipleOf", n.multiple_of))
    return tuple(parts)


EMPTY.digest = _digest(EMPTY)
NOTHING = Node()
NOTHING.types = frozenset()
NOTHING.digest = _digest(NOTHING)
