"""`--state sqlite:PATH`: the mock's state in SQLite, so a restarted mock (even one killed with SIGKILL) goes on
where it stopped.

Kept: every record (fields, owning team, job progress, internal fields), the id counters, the ledger (balances
and every entry), the throttle windows, the clock (offset, frozen), pending job failures and the job queues.
Not kept: the request log, injected faults and webhook deliveries (diagnostics and steering, not state), and
the data generator's position: values made up after a restart (new records, `$generate` fills) differ from what
an uninterrupted mock would have made, and are as valid.

Durability: the mock hands every HTTP answer's `send` through `durable()`, so `flush()` runs when the answer
starts: after the request's writes, before the client can see them. A flush is one transaction holding only
what changed. What may have changed is known without scanning the store: the records the store handed out,
stored or removed since the last flush (`Store.touched`), and those with a running job (the clock moves them);
each is compared with what was last written. The ticker flushes too, for jobs that move while nobody asks.

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
from collections.abc import Awaitable, Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ledger import Entry, Ledger
from .queue import Entry as QueueEntry
from .store import Store, Stored

if TYPE_CHECKING:
    from .app import Mock

FORMAT = "1"  # part of a state's identity: change it when what is written changes shape
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (resource TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                                    body TEXT NOT NULL, PRIMARY KEY (resource, key));
CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""
STORE_META = ("seq", "counters", "uuid_seed")  # Store fields beside its records
Send = Callable[[dict], Awaitable[None]]


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


def attach(mock: Mock, state: str) -> Persistence:
    """The persistence of `mock` in the file `state` names, restored from it when it holds a state. Every
    problem with the file is a ValueError (the CLI answers those with a message and exit 2)."""
    path = parse(state)
    try:
        return Persistence(mock, path)
    except sqlite3.Error as exc:
        reason = "another mock is serving it" if "locked" in str(exc) else str(exc)
        raise ValueError(f"--state {state!r}: cannot keep the mock's state in {path}: {reason}") from None
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--state {state!r}: {path} is not a state this mock can read ({exc!r}); delete it "
                         "to start afresh") from None


class Persistence:
    def __init__(self, mock: Mock, path: Path):
        self.mock = mock
        self.path = path
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
        self.identity = self._identity()
        self.restored = False
        self._reset_memory()
        saved = self._meta("identity")
        if saved is not None:
            if saved != self.identity:
                raise ValueError(f"{self.path} holds the state of another spec, fixtures or mock version than "
                                 f"{self.mock.spec_path}; delete it or choose another --state path")
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

    def _identity(self) -> str:
        """The spec, teams and format the state belongs to: restored records must match their schemas and teams."""
        digest = hashlib.sha256(FORMAT.encode() + self.mock.spec_path.read_bytes())
        directory = self.mock.directory
        digest.update(_dump({"teams": sorted(directory.teams), "tokens": sorted(directory.tokens)}).encode())
        return digest.hexdigest()

    def _meta(self, name: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    # -- state as named sections ------------------------------------------------------------------------------
    def _sections(self) -> dict[str, str]:
        engine, clock, jobs = self.mock.engine, self.mock.clock, self.mock.engine.jobs
        queues = []
        for (resource, field), queue in jobs.queues.items():
            entries = [[e.stored.resource, e.stored.key, e.started, e.entered, e.run_seconds, e.run_start]
                       for e in queue.entries]
            queues.append([resource, field, queue.time, entries])
        return {
            "identity": _dump(self.identity),
            "store": _dump({name: getattr(engine.store, name) for name in STORE_META}),
            "balances": _dump(engine.ledger.balances),
            "clock": _dump({"offset": clock.offset, "frozen_at": clock.frozen_at}),
            "jobs": _dump({"fail_next": jobs.fail_next, "queues": queues}),
        }

    # -- writing ----------------------------------------------------------------------------------------------
    def durable(self, send: Send) -> Send:
        """`send` that writes the state down before an answer starts: what a client sees acknowledged is kept."""
        async def send_durably(message: dict) -> None:
            if message["type"] == "http.response.start":
                self.flush()
            await send(message)

        return send_durably

    def snapshot(self) -> None:
        """Write the whole state anew (after a reset)."""
        with self._lock:
            self._write_all()

    def flush(self) -> None:
        """Write what changed since the last write, in one transaction."""
        with self._lock:
            engine = self.mock.engine
            if engine.store is not self.store or engine.ledger is not self.ledger:
                self._write_all()  # replaced wholesale (a reset): nothing to compare with
                return
            statements = self._record_changes() + self._ledger_changes() + self._window_changes()
            statements += self._meta_changes()
            self._commit(statements)

    def close(self) -> None:
        self.flush()
        self.db.close()

    def _commit(self, statements: list[tuple[str, tuple]]) -> None:
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
        engine = self.mock.engine
        self._reset_memory()
        statements: list[tuple[str, tuple]] = [("DELETE FROM " + table, ()) for table in
                                               ("records", "entries", "windows", "meta")]
        self.store, self.ledger = engine.store, engine.ledger
        engine.store.touched = set()
        engine.store.touched.update((r, k) for r, items in engine.store.items.items() for k in items)
        statements += self._record_changes() + self._ledger_changes() + self._window_changes()
        statements += self._meta_changes()
        self._commit(statements)

    def _record_changes(self) -> list[tuple[str, tuple]]:
        store, jobs = self.mock.engine.store, self.mock.engine.jobs
        candidates = store.touched | self.watch | set(jobs.running)
        store.touched.clear()
        out = []
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
        self.watch = set(jobs.running)
        return out

    def _ledger_changes(self) -> list[tuple[str, tuple]]:
        entries = self.mock.engine.ledger.entries
        new = entries[self.entries:]
        self.entries = len(entries)
        return [("INSERT OR REPLACE INTO entries (id, body) VALUES (?, ?)", (e.id, _dump(vars(e)))) for e in new]

    def _window_changes(self) -> list[tuple[str, tuple]]:
        current = {_dump(list(key)): _dump(slot) for key, slot in self.mock.engine.throttle.windows.items()}
        out = [("DELETE FROM windows WHERE key = ?", (key,)) for key in self.windows.keys() - current.keys()]
        out += [("INSERT OR REPLACE INTO windows (key, body) VALUES (?, ?)", (key, body))
                for key, body in current.items() if self.windows.get(key) != body]
        self.windows = current
        return out

    def _meta_changes(self) -> list[tuple[str, tuple]]:
        current = self._sections()
        out = [("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))
               for name, value in current.items() if self.meta.get(name) != value]
        self.meta = current
        return out

    # -- reading ----------------------------------------------------------------------------------------------
    def _restore(self) -> None:
        mock, engine = self.mock, self.mock.engine
        store = Store(**self._meta("store"))
        for body, in self.db.execute("SELECT body FROM records ORDER BY seq"):
            stored = Stored(**json.loads(body))
            store.items.setdefault(stored.resource, {})[stored.key] = stored
        ledger = Ledger()
        ledger.balances = self._meta("balances")
        rows = self.db.execute("SELECT body FROM entries ORDER BY id")
        ledger.entries = [Entry(**json.loads(body)) for body, in rows]
        engine.store = engine.jobs.store = store
        engine.ledger = ledger
        engine.throttle.windows = {tuple(json.loads(key)): json.loads(body)
                                   for key, body in self.db.execute("SELECT key, body FROM windows")}
        clock = self._meta("clock")
        mock.clock.offset, mock.clock.frozen_at = clock["offset"], clock["frozen_at"]
        self._restore_jobs(store, self._meta("jobs"))
        with self._lock:
            self._write_all()  # rewrites what was read, and sets up the comparison for the next flush

    def _restore_jobs(self, store: Store, saved: dict) -> None:
        jobs = self.mock.engine.jobs
        jobs.frozen = self.mock.clock.frozen_at is not None
        jobs.fail_next = saved["fail_next"]
        jobs.running.clear()
        for items in store.items.values():
            for stored in items.values():
                if stored.job and not stored.job["done"]:
                    jobs.resume(stored)
        for resource, field, time, entries in saved["queues"]:
            queue = jobs.queues[(resource, field)]
            queue.time = time
            queue.entries = []
            for res, key, started, entered, run_seconds, run_start in entries:
                stored = store.items[res][key]
                queue.entries.append(QueueEntry(stored, jobs.decls[stored.job["op"]], started, entered, run_seconds,
                                                run_start))
