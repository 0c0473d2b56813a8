"""Seed data: every declared resource gets records per team (per parent record, for children), generated from
its schema and the declared fixture values, so each spec gets realistic fixtures without code."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from contract import BASE_TIME, ResourceDecl, iso_utc

from .engine import Engine
from .store import Stored
from .teams import Directory
from .values import apply_writes


def creation_order(resources: dict[str, ResourceDecl]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, trail: tuple[str, ...] = ()) -> None:
        if name in seen or name in trail or name not in resources:
            return
        parent = resources[name].parent
        if parent:
            visit(parent[0], trail + (name,))
        seen.add(name)
        order.append(name)

    for name in resources:
        visit(name)
    return order


def seed(engine: Engine, directory: Directory) -> int:
    resources = engine.resources
    minute = 0
    far_future = iso_utc((BASE_TIME + timedelta(days=3650)).timestamp())
    for team in directory.teams.values():
        engine.state.ledger.open(team.key, team.credits)
    owners = [(t.key, t.id, t.id * 10 + 1) for t in directory.teams.values()]
    for name in creation_order(resources):
        decl = resources[name]
        teams = owners if decl.scope == "team" else [(None, None, None)]
        for team_key, team_id, user_id in teams:
            parents: list[Stored | None] = [None]
            if decl.parent:
                parents = [p for p in engine.state.store.all(decl.parent[0]) if p.team == team_key or p.team is None]
            for index, parent in enumerate(parents):
                for values in fixture_rows(decl, index):
                    minute += 1
                    at = iso_utc((BASE_TIME - timedelta(minutes=100000 - minute)).timestamp())
                    stored = engine.new_record(name, team_key, team_id, user_id, parent, None, at)
                    if decl.expires:
                        stored.fields[decl.expires[0]] = far_future
                    stored = _apply_fixture(engine, decl, stored, {**decl.fixture_values, **values}, at)
                    engine.settle_fixture(stored)
    return engine.state.store.count()


def fixture_rows(decl: ResourceDecl, index: int) -> list[dict[str, Any]]:
    """The field values of the records a parent gets: `fixtures.sets[index]` (the index-th parent of a team; a
    resource without parent takes the first set), else `count` records of the fixture values alone."""
    if decl.fixture_sets is None:
        return [{}] * decl.fixture_count
    return list(decl.fixture_sets[index]) if index < len(decl.fixture_sets) else []


def _apply_fixture(engine: Engine, decl: ResourceDecl, stored: Stored, writes: dict[str, Any], at: str) -> Stored:
    """Write a fixture's values (internal fields beside the record); `{$calendar}` dates count from the mock
    clock's now, so "this month" fixtures stay in this month. A fixture that sets the id is stored under it."""
    env = {"body": {}, "query": {}, "path": {}, "record": stored.fields, "now": engine.state.clock.now_iso()}
    public = {k: v for k, v in writes.items() if k not in decl.internal}
    internal = {k: v for k, v in writes.items() if k in decl.internal}
    apply_writes(public, stored.fields, at, lambda field: engine.generate_field(decl.name, field), env)
    generator = engine.state.generator
    apply_writes(internal, stored.internal, at, lambda field: generator.value(decl.internal[field], field), env)
    key = stored.fields.get(decl.key)
    if key != stored.key:
        engine.state.store.remove(decl.name, stored.key)
        moved = engine.state.store.put(decl.name, key, stored.fields, stored.team)
        moved.internal = stored.internal
        return moved
    return stored
