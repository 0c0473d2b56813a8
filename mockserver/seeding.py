"""Seed data: every declared resource gets records per team (per parent record, for children), generated from
its schema and the declared fixture values, so each spec gets realistic fixtures without code."""
from __future__ import annotations

from datetime import timedelta

from .declarations import ResourceDecl
from .engine import Engine
from .generator import BASE_TIME, iso
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
    far_future = iso(BASE_TIME + timedelta(days=3650))
    for team in directory.teams.values():
        engine.ledger.open(team.key, team.credits)
    owners = [(t.key, t.id, t.id * 10 + 1) for t in directory.teams.values()]
    for name in creation_order(resources):
        decl = resources[name]
        teams = owners if decl.scope == "team" else [(None, None, None)]
        for team_key, team_id, user_id in teams:
            parents = [None]
            if decl.parent:
                parents = [p for p in engine.store.all(decl.parent[0]) if p.team == team_key or p.team is None]
            for parent in parents:
                for _ in range(decl.fixture_count):
                    minute += 1
                    at = iso(BASE_TIME - timedelta(minutes=100000 - minute))
                    stored = engine.new_record(name, team_key, team_id, user_id, parent, None, at)
                    if decl.expires:
                        stored.fields[decl.expires[0]] = far_future
                    apply_writes(decl.fixture_values, stored.fields, at,
                                 lambda field, n=name: engine.generate_field(n, field))
                    engine.settle_fixture(stored)
    return engine.store.count()
