"""16 clients at once against one team, over real HTTP: credits stay exact and never go negative, a throttle
admits exactly its limit per window, and records are neither lost nor duplicated."""
from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
from conftest import API, TEAM_A

from .conftest import declared, flat_cost, send, valid_request

CLIENTS = 16
CALLS_PER_CLIENT = 24
CREDITED = ("detectAiScannerText", "humanizeAiScannerText", "createContentAudit")  # 2, 5 and 10 credits
THROTTLED = "analyzeGroundingUrl"  # 1 credit, 30 per minute per token


def hammer(origin: str, work) -> list:
    """Run `work(client, index)` on CLIENTS threads, each with its own connection, started together."""
    start = threading.Barrier(CLIENTS)

    def client(index: int) -> list:
        with httpx.Client(base_url=origin, timeout=30) as http:
            start.wait()
            return work(http, index)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [item for result in pool.map(client, range(CLIENTS)) for item in result]


def test_credits_throttle_and_records_stay_exact_under_concurrent_load(live):
    mock, origin = live
    opening = 600  # less than the clients ask for: some calls must be refused with 402
    with httpx.Client(base_url=origin) as control:
        assert control.put("/__mock/teams/team_a/credits", json={"balance": opening}).status_code == 200
    entries_before = len(mock.state.ledger.entries)
    requests = {oid: valid_request(mock, oid) for oid in (*CREDITED, THROTTLED, "createProject")}
    costs = {oid: flat_cost(mock, oid) for oid in (*CREDITED, THROTTLED)}

    def work(http: httpx.Client, index: int) -> list:
        rng = random.Random(index)
        done = []
        for call in range(CALLS_PER_CLIENT):
            oid = rng.choice((*CREDITED, THROTTLED, "createProject"))
            request = requests[oid]
            if oid == "createProject":
                request = replace(request, json={**request.json, "name": f"client {index} call {call}"})
            response = send(http, request, TEAM_A)
            done.append((oid, response.status_code, response.headers, response.json(), request.json))
        return done

    results = hammer(origin, work)
    assert len(results) == CLIENTS * CALLS_PER_CLIENT
    statuses = Counter((oid, status) for oid, status, *_ in results)
    assert all(status < 500 for _, status in statuses), statuses

    # credits: exact, never below zero, every debit booked once
    charged = [costs[oid] for oid, status, *_ in results if oid in costs and 200 <= status < 300]
    balance = mock.state.ledger.balance("team_a")
    assert balance == opening - sum(charged) >= 0
    assert any(status == 402 for oid, status, *_ in results if oid in costs), "the load never ran out of credits"
    debits = [e for e in mock.state.ledger.entries[entries_before:] if e.team == "team_a"]
    assert sorted(-e.amount for e in debits) == sorted(charged)
    assert all(e.balance_after >= 0 for e in debits)
    with httpx.Client(base_url=origin) as http:
        assert http.get(f"{API}/credits", headers=TEAM_A).json()["balance"] == balance

    # the throttle admitted exactly its limit in this window (the clock is frozen), each slot once
    throttled = [(status, headers) for oid, status, headers, *_ in results if oid == THROTTLED]
    limit = declared(mock, THROTTLED, "x-mock-throttle")["limit"]
    admitted = [(status, headers) for status, headers in throttled if status != 429]
    assert len(throttled) > limit and len(admitted) == limit
    # a call the throttle admitted and the credits step then refused (402) carries no rate-limit figures, so
    # only the served ones show their slot; each slot once
    remaining = [int(headers["x-ratelimit-remaining"]) for status, headers in admitted if status < 300]
    assert len(set(remaining)) == len(remaining) and set(remaining) <= set(range(limit))
    assert all(status == 402 for status, headers in admitted if status >= 300)
    assert all("retry-after" in headers for status, headers in throttled if status == 429)

    # records: every acknowledged create has its own id and reads back as created
    created = [(body, sent) for oid, status, _, body, sent in results if oid == "createProject" and status == 201]
    ids = [body["data"]["id"] if "data" in body else body["id"] for body, _ in created]
    assert len(created) == statuses[("createProject", 201)] > CLIENTS and len(set(ids)) == len(ids)
    with httpx.Client(base_url=origin) as http:
        for project_id, (_, sent) in zip(ids, created):
            read = http.get(f"{API}/projects/{project_id}", headers=TEAM_A)
            assert read.status_code == 200 and read.text.count(sent["name"]) == 1
        listed = http.get(f"{API}/projects", headers=TEAM_A).json()["data"]
    assert set(ids) <= {p["id"] for p in listed}


def test_a_throttle_window_admits_its_limit_again_after_it_rolls_over(live):
    mock, origin = live
    request = valid_request(mock, THROTTLED)
    throttle = declared(mock, THROTTLED, "x-mock-throttle")
    limit, window = throttle["limit"], throttle["window"]

    def work(http: httpx.Client, index: int) -> list:
        return [send(http, request, TEAM_A).status_code for _ in range(4)]

    for _ in range(2):
        statuses = hammer(origin, work)
        assert len(statuses) == CLIENTS * 4 > limit
        assert sum(status != 429 for status in statuses) == limit
        with httpx.Client(base_url=origin) as control:
            assert control.post("/__mock/clock", json={"advance": window}).status_code == 200


def test_one_record_deleted_by_every_client_at_once_is_deleted_once(live):
    mock, origin = live
    with httpx.Client(base_url=origin) as http:
        created = send(http, valid_request(mock, "createProject"), TEAM_A).json()
    project_id = created["data"]["id"] if "data" in created else created["id"]

    def work(http: httpx.Client, index: int) -> list:
        return [http.delete(f"{API}/projects/{project_id}", headers=TEAM_A).status_code]

    statuses = Counter(hammer(origin, work))
    assert statuses[200] == 1 and statuses[404] == CLIENTS - 1, statuses
    with httpx.Client(base_url=origin) as http:
        assert http.get(f"{API}/projects/{project_id}", headers=TEAM_A).status_code == 404
