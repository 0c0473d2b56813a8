"""Read a spec from a file or a git revision, parse it and resolve local $refs."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import yaml

from contract import parse_yaml

# Literal data: a "$ref" key inside an example is payload, not a reference.
_OPAQUE_KEYS = frozenset({"example", "examples", "const", "default", "enum"})
RECURSIVE_MARKER = "x-diff-recursive-ref"
UNRESOLVED_MARKER = "x-diff-unresolved-ref"


class SpecLoadError(Exception):
    """Input the differ cannot read; the CLI turns it into exit code 2."""


@dataclass
class Source:
    label: str  # what the user typed, for messages
    text: str


@dataclass
class Resolved:
    doc: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def read_source(arg: str, cwd: str | None = None) -> Source:
    """A path, an http(s) URL, or `REV:PATH` for `git show` when no such file exists."""
    if arg.startswith(("http://", "https://")):
        return Source(arg, _fetch(arg))
    path = arg if cwd is None or os.path.isabs(arg) else os.path.join(cwd, arg)
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as fh:
                return Source(arg, fh.read())
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecLoadError(f"{arg}: cannot read file: {exc}") from None
    if ":" in arg:
        return Source(arg, _git_show(arg, cwd))
    if os.path.exists(path):
        raise SpecLoadError(f"{arg}: not a regular file")
    raise SpecLoadError(f"{arg}: no such file (use REV:PATH for a git revision)")


def _fetch(url: str) -> str:
    import httpx  # only URL inputs pay for importing it

    try:
        with httpx.Client(follow_redirects=True, timeout=30) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        raise SpecLoadError(f"{url}: cannot fetch: {exc or type(exc).__name__}") from None
    if response.status_code != 200:
        raise SpecLoadError(f"{url}: cannot fetch: HTTP {response.status_code}")
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecLoadError(f"{url}: not UTF-8 text") from None


def _git_show(arg: str, cwd: str | None) -> str:
    try:
        proc = subprocess.run(
            ["git", "show", arg], cwd=cwd, capture_output=True, timeout=60, check=False
        )
    except FileNotFoundError:
        raise SpecLoadError(f"{arg}: git is not installed, cannot read a revision") from None
    except subprocess.TimeoutExpired:
        raise SpecLoadError(f"{arg}: git show timed out") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[0] if reason else f"exit status {proc.returncode}"
        raise SpecLoadError(f"{arg}: git show failed: {detail}")
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecLoadError(f"{arg}: not UTF-8 text") from None


def parse(source: Source) -> dict[str, Any]:
    try:
        doc = parse_yaml(source.text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecLoadError(f"{source.label}: invalid YAML{where}: {problem}") from None
    if isinstance(doc, dict) and "swagger" in doc:
        # 2.0 keeps bodies in parameters and schemas in definitions: comparing it with
        # the 3.x rules would report nonsense, so refuse it plainly.
        raise SpecLoadError(
            f"{source.label}: Swagger {doc['swagger']} is not supported; convert it to OpenAPI 3 first"
        )
    if not isinstance(doc, dict) or not ("openapi" in doc or "paths" in doc):
        raise SpecLoadError(f"{source.label}: not an OpenAPI document (no 'openapi' or 'paths' key)")
    return doc


def resolve_refs(doc: dict[str, Any]) -> Resolved:
    """Replace every local $ref by its target, sharing one resolved object per target.

    Sharing (instead of copying) keeps resolution linear in the document size and
    lets later stages memoise per target. A reference back into a target that is
    still being resolved becomes a small marker, so the result is acyclic and
    every walker terminates without its own recursion guard.
    """
    return _Resolver(doc).run()


class _Resolver:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.done: dict[str, Any] = {}
        self.active: set[str] = set()
        self.warnings: list[str] = []

    def run(self) -> Resolved:
        return Resolved(self.walk(self.doc), self.warnings)

    def walk(self, node: Any, names: bool = False) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not names:
                return self.follow(ref, node)
            if names:  # keys are user-chosen names (a property called "enum"), not keywords
                return {_key(k): self.walk(v) for k, v in node.items()}
            return {
                _key(k): (v if k in _OPAQUE_KEYS else self.walk(v, k in _NAME_MAPS))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self.walk(v) for v in node]
        return node

    def follow(self, ref: str, node: dict[str, Any]) -> Any:
        target = self.target(ref)
        siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
        if not siblings:
            return target
        # OpenAPI 3.1 lets a schema $ref carry constraints beside it; that is allOf.
        return {"allOf": [target, self.walk(siblings)]}

    def target(self, ref: str) -> Any:
        if ref in self.done:
            return self.done[ref]
        if not ref.startswith("#"):
            self.warnings.append(f"external $ref {ref!r} is compared by name only")
            return {UNRESOLVED_MARKER: ref}
        if ref in self.active:
            return {RECURSIVE_MARKER: ref}
        raw = _pointer(self.doc, ref)
        if raw is _MISSING:
            self.warnings.append(f"unresolvable $ref {ref!r} is compared by name only")
            self.done[ref] = {UNRESOLVED_MARKER: ref}
            return self.done[ref]
        self.active.add(ref)
        try:
            resolved = self.walk(raw)
        finally:
            self.active.discard(ref)
        self.done[ref] = resolved
        return resolved


_NAME_MAPS = frozenset({
    "properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
    "schemas", "parameters", "responses", "headers", "requestBodies", "securitySchemes",
    "links", "callbacks", "pathItems", "content", "paths", "webhooks", "x-mock-resources",
})
_ANNOTATIONS = frozenset({"description", "summary", "title", "$comment"})
_MISSING = object()


def _key(k: Any) -> Any:
    # YAML reads `200:` as an int; status codes and names are strings in OpenAPI.
    return k if isinstance(k, str) else str(k)


def _pointer(doc: Any, ref: str) -> Any:
    fragment = unquote(ref[1:])
    if fragment in ("", "/"):
        return doc
    node = doc
    for part in fragment.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if part in node:
                node = node[part]
            elif part.isdigit() and int(part) in node:
                node = node[int(part)]
            else:
                return _MISSING
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def load_spec(arg: str, cwd: str | None = None) -> Resolved:
    return resolve_refs(parse(read_source(arg, cwd)))
