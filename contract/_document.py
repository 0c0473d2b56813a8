"""The OpenAPI 3.1 document as the engine sees it: loaded once, refs resolved, operations indexed."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from ._yaml import parse_yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        document: dict[str, Any] = parse_yaml(fh.read())
    return document


def load_document(path: str | Path) -> dict[str, Any]:
    """An OpenAPI document from a file, with every `$ref` to another file brought in (relative to the file that
    names it), so the rest of the toolkit sees one document. ValueError, in one line, for what is not one."""
    path = Path(path)
    try:
        raw: Any = load_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"{path}: not YAML or JSON{where}: {getattr(exc, 'problem', None) or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file") from None
    if raw is None or raw == {} or raw == "":
        raise ValueError(f"{path}: the document is empty")
    version = raw.get("openapi") if isinstance(raw, dict) else None
    if not isinstance(version, str) or not re.match(r"3\.[01]\.\d+", version):
        found = f"openapi: {version}" if version is not None else ("swagger: 2.0" if isinstance(raw, dict)
                                                                    and "swagger" in raw else "no openapi field")
        raise ValueError(f"{path}: not an OpenAPI 3.0 or 3.1 document ({found})")
    if not isinstance(raw.get("info"), dict) or not isinstance(raw.get("paths", {}), dict):
        raise ValueError(f"{path}: not an OpenAPI document (its info or paths is not an object)")
    return Bundler(path).bundle(raw)


class Bundler:
    """Brings `$ref`s to other files into one document. A referenced schema, parameter, response … is moved
    under `components` by the name of its file and pointer and the ref points there, so a schema that refers
    to itself across files stays one schema (and recursion stays a ref). `x-` extensions are left as written:
    they belong to other tools."""

    SECTIONS = {"schemas", "parameters", "responses", "requestBodies", "headers", "examples", "links",
                "callbacks", "securitySchemes", "pathItems"}

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.files: dict[Path, Any] = {self.root: None}
        self.hoisted: dict[tuple[Path, str], str] = {}
        self.added: dict[str, dict[str, Any]] = {}  # components brought in from other files, by section

    def bundle(self, raw: dict[str, Any]) -> dict[str, Any]:
        self.files[self.root] = raw
        if not self._has_external(raw):
            return raw
        doc: dict[str, Any] = self._walk(raw, self.root, "")
        components = doc.setdefault("components", {})
        for kind, items in self.added.items():
            components[kind] = {**(components.get(kind) or {}), **items}
        return doc

    def _has_external(self, node: Any) -> bool:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            return any(self._has_external(v) for k, v in node.items() if not str(k).startswith("x-"))
        if isinstance(node, list):
            return any(self._has_external(v) for v in node)
        return False

    def _walk(self, node: Any, file: Path, section: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (file != self.root or not ref.startswith("#")):
                node = {**node, "$ref": self._local(ref, file, section)}
            return {k: v if str(k).startswith("x-") else self._walk(v, file, self._section(k, section))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [self._walk(v, file, section) for v in node]
        return node

    def _section(self, key: Any, current: str) -> str:
        if key in ("schema", "items", "properties", "additionalProperties", "allOf", "oneOf", "anyOf", "not"):
            return "schemas"
        if key == "parameters":
            return "parameters"
        if key == "responses":
            return "responses"
        if key == "requestBody":
            return "requestBodies"
        if key == "headers":
            return "headers"
        return current

    def _local(self, ref: str, file: Path, section: str) -> str:
        """The local ref a ref from `file` becomes."""
        location, _, pointer = ref.partition("#")
        target = (file.parent / unquote(location)).resolve() if location else file
        if target == self.root:
            return f"#{pointer}"
        key = (target, pointer)
        if key not in self.hoisted:
            content = self._file(target, ref, file)
            node = _pointer(content, pointer, ref)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{target.stem}{'_' + pointer.strip('/') if pointer else ''}")
            kind = section if section in self.SECTIONS else "schemas"
            taken = (self.files[self.root].get("components") or {}).get(kind) or {}
            while name in taken or name in self.added.get(kind, {}):
                name += "_"
            self.hoisted[key] = f"#/components/{kind}/{name}"
            self.added.setdefault(kind, {})[name] = None  # reserved before the walk: a cycle refers to it
            self.added[kind][name] = self._walk(node, target, kind)
        return self.hoisted[key]

    def _file(self, target: Path, ref: str, named_in: Path) -> Any:
        if target not in self.files:
            try:
                self.files[target] = load_yaml(target)
            except OSError:
                raise ValueError(f"{named_in}: $ref {ref!r}: no file {target}") from None
            except yaml.YAMLError:
                raise ValueError(f"{named_in}: $ref {ref!r}: {target} is not YAML or JSON") from None
        return self.files[target]


def _pointer(doc: Any, pointer: str, ref: str) -> Any:
    node = doc
    for part in [p for p in pointer.split("/") if p] if pointer else []:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ValueError(f"$ref {ref!r} points at nothing")
    return node


class Resolved(dict[str, Any]):
    """A `$ref`'s target, inlined; `ref` says which ref it was (a discriminator names its branch by it)."""
    ref: str = ""


class RecursiveRef(dict[str, Any]):
    """A `$ref` met again inside itself: left as `{"$ref": …}` (validators resolve it against components), and
    `target()` gives the schema for whoever walks it by hand (the generator)."""

    def __init__(self, node: dict[str, Any], resolver: RefResolver):
        super().__init__(node)
        self._resolver = resolver

    def target(self) -> Any:
        return self._resolver.resolve({"$ref": self["$ref"]})

    def __deepcopy__(self, memo: dict[int, Any]) -> RecursiveRef:
        return RecursiveRef(copy.deepcopy(dict(self), memo), self._resolver)


