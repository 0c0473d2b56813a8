"""`--state sqlite:PATH`: a mock killed with SIGKILL mid-load comes back with every write it acknowledged and a
ledger that balances; every kind of write every operation makes is kept; bad values are a clear exit 2."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from conftest import ADMIN, API, BASE, ROOT, SPEC, TEAM_A, team_records
from starlette.testclient import TestClient

from mockserver import cli
from mockserver.app import Mock
from mockserver.persistence import KEPT, LEFT, attach
from mockserver.state import MockState

from .conftest import declared, flat_cost, send, state_of, valid_request

OPENING = 10_000  # team A's fixture balance
CREDITED = "detectAiScannerText"


def attach_to(mock: Mock, where: str):
    return attach(mock.state, mock.engine.jobs, where, mock.spec_path, mock.directory)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(state: Path) -> tuple[subprocess.Popen, str]:
    """`python -m mockserver serve --state sqlite:STATE` on a free port, once it answers (its log beside STATE)."""
    port, log = free_port(), state.with_suffix(".log")
    with log.open("ab") as sink:
        process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--spec", str(SPEC),
                                    "--port", str(port), "--state", f"sqlite:{state}"],
                                   cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the mock exited: {log.read_text()}")
        try:
            if httpx.get(f"{origin}/__mock", timeout=1).status_code == 200:
                return process, origin
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError("the mock did not come up")


def history(http: httpx.Client) -> list[dict]:
    entries, page = [], 1
    while True:
        body = http.get(f"{API}/credits/history?page={page}", headers=TEAM_A).json()
        entries += body["data"]
        if page >= body["meta"]["last_page"]:
            return entries
        page += 1


def test_acknowledged_writes_survive_sigkill_mid_load(tmp_path, shared_mock):
    requests = {oid: valid_request(shared_mock, oid) for oid in ("createProject", CREDITED)}
    cost = flat_cost(shared_mock, CREDITED)
    state = tmp_path / "mock.sqlite"
    process, origin = serve(state)
    try:
        with httpx.Client(base_url=origin) as control:
            assert control.put("/__mock/teams/team_a/credits", json={"balance": 5000}).status_code == 200
            assert control.post("/__mock/clock", json={"advance": 100}).status_code == 200
        created: dict[int, str] = {}  # acknowledged creates: id -> name
        charged = Counter()  # acknowledged and attempted credited calls
        lock, stop = threading.Lock(), threading.Event()

        def load(index: int) -> None:
            with httpx.Client(base_url=origin, timeout=10) as http:
                for call in range(10_000):
                    if stop.is_set():
                        return
                    name = f"client {index} call {call}"
                    try:
                        with lock:
                            charged["attempted"] += 1
                        credited = send(http, requests[CREDITED], TEAM_A)
                        if credited.status_code == 200:
                            with lock:
                                charged["acknowledged"] += 1
                        body = {**requests["createProject"].json, "name": name}
                        response = http.post(f"{API}/projects", headers=TEAM_A, json=body)
                    except httpx.HTTPError:
                        return  # the server is gone
                    if response.status_code == 201:
                        with lock:
                            created[response.json()["data"]["id"]] = name

        threads = [threading.Thread(target=load, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(created) < 150 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)  # while the clients are still sending
        process.wait()
        stop.set()
        for thread in threads:
            thread.join()
        assert charged["acknowledged"] >= 150

        process, origin = serve(state)
        with httpx.Client(base_url=origin) as http:
            for project_id, name in created.items():
                read = http.get(f"{API}/projects/{project_id}", headers=TEAM_A)
                assert read.status_code == 200 and read.json()["data"]["name"] == name
            entries = history(http)
            balance = http.get(f"{API}/credits", headers=TEAM_A).json()["balance"]
            debits = [e for e in entries if e["operation"] == CREDITED]
            assert charged["acknowledged"] <= len(debits) <= charged["attempted"]
            assert all(e["amount"] == -cost for e in debits)
            assert OPENING + sum(e["amount"] for e in entries) == balance  # the ledger balances
            assert http.get("/__mock/clock").json()["offset"] == 100
            fresh = http.post(f"{API}/projects", headers=TEAM_A, json=requests["createProject"].json)
            assert fresh.status_code == 201 and fresh.json()["data"]["id"] > max(created)
    finally:
        process.kill()
        process.wait()


def test_every_kind_of_write_is_kept_exactly(tmp_path):
    """Every operation once (deletes last), plus the control API's writes: a mock restarted on the same file holds
    exactly the state the first one had."""
    state = f"sqlite:{tmp_path / 'mock.sqlite'}"
    first = Mock(SPEC, state=state)
    assert not first.persistence.restored
    plans = sorted(first.engine.plans.values(),
                   key=lambda plan: bool(plan.decl.binding) and plan.decl.binding.action in ("delete", "purge"))
    statuses = Counter()
    with TestClient(first, base_url=BASE) as client:
        client.post("/__mock/clock", json={"advance": 30})
        client.put("/__mock/teams/team_b/credits", json={"balance": 77})
        client.post("/__mock/jobs/fail-next", json={"target": "createContentAudit", "count": 2})
        for plan in plans:
            binding, values = plan.decl.binding, {}
            if binding and binding.parent_param:
                parents = team_records(first, first.engine.parent_of(binding)[0])
                values[binding.parent_param] = parents[0].key if parents else 1
            if binding and binding.id_param:
                records = team_records(first, binding.resource, trashed=binding.action in ("restore", "purge"))
                values[binding.id_param] = records[-1].key if records else 1
            response = send(client, valid_request(first, plan.op.operation_id, values), ADMIN)
            statuses[response.status_code // 100] += 1
        client.post("/__mock/clock", json={"advance": 3600})  # every job finishes: fills, spawns, deferred debits
        client.get(f"{API}/credits", headers=ADMIN)
    assert statuses[2] > 250  # most operations did their write
    kept = state_of(first)
    first.persistence.close()

    second = Mock(SPEC, state=state)
    assert second.persistence.restored
    assert state_of(second) == kept
    second.persistence.close()


@pytest.mark.parametrize("value, message", [
    ("redis://localhost", "expected memory or sqlite:PATH"),
    ("sqlite:", "expected memory or sqlite:PATH"),
    ("sqlite:/no/such/directory/mock.sqlite", "cannot keep the mock's state"),
    ("sqlite:{tmp}", "cannot keep the mock's state"),
    ("sqlite:{tmp}/notes.txt", "file is not a database"),
    ("sqlite:{tmp}/other.sqlite", "holds the state of another spec"),
])
def test_bad_state_values_are_refused_clearly(shared_mock, tmp_path, value, message):
    (tmp_path / "notes.txt").write_text("not a database, " * 1000)
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.executescript("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                        "INSERT INTO meta VALUES ('identity', '\"another spec\"');")
    other.close()
    with pytest.raises(ValueError, match=message):
        attach_to(shared_mock, value.format(tmp=tmp_path))


def test_a_state_file_serves_one_mock_at_a_time(shared_mock, tmp_path):
    first = attach_to(shared_mock, f"sqlite:{tmp_path / 'mock.sqlite'}")
    try:
        with pytest.raises(ValueError, match="another mock is serving it"):
            attach_to(shared_mock, f"sqlite:{tmp_path / 'mock.sqlite'}")
    finally:
        first.db.close()


def test_persistence_accounts_for_every_part_of_the_state():
    """Each field of MockState is kept (and compared by the restart tests above) or left out for a stated reason:
    a part added to the state without a decision here fails."""
    parts = {part.name for part in fields(MockState)}
    assert set(KEPT) | set(LEFT) == parts
    assert not set(KEPT) & set(LEFT)
    assert all(reason for reason in LEFT.values())


def test_the_command_line_exits_2_on_a_bad_state(capsys):
    assert cli.main(["serve", "--spec", str(SPEC), "--port", "0", "--state", "sqlite:/no/such/dir/x.sqlite"]) == 2
    error = capsys.readouterr().err
    assert "cannot keep the mock's state" in error and "Traceback" not in error


def test_memory_is_the_default(shared_mock):
    assert shared_mock.persistence is None


def test_queued_jobs_resume_where_they_were(tmp_path):
    """A worker queue (sting's reports: one worker, by priority) restarted mid-way plays on exactly as one that
    never stopped."""
    spec, state = ROOT / "spec" / "sting.yaml", f"sqlite:{tmp_path / 'sting.sqlite'}"
    key = {"X-API-Key": "sting_test_key_a"}

    def pinned(state: str | None = None) -> Mock:
        mock = Mock(spec, state=state)
        mock.clock._wall = lambda: 1_800_000_000.0  # mock time moves by /__mock/clock only
        return mock

    def queue_up(mock: Mock) -> None:
        request = valid_request(mock, "createReport")
        with TestClient(mock, base_url=BASE) as client:
            for priority in ("low", "urgent", "normal", "high"):
                body = {**request.json, "priority": priority}
                assert client.post("/api/reports", headers=key, json=body).status_code == 201
            client.post("/__mock/clock", json={"advance": 5})

    def play_on(mock: Mock) -> dict:
        """The state after the queue ran on, but for what the data generator makes up: its position is not kept,
        so what it makes after a restart differs (and is as valid)."""
        with TestClient(mock, base_url=BASE) as client:
            for _ in range(6):
                client.post("/__mock/clock", json={"advance": 4})
                client.get("/api/reports", headers=key)
        fill = declared(mock, "createReport", "x-mock-job")["fill"]
        made_up = [name for name, value in fill.items() if value == "$generate"]
        state = state_of(mock)
        records = state["store"]["records"]
        for row, text in records.items():
            record = json.loads(text)
            for name in made_up:
                record["fields"].pop(name, None)
            records[row] = record
        return state

    steady, restarted = pinned(), pinned(state)
    steady.reset()
    restarted.reset()
    queue_up(steady)
    queue_up(restarted)
    assert any(entry.run_start is None for queue in restarted.state.jobs.queues.values() for entry in queue.entries)
    restarted.persistence.close()

    resumed = pinned(state)
    assert resumed.persistence.restored
    assert play_on(resumed) == play_on(steady)
    resumed.persistence.close()
