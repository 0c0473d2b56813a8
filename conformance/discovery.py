"""Real records to aim at: ids each role can see, found by calling the spec's list operations (parents first),
or, for a resource nothing lists, by creating one when the run may write. Fuzzed ids mostly meet 404s; these
let the checks exercise live records."""
from __future__ import annotations

from typing import Any

from contract import Contract, Generator, Operation

from .requestgen import PreparedRequest, build
from .target import FLAGS, Exchange, Target, TokenRefused

PARENTS_LISTED = 2  # children are listed under this many parents: enough to find records, cheap on big teams


def template_value(template: Any, body: Any, key: str) -> Any:
    """The body value at the place `template` (an x-mock-resource response template) puts the record's `key`."""
    if isinstance(template, str):
        return body if template == "{" + key + "}" else None
    if isinstance(template, dict) and isinstance(body, dict):
        for name, sub in template.items():
            found = template_value(sub, body.get(name), key)
            if found is not None:
                return found
    return None


def created_key(catalog: Contract, oid: str, exchange: Exchange) -> Any:
    """The id of the record a create (or dispatch) answered with, read the way the spec shapes that answer."""
    binding = catalog.decls[oid].binding
    key = catalog.resources[binding.resource].key
    body = exchange.json()
    if binding.response is not None:
        return template_value(binding.response, body, key)
    if isinstance(body, dict):
        if key in body:
            return body[key]
        if isinstance(body.get("data"), dict):
            return body["data"].get(key)
    return None


def _rows(body: Any) -> list[dict]:
    rows = body.get("data") if isinstance(body, dict) else body
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


class Known:
    def __init__(self, catalog: Contract, target: Target, gen: Generator, may_write: bool, may_spend: bool):
        self.catalog = catalog
        self.target = target
        self.gen = gen
        self.may_write = may_write
        self.may_spend = may_spend
        self._ids: dict[tuple[str, str], list] = {}
        self._parent: dict[tuple[str, Any], Any] = {}

    # -- ids --------------------------------------------------------------------------------------------------
    def ids(self, resource: str, role: str = "team") -> list:
        cache_key = (role, resource)
        if cache_key not in self._ids:
            self._ids[cache_key] = []  # guards parent cycles while listing
            self._ids[cache_key] = self._list(resource, role) or self._create(resource, role)
        return self._ids[cache_key]

    def parent_of(self, resource: str, key: Any) -> Any:
        return self._parent.get((resource, key))

    def add(self, resource: str, key: Any, role: str = "team", parent: Any = None) -> None:
        self.ids(resource, role).insert(0, key)
        if parent is not None:
            self._parent[(resource, key)] = parent

    def forget(self, resource: str, key: Any) -> None:
        for (_role, name), ids in self._ids.items():
            if name == resource and key in ids:
                ids.remove(key)

    def _list(self, resource: str, role: str) -> list:
        lister = self.catalog.lister(resource)
        if lister is None:
            return []
        binding = self.catalog.decls[lister].binding
        decl = self.catalog.resources[resource]
        parents: list = [None]
        if binding.parent_param:
            parents = self.ids(self.catalog.parent_of(lister)[0], role)[:PARENTS_LISTED]
        found = []
        for parent in parents:
            values = {binding.parent_param: parent} if binding.parent_param else {}
            exchange = self.send(lister, values, role)
            if not exchange.ok:
                continue
            for row in _rows(exchange.json()):
                if decl.key in row and row[decl.key] not in found:
                    found.append(row[decl.key])
                    parent_key = parent if parent is not None else (row.get(decl.parent[1]) if decl.parent else None)
                    if parent_key is not None:
                        self._parent[(resource, row[decl.key])] = parent_key
        return found

    def _create(self, resource: str, role: str) -> list:
        creator = self.catalog.creator(resource)
        if creator is None or not self.may_write or (self.catalog.spends(creator) and not self.may_spend):
            return []
        key = self.create(creator, role)
        return [key] if key is not None else []

    def create(self, creator: str, role: str = "team") -> Any:
        """Create one record through `creator`; its id (None when the server refused)."""
        values = self.path_values(creator, role)
        exchange = self.send(creator, values, role)
        if not exchange.ok:
            return None
        key = created_key(self.catalog, creator, exchange)
        binding = self.catalog.decls[creator].binding
        if key is not None and binding.parent_param:
            self._parent[(binding.resource, key)] = values.get(binding.parent_param)
        return key

    def check_tokens(self) -> None:
        """Raise TokenRefused when a given token gets 401 on a plain authenticated read."""
        probe = self.catalog.plain_read()
        for role, token in self.target.tokens.items():
            if probe and token and self.send(probe, {}, role).status == 401:
                raise TokenRefused(f"the {FLAGS[role]} is refused: {self.catalog.label(probe)} answered 401")

    def balance(self, role: str = "team") -> int | None:
        """The role's credit balance from the spec's `x-mock-ledger: balance` operation; None when unreadable."""
        ledger = self.catalog.ledger("balance")
        if ledger is None or not self.target.tokens.get(role):
            return None
        body = self.send(ledger, {}, role).json()
        value = body.get("balance") if isinstance(body, dict) else None
        return value if isinstance(value, int) else None

    # -- requests ---------------------------------------------------------------------------------------------
    def path_values(self, oid: str, role: str = "team", last: bool = False) -> dict[str, Any]:
        """Path values naming live records: the bound record, its parent, and parameters before the id that
        name the record's parent (`/tracking-projects/{id}/cited-sources/{source_id}`)."""
        binding = self.catalog.decls[oid].binding
        op: Operation = self.catalog.ops[oid]
        values: dict[str, Any] = {}
        if binding is None:
            return values
        if binding.parent_param:
            parents = self.ids(self.catalog.parent_of(oid)[0], role)
            if parents:
                values[binding.parent_param] = parents[0]
        if binding.id_param:
            ids = self.ids(binding.resource, role)
            if ids:
                key = ids[-1] if last else ids[0]
                values[binding.id_param] = key
                parent = self.parent_of(binding.resource, key)
                params = op.path_params
                before = params[:params.index(binding.id_param)] if binding.id_param in params else []
                unbound = [p for p in before if p not in values]
                if parent is not None and len(unbound) == 1:
                    values[unbound[0]] = parent
        return values

    def request(self, oid: str, values: dict[str, Any], role: str | None = "team") -> PreparedRequest:
        """A valid request; a create that names its parent in the body names one of the caller's records."""
        request = build(self.catalog.ops[oid], values, self.gen)
        binding = self.catalog.decls[oid].binding
        if binding and binding.action == "create" and not binding.parent_param and isinstance(request.json, dict):
            parent, field = self.catalog.parent_of(oid)
            if field in request.json and role:
                owned = self.ids(parent, role)
                if owned:
                    request.json[field] = owned[0]
        return request

    def send(self, oid: str, values: dict[str, Any], role: str | None = "team") -> Exchange:
        return self.target.send(oid, self.request(oid, values, role), role)
