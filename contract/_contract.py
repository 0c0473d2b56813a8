"""One spec read once: the document, its operations and their behaviour declarations, and the look-ups every
consumer needs (which operation lists, reads or creates a resource, what a parent parameter names, whether an
operation spends credits). The mock, the suite and the differ all ask this object."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ._declarations import Binding, OperationDecl, RequestIdDecl, ResourceDecl, read_all, read_request_id
from ._document import Operation, SpecDocument
from ._provenance import Provenances

SAFE_METHODS = ("get", "head")
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Contract:
    doc: SpecDocument
    resources: dict[str, ResourceDecl]
    decls: dict[str, OperationDecl]
    request_id: RequestIdDecl | None = None

    @classmethod
    def from_document(cls, doc: SpecDocument) -> Contract:
        resources, decls = read_all(doc)
        return cls(doc, resources, decls, read_request_id(doc))

    @classmethod
    def load(cls, spec_path: str | Path) -> Contract:
        path = Path(spec_path).resolve()
        return _load(path, path.stat().st_mtime_ns)

    @cached_property
    def provenance(self) -> Provenances:
        """Documented or assumed, for every node of the contract (spec/README.md, "Provenance"); built on first
        use, once per loaded contract."""
        return Provenances.of_document(self.doc.raw)

    @property
    def ops(self) -> dict[str, Operation]:
        return self.doc.operations

    # -- selection --------------------------------------------------------------------------------------------
    def select(self, operation_ids: list[str], tags: list[str], read_only: bool) -> list[str]:
        """The operations a run covers, in spec order; unknown ids or tags are a usage error (ValueError)."""
        unknown = [oid for oid in operation_ids if oid not in self.ops]
        if unknown:
            raise ValueError(f"unknown operation id(s): {', '.join(unknown)}")
        known_tags = {t for op in self.ops.values() for t in op.spec.get("tags", [])}
        missing = [t for t in tags if t not in known_tags]
        if missing:
            raise ValueError(f"unknown tag(s): {', '.join(missing)}; known: {', '.join(sorted(known_tags))}")
        chosen = []
        for oid, op in self.ops.items():
            if (operation_ids or tags) and oid not in operation_ids and not set(tags) & set(op.spec.get("tags", [])):
                continue
            if read_only and op.method not in SAFE_METHODS:
                continue
            chosen.append(oid)
        return chosen

    # -- look-ups ---------------------------------------------------------------------------------------------
    def label(self, oid: str) -> str:
        op = self.ops[oid]
        return f"{op.method.upper()} {op.path}"

    def by_label(self) -> dict[str, str]:
        return {self.label(oid): oid for oid in self.ops}

    def bound(self, resource: str, action: str, with_id: bool | None = None) -> list[str]:
        """Operations doing `action` on `resource` (with or without an id path parameter when asked)."""
        out = []
        for oid, decl in self.decls.items():
            b = decl.binding
            if not b or b.resource != resource or b.action != action or b.trash:
                continue
            if with_id is not None and bool(b.id_param) != with_id:
                continue
            out.append(oid)
        return out

    def lister(self, resource: str) -> str | None:
        """A GET that lists the caller's records of `resource`: a plain list (not the trash, not a filtered
        selection, not the records of some other relation)."""
        for oid in self.bound(resource, "list"):
            b = self.binding(oid)
            if self.ops[oid].method == "get" and not (b.link or b.where or b.select or b.search):
                return oid
        return None

    def parent_of(self, oid: str) -> tuple[str, str | None]:
        """(resource, field) the operation's parent path parameter names: its declared `link`, else the bound
        resource's parent (the field is None when the parameter names the bound resource itself)."""
        return self.parent_of_binding(self.binding(oid))

    def binding(self, oid: str) -> Binding:
        """The resource binding of an operation known to have one (`bound` only returns those)."""
        binding = self.decls[oid].binding
        if binding is None:
            raise KeyError(f"{oid} declares no x-mock-resource")
        return binding

    def parent_of_binding(self, binding: Binding) -> tuple[str, str | None]:
        if binding.link:
            return binding.link
        parent = self.resources[binding.resource].parent
        return parent if parent else (binding.resource, None)

    def spends(self, oid: str) -> bool:
        """Whether a served call may cost credits (any x-mock-credits but a flat, undeferred 0)."""
        credits = self.decls[oid].credits
        return credits is not None and credits.spends

    def reader(self, resource: str) -> str | None:
        """A GET that answers one record of `resource` by id, as the record itself or `{data: record}`."""
        for oid in self.bound(resource, "read", with_id=True):
            b = self.binding(oid)
            if self.ops[oid].method == "get" and b.response is None and not self.decls[oid].admin:
                return oid
        return None

    def creator(self, resource: str) -> str | None:
        return next((o for o in self.bound(resource, "create") if not self.decls[o].admin), None)

    def ledger(self, kind: str) -> str | None:
        return next((oid for oid, d in self.decls.items() if d.ledger == kind), None)

    def plain_read(self) -> str | None:
        """A GET that only needs a token: the balance, else the first without parameters to fill."""
        def plain(oid: str) -> bool:
            op = self.ops[oid]
            params = [p for p in op.spec.get("parameters", []) if p.get("in") == "path" or p.get("required")]
            return op.method == "get" and not params and self.uses_bearer(oid) and not self.decls[oid].admin
        return self.ledger("balance") or next(filter(plain, self.ops), None)

    def uses_bearer(self, oid: str) -> bool:
        """Whether the caller's bearer token authenticates it (not a public or key-only operation)."""
        security = self.ops[oid].spec.get("security", self.doc.raw.get("security") or [])
        schemes = self.doc.raw.get("components", {}).get("securitySchemes", {})
        return any(schemes.get(name, {}).get("scheme") == "bearer" for req in security for name in req)

    def documented(self, oid: str, status: int) -> dict[str, Any] | None:
        responses = self.ops[oid].responses
        text = str(status)
        return responses.get(text) or responses.get(f"{text[0]}XX") or responses.get("default")


@lru_cache(maxsize=4)
def _load(path: Path, mtime: int) -> Contract:
    """Parsing the contract takes a second; runs in one process (tests, the defect matrix) share it while the
    file is unchanged. Nothing mutates a contract."""
    return Contract.from_document(SpecDocument.from_file(path))


def path_values(template: str, path: str) -> dict[str, str]:
    """The path parameters of `path` (query stripped) read back against the operation's path template."""
    names = _PARAM.findall(template)
    pattern = "^" + _PARAM.sub("([^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    match = re.match(pattern, path.split("?", 1)[0])
    return dict(zip(names, match.groups())) if match else {}