class RefResolver:
    """Inlines local `$ref`s. A ref met again inside itself is left as a ref, so recursive schemas terminate."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self._cache: dict[str, Any] = {}

    def _extension(self, value: Any, stack: tuple[str, ...]) -> Any:
        """Another tool's extension may name files the mock never reads: as written when it does not resolve."""
        try:
            return self.resolve(value, stack)
        except ValueError:
            return value

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported: {ref}")
        return _pointer(self.doc, ref[1:], ref)

    def resolve(self, node: Any, _stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in _stack:
                    return RecursiveRef(node, self)
                if ref in self._cache and len(node) == 1:
                    return self._cache[ref]
                target = self.resolve(self.lookup(ref), _stack + (ref,))
                if isinstance(target, dict) and not isinstance(target, RecursiveRef):
                    target = Resolved(target)
                    target.ref = ref
                if len(node) > 1:  # 3.1 allows siblings next to $ref: they refine the target
                    extra = {k: self.resolve(v, _stack) for k, v in node.items() if k != "$ref"}
                    return {"allOf": [target, extra]} if isinstance(target, dict) else target
                if not _stack:
                    self._cache[ref] = target
                return target
            return {k: self._extension(v, _stack) if k.startswith("x-") else self.resolve(v, _stack)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v, _stack) for v in node]
        return node


def merge_all_of(schema: Any) -> Any:
    """Flatten `allOf` into one schema so generators and projections see every property at once."""
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part)
        if not isinstance(part, dict):
            continue
        for k, v in part.items():
            if k == "properties":
                props = out.setdefault("properties", {})
                for name, sub in v.items():
                    props[name] = merge_all_of({"allOf": [props[name], sub]}) if name in props else sub
            elif k == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(v))
            elif k not in out:
                out[k] = v
    return out


def example_of(media_obj: dict[str, Any], name: str | None = None) -> tuple[bool, Any]:
    examples = media_obj.get("examples") or {}
    if name is not None and name in examples and "value" in examples[name]:
        return True, examples[name]["value"]
    if "example" in media_obj:
        return True, media_obj["example"]
    for ex in examples.values():
        if isinstance(ex, dict) and "value" in ex:
            return True, ex["value"]
    return False, None


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, Any]  # unresolved, as written
    spec: dict[str, Any]  # refs resolved
    path_params: list[str] = field(default_factory=list)

    def ext(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    @property
    def responses(self) -> dict[str, dict[str, Any]]:
        responses: dict[str, dict[str, Any]] = self.spec.get("responses", {})
        return responses

    def success_status(self) -> str:
        codes = sorted(c for c in self.responses if str(c).startswith("2"))
        with_body = [c for c in codes if self.responses[c].get("content")]
        return (with_body or codes or ["200"])[0]


def derived_id(method: str, path: str) -> str:
    """The id of an operation that has no operationId: `get /pets/{petId}` → `get_pets_petId`."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
    return f"{method}_{words}" if words else method


def _merged_parameters(shared: list[Any], own: list[Any]) -> list[Any]:
    """Path-level parameters, overridden by the operation's own of the same name and location."""
    def key(p: Any) -> Any:
        return (p.get("name"), p.get("in")) if isinstance(p, dict) and "$ref" not in p else id(p)
    names = {key(p) for p in own}
    return [p for p in shared if key(p) not in names] + own


def server_url(server: dict[str, Any]) -> str:
    """A server's URL with its `{variables}` set to their defaults."""
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        default = variable.get("default", "") if isinstance(variable, dict) else ""
        url = url.replace("{" + name + "}", str(default))
    return url


class SpecDocument:
    def __init__(self, raw: dict[str, Any], source: Path | None = None):
        self.raw = raw
        self.source = source
        self.resolver = RefResolver(raw)
        self.operations: dict[str, Operation] = {}
        for path, item in (raw.get("paths") or {}).items():
            if isinstance(item, dict) and isinstance(item.get("$ref"), str):  # a path item kept in components
                shared = self.resolver.resolve({"$ref": item["$ref"]})
                item = {**shared, **{k: v for k, v in item.items() if k != "$ref"}}
            if not isinstance(item, dict):
                continue
            shared_params = item.get("parameters", [])
            for method, op in item.items():
                if method not in METHODS or not isinstance(op, dict):
                    continue
                merged = dict(op)
                if shared_params:
                    merged["parameters"] = _merged_parameters(shared_params, op.get("parameters", []))
                resolved = self.resolver.resolve(merged)
                oid = op.get("operationId") or derived_id(method, path)
                while oid in self.operations:
                    oid += "_"
                params = [p["name"] for p in resolved.get("parameters", []) if p.get("in") == "path"]
                self.operations[oid] = Operation(oid, method, path, op, resolved, params)

    @classmethod
    def from_file(cls, path: str | Path) -> SpecDocument:
        return cls(load_document(path), Path(path))

    @property
    def base_path(self) -> str:
        """The path of the last server whose host is local, else of the first server: where the mock mounts
        (server variables take their defaults)."""
        servers = [s for s in self.raw.get("servers") or [] if isinstance(s, dict)] or [{"url": "/"}]
        urls = [server_url(s) for s in servers]
        chosen = urls[0]
        for url in urls:
            if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
                chosen = url
        return unquote(urlsplit(chosen).path).rstrip("/")

    def schema(self, ref: str) -> dict[str, Any]:
        schema: dict[str, Any] = merge_all_of(self.resolver.resolve({"$ref": ref}))
        return schema

    def root_ext(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.raw.get(key, default))
