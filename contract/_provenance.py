"""Where every fact of a contract comes from: `documented` (with a pointer into the API docs) or `assumed` (with
the reason), read from the `x-mock-source` / `x-mock-assumed` markers once per contract load.

spec/README.md ("Provenance") defines the markers, the nodes and the inheritance rule; this module is the one
implementation of that rule. The index walks the document as written (refs followed by hand, not the resolved
copy), because a referenced component's marker must be seen where the component is used.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._document import METHODS

SOURCE = "x-mock-source"
ASSUMED = "x-mock-assumed"
MARKERS = (SOURCE, ASSUMED)
SELF = "self"
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems",
          "maxItems", "minProperties", "maxProperties", "multipleOf")
KEYWORD_KINDS = {**{k: "bound" for k in BOUNDS}, "enum": "enum", "const": "enum", "pattern": "pattern"}
DECLARATION_KINDS = {"credits": "credits", "throttle": "throttle", "job": "job"}
KINDS = ("operation", "status", "response-field", "request-field", "parameter", "bound", "enum", "pattern", "job",
         "credits", "throttle", "declaration")
_COMBINATORS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class Provenance:
    """`documented` with `text` the pointer into the docs ("003 §Reports, l. 755"), or assumed with `text` the
    reason. `marked_at` is the JSON pointer of the marker in the spec, so a reviewer finds it."""
    documented: bool
    text: str
    marked_at: str

    @property
    def label(self) -> str:
        return "documented" if self.documented else "assumed"


@dataclass(frozen=True)
class Node:
    """One fact of the contract. `where` is `response <status>`, `body`, `<in> <name>` (a parameter) or, for
    declarations, the declaration's name; `pointer` is the JSON pointer into the answered or sent instance (`*`
    stands for any array item or map value); `keyword` names a bound, enum or pattern keyword."""
    kind: str
    operation: str  # operationId; "" for a root declaration
    where: str = ""
    pointer: str = ""
    keyword: str = ""
    provenance: Provenance | None = None
    at: str = ""  # JSON pointer of the node in the spec (the schema holding a keyword)


@dataclass(frozen=True)
class Counts:
    documented: int = 0
    assumed: int = 0
    unclassified: int = 0


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Provenances:
    """Every node of one contract with its provenance; look-ups are dictionary reads."""
    nodes: tuple[Node, ...]
    problems: tuple[str, ...] = ()
    _by_key: Mapping[tuple[str, str, str, str, str], Provenance | None] = field(
        default_factory=lambda: MappingProxyType({}), repr=False)

    @classmethod
    def of_document(cls, raw: dict[str, Any]) -> Provenances:
        walker = _Walker(raw)
        walker.walk()
        nodes = tuple(walker.nodes.values())
        keys = {(n.kind, n.operation, n.where, n.pointer, n.keyword): n.provenance for n in nodes}
        return cls(nodes, tuple(walker.problems), MappingProxyType(keys))

    def get(self, kind: str, operation: str, where: str = "", pointer: str = "", keyword: str = "") \
            -> Provenance | None:
        """The provenance of a node; None when the node does not exist or carries none (see `unclassified`)."""
        return self._by_key.get((kind, operation, where, pointer, keyword))

    def operation(self, oid: str) -> Provenance | None:
        return self.get("operation", oid)

    def status(self, oid: str, status: int | str) -> Provenance | None:
        return self.get("status", oid, str(status))

    def response_field(self, oid: str, status: int | str, pointer: str) -> Provenance | None:
        return self.get("response-field", oid, f"response {status}", pointer)

    def request_field(self, oid: str, pointer: str) -> Provenance | None:
        return self.get("request-field", oid, "body", pointer)

    def parameter(self, oid: str, name: str, location: str = "query") -> Provenance | None:
        return self.get("parameter", oid, f"{location} {name}")

    def constraint(self, oid: str, where: str, pointer: str, keyword: str) -> Provenance | None:
        """A bound, enum or pattern keyword: `where` as in Node (`body`, `query per_page`, `response 200`)."""
        return self.get(KEYWORD_KINDS.get(keyword, ""), oid, where, pointer, keyword)

    def declaration(self, oid: str, name: str) -> Provenance | None:
        """An x-mock declaration by its short name (`credits`, `throttle`, `job`, `resource`, …); `oid` "" and
        `resources.<name>`, `validation` or `request-id` for the root declarations."""
        return self.get(DECLARATION_KINDS.get(name, "declaration"), oid, name)

    def counts(self) -> dict[str, Counts]:
        tally: dict[str, list[int]] = {kind: [0, 0, 0] for kind in KINDS}
        for node in self.nodes:
            slot = 2 if node.provenance is None else (0 if node.provenance.documented else 1)
            tally[node.kind][slot] += 1
        return {kind: Counts(*values) for kind, values in tally.items()}

    def unclassified(self) -> list[Node]:
        return [n for n in self.nodes if n.provenance is None]

    def assumed_fields(self, oid: str, status: int | str) -> dict[str, str]:
        """Pointer -> reason of every assumed field of one answer: what the suite reports as unconfirmed."""
        where = f"response {status}"
        return {n.pointer: n.provenance.text for n in self.nodes
                if n.kind == "response-field" and n.operation == oid and n.where == where
                and n.provenance is not None and not n.provenance.documented}


class _Walker:
    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.nodes: dict[tuple[str, str, str, str, str], Node] = {}
        self.problems: dict[str, None] = {}  # a component walked from many operations reports once
        self.defined: set[tuple[str, str]] = set()  # (marker pointer, part) of every part a marker names
        self.used: set[tuple[str, str]] = set()

    # -- markers ------------------------------------------------------------------------------------------------
    def marks(self, node: Any, at: str) -> tuple[Provenance | None, dict[str, Provenance]]:
        """(the node's own provenance, provenances of its named parts) from its markers."""
        own: Provenance | None = None
        parts: dict[str, Provenance] = {}
        if not isinstance(node, dict):
            return own, parts
        for key in MARKERS:
            if key not in node:
                continue
            value, documented = node[key], key == SOURCE
            entries = value if isinstance(value, dict) else {SELF: value}
            for part, text in entries.items():
                if not isinstance(text, str) or not text.strip():
                    self.problems[f"{at}/{key}/{part}: needs a non-empty text"] = None
                    continue
                prov = Provenance(documented, text, f"{at}/{key}")
                if part != SELF:
                    self.defined.add((prov.marked_at, part))
                earlier = own if part == SELF else parts.get(part)
                if earlier is not None:
                    self.problems[f"{at}: {part} is marked both documented and assumed"] = None
                if part == SELF:
                    own = prov
                else:
                    parts[part] = prov
        return own, parts

    def part(self, parts: dict[str, Provenance], name: str) -> Provenance | None:
        """The provenance a marker gives the part `name`, noted as used (a part nothing uses is a typo)."""
        found = parts.get(name)
        if found is not None:
            self.used.add((found.marked_at, name))
        return found

    def lookup(self, ref: str) -> tuple[Any, str]:
        node: Any = self.raw
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, ref[1:]

    def follow(self, node: Any, at: str) -> tuple[Any, str]:
        """A Reference Object replaced by its target (responses, parameters, request bodies: no siblings)."""
        seen = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            seen.add(node["$ref"])
            node, at = self.lookup(node["$ref"])
        return node, at

    def add(self, node: Node) -> None:
        key = (node.kind, node.operation, node.where, node.pointer, node.keyword)
        earlier = self.nodes.get(key)
        # One pointer reached through several anyOf/oneOf branches is documented if any branch documents it.
        if earlier is None or earlier.provenance is None or \
                (node.provenance is not None and node.provenance.documented and not earlier.provenance.documented):
            self.nodes[key] = node

    # -- the document ---------------------------------------------------------------------------------------------
    def walk(self) -> None:
        _, root_parts = self.marks(self.raw, "")
        for name in self.raw.get("x-mock-resources") or {}:
            key = f"resources.{name}"
            self.add(Node("declaration", "", key, provenance=self.part(root_parts, key)))
        for key in ("validation", "request-id"):
            if f"x-mock-{key}" in self.raw:
                self.add(Node("declaration", "", key, provenance=self.part(root_parts, key)))
        for path, item in (self.raw.get("paths") or {}).items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method in METHODS:
                    at = f"/paths/{_escape(path)}/{method}"
                    self.operation(op.get("operationId") or f"{method}_{path}", op, shared, at)
        for marked_at, part in sorted(self.defined - self.used):
            self.problems[f"{marked_at}: the part {part!r} names nothing there"] = None

    def operation(self, oid: str, op: dict[str, Any], shared: list[Any], at: str) -> None:
        own, parts = self.marks(op, at)
        self.add(Node("operation", oid, provenance=own, at=at))
        for key in op:
            if key.startswith("x-mock-") and key not in MARKERS:
                name = key[len("x-mock-"):]
                self.add(Node(DECLARATION_KINDS.get(name, "declaration"), oid, name, provenance=self.part(parts, name),
                              at=f"{at}/{key}"))
        for i, param in enumerate(list(shared) + list(op.get("parameters", []))):
            target, p_at = self.follow(param, f"{at}/parameters/{i}")
            if not isinstance(target, dict):
                continue
            where = f"{target.get('in')} {target.get('name')}"
            p_own, p_parts = self.marks(target, p_at)
            prov = self.part(parts, f"parameter {target.get('name')}") or p_own
            self.add(Node("parameter", oid, where, provenance=prov, at=p_at))
            if "schema" in target:
                self.schema(oid, None, where, target["schema"], "", prov, f"{p_at}/schema", (), p_parts)
        if "requestBody" in op:
            body, b_at = self.follow(op["requestBody"], f"{at}/requestBody")
            b_own, _ = self.marks(body, b_at)
            inherited = self.part(parts, "requestBody") or b_own
            for media, m_obj in (body.get("content") or {}).items():
                m_own, _ = self.marks(m_obj, f"{b_at}/content/{_escape(media)}")
                if isinstance(m_obj, dict) and "schema" in m_obj:
                    self.schema(oid, "request-field", "body", m_obj["schema"], "", m_own or inherited,
                                f"{b_at}/content/{_escape(media)}/schema", ())
        for status, response in (op.get("responses") or {}).items():
            target, r_at = self.follow(response, f"{at}/responses/{status}")
            r_own, _ = self.marks(target, r_at)
            prov = self.part(parts, str(status)) or r_own
            self.add(Node("status", oid, str(status), provenance=prov, at=r_at))
            where = f"response {status}"
            for media, m_obj in ((target or {}).get("content") or {}).items():
                m_own, _ = self.marks(m_obj, f"{r_at}/content/{_escape(media)}")
                if isinstance(m_obj, dict) and "schema" in m_obj:
                    self.schema(oid, "response-field", where, m_obj["schema"], "", m_own or prov,
                                f"{r_at}/content/{_escape(media)}/schema", ())

    def schema(self, oid: str, field_kind: str | None, where: str, node: Any, pointer: str,
               inherited: Provenance | None, at: str, stack: tuple[str, ...],
               outer_parts: dict[str, Provenance] | None = None) -> None:
        """Emit the keyword and field nodes of one schema; `inherited` is the nearest marker above it."""
        if not isinstance(node, dict):
            return
        own, parts = self.marks(node, at)
        here = own or inherited
        parts = {**(outer_parts or {}), **parts}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in stack:
            target, t_at = self.lookup(ref)
            self.schema(oid, field_kind, where, target, pointer, here, t_at, stack + (ref,), parts)
        for keyword, kind in KEYWORD_KINDS.items():
            if keyword in node and not (keyword == "pattern" and not isinstance(node[keyword], str)):
                self.add(Node(kind, oid, where, pointer, keyword, self.part(parts, keyword) or here, at))
        for name, sub in (node.get("properties") or {}).items():
            sub_pointer = f"{pointer}/{_escape(name)}"
            sub_at = f"{at}/properties/{_escape(name)}"
            slot = self.part(parts, f"/{name}")
            if field_kind:
                self.add(Node(field_kind, oid, where, sub_pointer,
                              provenance=slot or self.marks(sub, sub_at)[0] or here, at=sub_at))
            self.schema(oid, field_kind, where, sub, sub_pointer, slot or here, sub_at, stack)
        for combinator in _COMBINATORS:
            for i, sub in enumerate(node.get(combinator) or []):
                self.schema(oid, field_kind, where, sub, pointer, here, f"{at}/{combinator}/{i}", stack, parts)
        if isinstance(node.get("items"), dict):
            self.schema(oid, field_kind, where, node["items"], f"{pointer}/*", here, f"{at}/items", stack)
        if isinstance(node.get("additionalProperties"), dict):
            self.schema(oid, field_kind, where, node["additionalProperties"], f"{pointer}/*", here,
                        f"{at}/additionalProperties", stack)
