"""Real records to aim at: ids each role can see, found by calling the spec's list operations (parents first),
or, for a resource nothing lists, by creating one when the run may write. Fuzzed ids mostly meet 404s; these
let the checks exercise live records.

Every request of the suite's own checks goes through `Known.send`: it spends credits only within the run's
budget, and it remembers every record the run created, so `clean_up` can delete them at the end (children
before their parents) and name the ones the contract gives no way to delete."""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from contract import Contract, Expression, Generator, QueryTypes
from contract import path_values as values_in_path

from .gates import Gates
from .requestgen import PreparedRequest, build
from .target import FLAGS, Exchange, Target, TokenRefused, TransportFailed

PARENTS_LISTED = 2  # children are listed under this many parents: enough to find records, cheap on big teams


class BudgetReached(Exception):
    """A credited call would take the run past --max-credits: it is not sent."""


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


def created_key(catalog: Contract, oid: str, body: Any) -> Any:
    """The id of the record a create (or dispatch) answered with, read the way the spec shapes that answer."""
    binding = catalog.decls[oid].binding
    assert binding is not None
    key = catalog.resources[binding.resource].key
    if binding.response is not None:
        return template_value(binding.response, body, key)
    if isinstance(body, dict):
        if key in body:
            return body[key]
        if isinstance(body.get("data"), dict):
            return body["data"].get(key)
    return None


def _rows(body: Any) -> list[dict[str, Any]]:
    rows = body.get("data") if isinstance(body, dict) else body
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


@dataclass
class Created:
    resource: str
    key: Any
    role: str
    parent: Any


