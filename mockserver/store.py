"""The resource store: every record the mock knows, with the team that owns it and its job state.

Records are the JSON bodies the spec describes; ownership and job progress live beside them, never in them, so
a record can be answered as it is.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stored:
    resource: str
    key: Any
    fields: dict[str, Any]
    team: str | None
    seq: int
    job: dict[str, Any] | None = None  # {"op", "started", "fail", "done"}: see jobs.py
    # x-mock-resources.<name>.internal: kept beside, never answered
    internal: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        """The record with its internal fields, for the rules that may read them (filters, templates)."""
        return {**self.internal, **self.fields} if self.internal else self.fields


@dataclass
class Store:
    items: dict[str, dict[Any, Stored]] = field(default_factory=dict)
    seq: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    uuid_seed: int = 0
    # (resource, key) of every record handed out, stored or removed since the owner last emptied it: the records
    # a request may have changed. None (the default) tracks nothing; persistence.py sets it.
    touched: set[tuple[str, Any]] | None = field(default=None, repr=False, compare=False)

    def new_key(self, resource: str, kind: str) -> Any:
        if kind == "integer":
            self.counters[resource] = self.counters.get(resource, 0) + 1
            return self.counters[resource]
        self.uuid_seed += 1
        value = uuid.uuid5(uuid.NAMESPACE_URL, f"{resource}/{self.uuid_seed}/{self.seq}")
        return str(value) if kind == "uuid" else value.hex[:12]

    def put(self, resource: str, key: Any, fields: dict[str, Any], team: str | None,
            job: dict[str, Any] | None = None) -> Stored:
        self.seq += 1
        if isinstance(key, int):
            self.counters[resource] = max(self.counters.get(resource, 0), key)
        stored = Stored(resource, key, fields, team, self.seq, job)
        self.items.setdefault(resource, {})[key] = stored
        if self.touched is not None:
            self.touched.add((resource, key))
        return stored

    def get(self, resource: str, key: Any) -> Stored | None:
        if self.touched is not None:
            self.touched.add((resource, key))
        return self.items.get(resource, {}).get(key)

    def remove(self, resource: str, key: Any) -> None:
        if self.touched is not None:
            self.touched.add((resource, key))
        self.items.get(resource, {}).pop(key, None)

    def all(self, resource: str) -> Iterator[Stored]:
        return iter(self.items.get(resource, {}).values())

    def count(self) -> int:
        return sum(len(v) for v in self.items.values())
