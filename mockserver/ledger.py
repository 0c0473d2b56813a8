"""Per-team credit balances and the ledger of every debit. Check and debit happen in one synchronous step, so
concurrent requests on the event loop can never overdraw a team."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Entry:
    id: int
    team: str
    amount: int
    balance_after: int
    reason: str
    operation: str
    created_at: str


class InsufficientCredits(Exception):
    def __init__(self, required: int, balance: int):
        super().__init__(f"required {required}, balance {balance}")
        self.required = required
        self.balance = balance


class Ledger:
    def __init__(self) -> None:
        self.balances: dict[str, int] = {}
        self.entries: list[Entry] = []

    def open(self, team: str, balance: int) -> None:
        self.balances[team] = balance

    def balance(self, team: str) -> int:
        return self.balances.get(team, 0)

    def debit(self, team: str, amount: int, operation: str, at: str, partial: bool = False) -> int:
        """Debit `amount`; with `partial`, as much as the balance allows (documented "up to" costs)."""
        balance = self.balances.get(team, 0)
        if amount > balance:
            if not partial:
                raise InsufficientCredits(amount, balance)
            amount = balance
        if amount <= 0:
            return 0
        self.balances[team] = balance - amount
        self.entries.append(Entry(len(self.entries) + 1, team, -amount, balance - amount, "debit", operation, at))
        return amount

    def set_balance(self, team: str, balance: int, at: str) -> None:
        delta = balance - self.balances.get(team, 0)
        self.balances[team] = balance
        self.entries.append(Entry(len(self.entries) + 1, team, delta, balance, "adjustment", "mock-control", at))

    def history(self, team: str) -> list[Entry]:
        return [e for e in reversed(self.entries) if e.team == team]