class Known:
    def __init__(self, catalog: Contract, target: Target, gen: Generator, gates: Gates, coercer: QueryTypes,
                 callback_url: str | None = None):
        self.catalog = catalog
        self.callback_url = callback_url  # the suite's own webhook receiver
        self.target = target
        self.gen = gen
        self.gates = gates
        self.coercer = coercer
        self.created: list[Created] = []
        self._ids: dict[tuple[str, str], list[Any]] = {}
        self._parent: dict[tuple[str, Any], Any] = {}
        self._lock = threading.RLock()

    # -- ids --------------------------------------------------------------------------------------------------
    def ids(self, resource: str, role: str = "team") -> list[Any]:
        cache_key = (role, resource)
        with self._lock:
            if cache_key not in self._ids:
                self._ids[cache_key] = []  # guards parent cycles while listing
                self._ids[cache_key] = self._list(resource, role) or self._create(resource, role)
            return self._ids[cache_key]

    def parent_of(self, resource: str, key: Any) -> Any:
        return self._parent.get((resource, key))

    def add(self, resource: str, key: Any, role: str = "team", parent: Any = None) -> None:
        with self._lock:
            self.ids(resource, role).insert(0, key)
            if parent is not None:
                self._parent[(resource, key)] = parent

    def forget(self, resource: str, key: Any) -> None:
        with self._lock:
            for (_role, name), ids in self._ids.items():
                if name == resource and key in ids:
                    ids.remove(key)
            self.created = [c for c in self.created if (c.resource, c.key) != (resource, key)]

    def made_by_run(self, resource: str, key: Any) -> bool:
        return any((c.resource, c.key) == (resource, key) for c in self.created)

    def _list(self, resource: str, role: str) -> list[Any]:
        lister = self.catalog.lister(resource)
        if lister is None:
            return []
        binding = self.catalog.decls[lister].binding
        assert binding is not None
        decl = self.catalog.resources[resource]
        parents: list[Any] = [None]
        if binding.parent_param:
            parents = self.ids(self.catalog.parent_of(lister)[0], role)[:PARENTS_LISTED]
        found: list[Any] = []
        for parent in parents:
            values = {binding.parent_param: parent} if binding.parent_param else {}
            try:
                exchange = self.send(lister, values, role)
            except TransportFailed:
                continue  # the check that asked for records reports its own transport failure, if any
            if not exchange.ok:
                continue
            for row in _rows(exchange.json()):
                if decl.key in row and row[decl.key] not in found:
                    found.append(row[decl.key])
                    parent_key = parent if parent is not None else (row.get(decl.parent[1]) if decl.parent else None)
                    if parent_key is not None:
                        self._parent[(resource, row[decl.key])] = parent_key
        return found

    def _create(self, resource: str, role: str) -> list[Any]:
        creator = self.catalog.creator(resource)
        if creator is None or self.gates.blocked(self.catalog, creator):
            return []
        try:
            key = self.create(creator, role)
        except (TransportFailed, BudgetReached):
            return []
        return [key] if key is not None else []

    def create(self, creator: str, role: str = "team") -> Any:
        """Create one record through `creator`; its id (None when the server refused)."""
        values = self.path_values(creator, role)
        exchange = self.send(creator, values, role)
        return created_key(self.catalog, creator, exchange.json()) if exchange.ok else None

    def note_created(self, creator: str, body: Any, values: dict[str, Any], role: str) -> Any:
        """Remember the record a served create answered with, for clean-up; its id (None when unnamed)."""
        key = created_key(self.catalog, creator, body)
        binding = self.catalog.decls[creator].binding
        assert binding is not None
        if key is None or self.made_by_run(binding.resource, key):
            return key
        parent = values.get(binding.parent_param) if binding.parent_param else None
        with self._lock:
            if parent is not None:
                self._parent[(binding.resource, key)] = parent
            self.created.append(Created(binding.resource, key, role, parent))
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
        try:
            body = self.send(ledger, {}, role).json()
        except TransportFailed:
            return None
        value = body.get("balance") if isinstance(body, dict) else None
        return value if isinstance(value, int) else None

    # -- requests ---------------------------------------------------------------------------------------------
    def path_values(self, oid: str, role: str = "team", last: bool = False) -> dict[str, Any]:
        """Path values naming live records: the bound record, its parent, and parameters before the id that
        name the record's parent (`/tracking-projects/{id}/cited-sources/{source_id}`)."""
        binding = self.catalog.decls[oid].binding
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
                self.name_record(oid, values, binding.resource, key)
        return values

    def name_record(self, oid: str, values: dict[str, Any], resource: str, key: Any) -> dict[str, Any]:
        """`values` with the bound id set to `key`, and the one unbound path parameter before it set to the
        record's parent, where the record has one."""
        binding = self.catalog.decls[oid].binding
        assert binding is not None and binding.id_param is not None
        values[binding.id_param] = key
        parent = self.parent_of(resource, key)
        params = self.catalog.ops[oid].path_params
        before = params[:params.index(binding.id_param)] if binding.id_param in params else []
        unbound = [p for p in before if p not in values]
        if parent is not None and len(unbound) == 1:
            values[unbound[0]] = parent
        return values

    def request(self, oid: str, values: dict[str, Any], role: str | None = "team") -> PreparedRequest:
        """A valid request; a create that names its parent in the body names one of the caller's records, and a
        callback URL in the body names the suite's own receiver."""
        request = build(self.catalog.ops[oid], values, self.gen)
        webhook = self.catalog.decls[oid].webhook
        if webhook is not None and self.callback_url and isinstance(request.json, dict) \
                and webhook.url_field in request.json:
            request.json[webhook.url_field] = self.callback_url
        binding = self.catalog.decls[oid].binding
        if binding and binding.action == "create" and not binding.parent_param and isinstance(request.json, dict):
            parent, field = self.catalog.parent_of(oid)
            if field in request.json and role:
                owned = self.ids(parent, role)
                if owned:
                    request.json[field] = owned[0]
        return request

    def cost(self, oid: str, expr: Expression, request: PreparedRequest, path: dict[str, Any],
             record: dict[str, Any] | None) -> int:
        """A credit expression evaluated over the request the way x-mock-credits defines it (ceil, never
        negative)."""
        env = {"body": request.json if isinstance(request.json, dict) else {},
               "query": self.coercer.query(oid, parse_qsl(urlsplit(request.path).query, keep_blank_values=True)),
               "path": path, "record": record or {}}
        try:
            return max(0, int(math.ceil(float(expr.evaluate(env) or 0))))
        except (TypeError, ValueError):
            return 0

    def send(self, oid: str, values: dict[str, Any], role: str | None = "team") -> Exchange:
        return self.send_request(oid, self.request(oid, values, role), role, values)

    def send_request(self, oid: str, request: PreparedRequest, role: str | None = "team",
                     values: dict[str, Any] | None = None, retry: bool = True) -> Exchange:
        """Send through the run's gates: a credited call reserves its declared cost within --max-credits first
        (BudgetReached when it does not fit)."""
        values = values if values is not None else values_in_path(self.catalog.ops[oid].path, request.path)
        credits = self.catalog.decls[oid].credits
        # the low-credit team cannot pay by construction: its refused calls spend nothing
        if credits is not None and credits.spends and self.gates.max_credits is not None and role != "low":
            cost = self.cost(oid, credits.cost, request, values, None)
            if credits.deferred is not None:
                cost += self.cost(oid, credits.deferred, request, values, None)
            if not self.gates.reserve(cost):
                raise BudgetReached(f"credit budget reached ({self.gates.budget_note}): {oid} would cost {cost}")
        exchange = self.target.send(oid, request, role, retry=retry)
        binding = self.catalog.decls[oid].binding
        if exchange.ok and binding is not None and binding.action == "create" and role is not None:
            self.note_created(oid, exchange.json(), values, role)
        return exchange

    # -- clean-up ---------------------------------------------------------------------------------------------
    def clean_up(self) -> list[str]:
        """Delete every record the run created, newest first (children before parents); the ones that remain,
        each with why."""
        remaining = []
        for made in reversed(list(self.created)):
            deleter = self._deleter(made.resource)
            if deleter is None:
                remaining.append(f"{made.resource} {made.key!r}: the contract has no delete for it")
                continue
            values = self.name_record(deleter, {}, made.resource, made.key)
            missing = [p for p in self.catalog.ops[deleter].path_params if p not in values]
            if missing:
                remaining.append(f"{made.resource} {made.key!r}: {deleter} needs {', '.join(missing)}")
                continue
            try:
                answer = self.send(deleter, values, made.role)
            except (TransportFailed, BudgetReached) as exc:
                remaining.append(f"{made.resource} {made.key!r}: {deleter} failed ({exc})")
                continue
            if not answer.ok and answer.status not in (404, 410):
                remaining.append(f"{made.resource} {made.key!r}: {deleter} answered {answer.status}")
        self.created = []
        return remaining

    def _deleter(self, resource: str) -> str | None:
        """The operation that deletes one record of `resource` for good where the contract has one (a purge
        after a soft delete counts as a second step, not done here)."""
        for oid in self.catalog.bound(resource, "delete", with_id=True):
            if not self.catalog.decls[oid].admin and not self.catalog.spends(oid):
                return oid
        return None
