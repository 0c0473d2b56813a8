"""What a run may do to its target. Against the mock everything is allowed (its records and credits are
throw-away); against any other target (`--target staging`, the default for `--base-url`) the run sends only what
cannot destroy or spend unless asked: `--allow-writes` for creates, updates and deletes (of records the run
created), `--allow-spend` for credited calls, within `--max-credits`. Every part of a run (schemathesis' phases,
discovery, every check, the isolation probes) asks these gates."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from contract import SAFE_METHODS, Contract

MOCK, STAGING = "mock", "staging"
TARGETS = (MOCK, STAGING)
DESTRUCTIVE_ACTIONS = ("delete", "purge")


@dataclass
class Gates:
    target: str
    allow_writes: bool
    allow_spend: bool
    max_credits: int | None = None  # None: no budget (the mock)
    read_only: bool = False
    spent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_target(cls, target: str, allow_writes: bool, allow_spend: bool, max_credits: int | None,
                   read_only: bool) -> Gates:
        if target == MOCK:
            return cls(MOCK, not read_only, not read_only, None, read_only)
        return cls(STAGING, allow_writes and not read_only, allow_spend and not read_only, max_credits, read_only)

    @property
    def on_mock(self) -> bool:
        return self.target == MOCK

    def writes(self, catalog: Contract, oid: str) -> bool:
        return catalog.ops[oid].method not in SAFE_METHODS

    def destroys(self, catalog: Contract, oid: str) -> bool:
        binding = catalog.decls[oid].binding
        return catalog.ops[oid].method == "delete" or bool(binding and binding.action in DESTRUCTIVE_ACTIONS)

    def blocked(self, catalog: Contract, oid: str) -> str | None:
        """Why the run may not call `oid` for real, else None."""
        if self.writes(catalog, oid) and not self.allow_writes:
            return self.blocked_writes()
        if catalog.spends(oid) and not self.allow_spend:
            return "spends credits: needs --allow-spend"
        return None

    def blocked_writes(self) -> str | None:
        """Why the run may not write at all, else None."""
        if self.allow_writes:
            return None
        return "writes: not with --read-only" if self.read_only else "writes: needs --allow-writes"

    def fuzzable(self, catalog: Contract, oid: str) -> str | None:
        """Why schemathesis may not send generated requests to `oid`, else None. Off the mock it never sends
        deletes (a documented example id may name a real record) nor credited calls (generated input spends
        without a bound)."""
        reason = self.blocked(catalog, oid)
        if reason or self.on_mock:
            return reason
        if self.destroys(catalog, oid):
            return "deletes: only records the run created, by the suite's own checks"
        if catalog.spends(oid):
            return "spends credits: only the suite's own checks spend, within --max-credits"
        return None

    def reserve(self, credits: int) -> bool:
        """Count `credits` against the budget; False (nothing counted) when they would exceed it."""
        with self._lock:
            if self.max_credits is not None and self.spent + credits > self.max_credits:
                return False
            self.spent += credits
            return True

    @property
    def budget_note(self) -> str:
        return "no budget" if self.max_credits is None else f"{self.spent} of --max-credits {self.max_credits}"
