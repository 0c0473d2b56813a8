"""`--state sqlite:PATH`: the mock's state in SQLite, so a restarted mock (even one killed with SIGKILL) goes on
where it stopped.

What is kept is said per field of `MockState` (state.py) in `KEPT` and `LEFT` below, and a test holds the two
tables to the dataclass: every record (fields, owning team, job progress, internal fields), the id counters,
the ledger (balances and every entry), the throttle windows, the clock (offset, frozen), pending job failures
and the job queues are kept; the request journal, injected faults and webhook deliveries (diagnostics and
steering) and the data generator's position are not.

Durability: `DurableMiddleware` wraps the mock, so `flush()` runs when each HTTP answer starts: after the
request's writes, before the client can see them. A flush is one transaction holding only what changed. What
may have changed is known without scanning the store: the records the store handed out, stored or removed
since the last flush (`Store.touched`), and those with a running job (the clock moves them); each is compared
with what was last written. The ticker flushes too, for jobs that move while nobody asks.

The database runs in WAL mode with synchronous=NORMAL: a commit is appended to the write-ahead log in one
write() and no fsync, and the operating system keeps that data when the process dies (SIGKILL, OOM kill,
crash), so every acknowledged write survives the mock itself failing. Only a crash of the whole machine could
lose the last commits; synchronous=FULL would prevent that with an fsync per answer (milliseconds each), which
test state is not worth. The file is locked exclusively, so two mocks cannot interleave their writes into it.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .jobs import Jobs
from .ledger import Entry, Ledger
from .queue import Entry as QueueEntry
from .state import JobBook, MockState
from .store import Store, Stored
from .teams import Directory
from .throttle import Throttle

FORMAT = "1"  # part of a state's identity: change it when what is written changes shape
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (resource TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                                    body TEXT NOT NULL, PRIMARY KEY (resource, key));
CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""
STORE_META = ("seq", "counters", "uuid_seed")  # Store fields beside its records
Statement = tuple[str, tuple[Any, ...]]  # SQL and its arguments


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _record_body(stored: Stored) -> str:
    return _dump({f.name: getattr(stored, f.name) for f in fields(Stored)})


def parse(state: str) -> Path:
    """`sqlite:PATH` → PATH; anything else is a usage error."""
    kind, _, rest = state.partition(":")
    if kind != "sqlite" or not rest.strip():
        raise ValueError(f"--state {state!r}: expected memory or sqlite:PATH")
    return Path(rest)


def identity(spec_path: Path, directory: Directory) -> str:
    """The spec, teams and format a state belongs to: restored records must match their schemas and teams."""
    digest = hashlib.sha256(FORMAT.encode() + spec_path.read_bytes())
    digest.update(_dump({"teams": sorted(directory.teams), "tokens": sorted(directory.tokens)}).encode())
    return digest.hexdigest()


def attach(state: MockState, jobs: Jobs, where: str, spec_path: Path, directory: Directory) -> Persistence:
    """The persistence of a mock's `state` in the file `where` names (`sqlite:PATH`), restored from it when it
    holds a state of this spec and these teams. Every problem with the file is a ValueError (the CLI answers
    those with a message and exit 2)."""
    path = parse(where)
    try:
        return Persistence(state, jobs, path, identity(spec_path, directory), str(spec_path))
    except sqlite3.Error as exc:
        reason = "another mock is serving it" if "locked" in str(exc) else str(exc)
        raise ValueError(f"--state {where!r}: cannot keep the mock's state in {path}: {reason}") from None
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--state {where!r}: {path} is not a state this mock can read ({exc!r}); delete it "
                         "to start afresh") from None


class Persistence:
    def __init__(self, state: MockState, jobs: Jobs, path: Path, identity: str, spec: str):
        self.state = state
        self.jobs = jobs  # restored jobs resume on the job machine
        self.path = path
        self.identity = identity
        self.spec = spec
        self._lock = threading.Lock()  # the server's loop and a test's thread may both flush
        # check_same_thread=False: the server's loop may run in another thread than the one that built the mock
        # (test clients); timeout=0: a file another mock holds is an error at once, not after a wait
        self.db = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            self._open()
        except BaseException:
            self.db.close()  # releases the file's lock
            raise

    def _open(self) -> None:
        db = self.db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("the file system does not support SQLite's write-ahead log")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")  # takes the exclusive lock now, not at the first answer
        db.executescript(SCHEMA)  # commits; the lock stays
        self.restored = False
        self._reset_memory()
        saved = self._meta("identity")
        if saved is not None:
            if saved != self.identity:
                raise ValueError(f"{self.path} holds the state of another spec, fixtures or mock version than "
                                 f"{self.spec}; delete it or choose another --state path")
            self._restore()
            self.restored = True

    # -- what was written last ------------------------------------------------------------------------------------
    def _reset_memory(self) -> None:
        self.store: Store | None = None
        self.ledger: Ledger | None = None
        self.records: dict[tuple[str, Any], str] = {}  # (resource, key) -> body as written
        self.entries = 0  # ledger entries written
        self.windows: dict[str, str] = {}
        self.meta: dict[str, str] = {}
        self.watch: set[tuple[str, Any]] = set()  # records whose job ran at the last flush

    def _meta(self, name: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    # -- state as named sections ------------------------------------------------------------------------------
    def _sections(self) -> dict[str, str]:
        state = self.state
        return {
            "identity": _dump(self.identity),
            "store": _dump(_store_meta(state.store)),
            "balances": _dump(state.ledger.balances),
            "clock": _dump(_clock(state)),
            "jobs": _dump(_jobs(state.jobs)),
        }

    # -- writing ----------------------------------------------------------------------------------------------
    def snapshot(self) -> None:
        """Write the whole state anew (after a reset)."""
        with self._lock:
            self._write_all()

    def flush(self) -> None:
        """Write what changed since the last write, in one transaction."""
        with self._lock:
            if self.state.store is not self.store or self.state.ledger is not self.ledger:
                self._write_all()  # replaced wholesale (a reset): nothing to compare with
                return
            statements = self._record_changes() + self._ledger_changes() + self._window_changes()
            statements += self._meta_changes()
            self._commit(statements)

    def close(self) -> None:
        self.flush()
        self.db.close()

    def _commit(self, statements: list[Statement]) -> None:
        if not statements:
            return
        try:
            self.db.execute("BEGIN")
            for sql, args in statements:
                self.db.execute(sql, args)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            # what is in memory no longer says what is on disk: the next flush writes everything
            self.store = self.ledger = None
            raise

    def _write_all(self) -> None:
        store = self.state.store
        self._reset_memory()
        statements: list[Statement] = [("DELETE FROM " + table, ()) for table in
                                               ("records", "entries", "windows", "meta")]
        self.store, self.ledger = store, self.state.ledger
        store.touched = set()
        store.touched.update((r, k) for r, items in store.items.items() for k in items)
        statements += self._record_changes() + self._ledger_changes() + self._window_changes()
        statements += self._meta_changes()
        self._commit(statements)

    def _record_changes(self) -> list[Statement]:
        store, running = self.state.store, self.state.jobs.running
        touched = store.touched if store.touched is not None else set()
        candidates = touched | self.watch | set(running)
        touched.clear()
        out: list[Statement] = []
        for resource, key in candidates:
            stored = store.items.get(resource, {}).get(key)
            row_key = (resource, _dump(key))
            if stored is None:
                if self.records.pop((resource, key), None) is not None:
                    out.append(("DELETE FROM records WHERE resource = ? AND key = ?", row_key))
                continue
            body = _record_body(stored)
            if self.records.get((resource, key)) != body:
                self.records[(resource, key)] = body
                out.append(("INSERT OR REPLACE INTO records (resource, key, seq, body) VALUES (?, ?, ?, ?)",
                            row_key + (stored.seq, body)))
        self.watch = set(running)
        return out

    def _ledger_changes(self) -> list[Statement]:
        entries = self.state.ledger.entries
        new = entries[self.entries:]
        self.entries = len(entries)
        return [("INSERT OR REPLACE INTO entries (id, body) VALUES (?, ?)", (e.id, _dump(vars(e)))) for e in new]

    def _window_changes(self) -> list[Statement]:
        current = _windows(self.state.throttle)
        out: list[Statement] = [("DELETE FROM windows WHERE key = ?", (key,))
                                for key in self.windows.keys() - current.keys()]
        out += [("INSERT OR REPLACE INTO windows (key, body) VALUES (?, ?)", (key, body))
                for key, body in current.items() if self.windows.get(key) != body]
        self.windows = current
        return out

    def _meta_changes(self) -> list[Statement]:
        current = self._sections()
        out = [("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))
               for name, value in current.items() if self.meta.get(name) != value]
        self.meta = current
        return out

    # -- reading ----------------------------------------------------------------------------------------------
    def _restore(self) -> None:
        for kept in KEPT.values():  # in order: the jobs' records are in the store read before them
            kept.restore(self)
        with self._lock:
            self._write_all()  # rewrites what was read, and sets up the comparison for the next flush

    def _restore_store(self) -> None:
        store = Store(**self._meta("store"))
        for body, in self.db.execute("SELECT body FROM records ORDER BY seq"):
            stored = Stored(**json.loads(body))
            store.items.setdefault(stored.resource, {})[stored.key] = stored
        self.state.store = store

    def _restore_ledger(self) -> None:
        ledger = Ledger()
        ledger.balances = self._meta("balances")
        rows = self.db.execute("SELECT body FROM entries ORDER BY id")
        ledger.entries = [Entry(**json.loads(body)) for body, in rows]
        self.state.ledger = ledger

    def _restore_throttle(self) -> None:
        throttle = Throttle()
        throttle.windows = {tuple(json.loads(key)): json.loads(body)
                            for key, body in self.db.execute("SELECT key, body FROM windows")}
        self.state.throttle = throttle

    def _restore_clock(self) -> None:
        saved = self._meta("clock")
        self.state.clock.offset, self.state.clock.frozen_at = saved["offset"], saved["frozen_at"]

    def _restore_jobs(self) -> None:
        saved, store, book = self._meta("jobs"), self.state.store, self.state.jobs
        book.frozen = self.state.clock.frozen_at is not None
        book.fail_next = saved["fail_next"]
        book.running.clear()
        for items in store.items.values():
            for stored in items.values():
                if stored.job and not stored.job["done"]:
                    self.jobs.resume(stored)
        for resource, field, time, entries in saved["queues"]:
            queue = book.queues[(resource, field)]
            queue.time = time
            queue.entries = []
            for res, key, started, entered, run_seconds, run_start in entries:
                stored = store.items[res][key]
                assert stored.job is not None, f"{res} {key} is queued without a job"
                queue.entries.append(QueueEntry(stored, self.jobs.decls[stored.job["op"]], started, entered,
                                                run_seconds, run_start))


class DurableMiddleware:
    """An answer starts only once the writes of its request are on disk: what a client sees acknowledged is
    kept (ASGI middleware, Starlette style: `flush()` runs when the response head goes out)."""

    def __init__(self, app: ASGIApp, persistence: Persistence) -> None:
        self.app = app
        self.persistence = persistence

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_durably(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.persistence.flush()
            await send(message)

        await self.app(scope, receive, send_durably)


# -- each part of MockState: how it is kept, and a picture that compares equal exactly when two parts hold the same

def _store_meta(store: Store) -> dict[str, Any]:
    return {name: getattr(store, name) for name in STORE_META}


def _store_picture(store: Store) -> dict[str, Any]:
    return {"records": {(resource, _dump(key)): json.dumps(vars(stored), sort_keys=True)
                        for resource, items in store.items.items() for key, stored in items.items()},
            "ids": _store_meta(store)}


def _ledger_picture(ledger: Ledger) -> dict[str, Any]:
    return {"balances": dict(ledger.balances), "entries": [vars(entry) for entry in ledger.entries]}


def _windows(throttle: Throttle) -> dict[str, str]:
    return {_dump(list(key)): _dump(slot) for key, slot in throttle.windows.items()}


def _clock(state: MockState) -> dict[str, Any]:
    return {"offset": state.clock.offset, "frozen_at": state.clock.frozen_at}


def _jobs(book: JobBook) -> dict[str, Any]:
    queues = []
    for (resource, field), queue in book.queues.items():
        entries = [[e.stored.resource, e.stored.key, e.started, e.entered, e.run_seconds, e.run_start]
                   for e in queue.entries]
        queues.append([resource, field, queue.time, entries])
    return {"fail_next": book.fail_next, "queues": queues}


@dataclass(frozen=True)
class Kept:
    where: str  # the tables and meta sections that hold it
    picture: Callable[[MockState], Any]
    restore: Callable[[Persistence], None]


KEPT: dict[str, Kept] = {
    "store": Kept("records table, meta store", lambda s: _store_picture(s.store), Persistence._restore_store),
    "ledger": Kept("entries table, meta balances", lambda s: _ledger_picture(s.ledger), Persistence._restore_ledger),
    "throttle": Kept("windows table", lambda s: _windows(s.throttle), Persistence._restore_throttle),
    "clock": Kept("meta clock", _clock, Persistence._restore_clock),
    # running jobs and their schedule come back from their records; the frozen flag from the clock
    "jobs": Kept("meta jobs", lambda s: _jobs(s.jobs), Persistence._restore_jobs),
}
LEFT: dict[str, str] = {
    "journal": "a diagnostic log of requests, not state a client relies on",
    "webhooks": "deliveries are attempts in flight; a restarted server does not resend them",
    "faults": "injected faults steer a test run; a restart clears them as a reset does",
    "generator": "values made up after a restart differ from what an uninterrupted mock would have made, and are "
                 "as valid",
}


def picture(state: MockState) -> dict[str, Any]:
    """Everything persistence keeps of `state`, in a form that compares equal exactly when the state is the same."""
    return {name: kept.picture(state) for name, kept in KEPT.items()}
