"""A typed registry of named items that refuses a second item under a name already taken (Schemathesis keeps its
checks the same way, `core/registries.py`): two checks reporting under one name would merge their outcomes."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from .names import CheckName

if TYPE_CHECKING:
    from .context import Context


class Named(Protocol):
    @property
    def name(self) -> CheckName: ...


T = TypeVar("T", bound=Named)


class DuplicateName(ValueError):
    """A second item was registered under a name the registry already holds."""


class Registry(Generic[T]):
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[CheckName, T] = {}

    def register(self, item: T) -> T:
        if item.name in self._items:
            raise DuplicateName(f"{item.name!r} is already registered")
        self._items[item.name] = item
        return item

    def unregister(self, name: str) -> None:
        del self._items[CheckName(name)]

    def names(self) -> list[CheckName]:
        return list(self._items)

    def get(self, name: CheckName) -> T:
        return self._items[name]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


Applies = Callable[["Context", str], bool]
Needs = Callable[["Context"], "str | None"]
RunOne = Callable[["Context", str], None]


def _always(ctx: Context) -> str | None:
    return None


@dataclass(frozen=True)
class Check:
    """One of the suite's own flows: which operations it applies to, what the run must allow for it (None, or the
    flag it lacks), the flow for one operation, and whether operations may be checked at once (not when the flow
    measures shared state: a balance, a rate-limit window)."""
    name: CheckName
    summary: str
    applies: Applies
    run_one: RunOne
    needs: Needs = _always
    concurrent: bool = True


def check(name: CheckName, summary: str, applies: Applies, needs: Needs = _always,
          concurrent: bool = True) -> Callable[[RunOne], Check]:
    """Turn a flow function into a `Check`; the package's `load_all` registers it, in the order a run needs."""
    def make(run_one: RunOne) -> Check:
        return Check(name, summary, applies, run_one, needs, concurrent)
    return make
