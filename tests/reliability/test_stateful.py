"""Random sequences of calls (hypothesis' stateful testing) against a model of what the mock must keep: the
ledger, a throttle window, records created and deleted, and the state of the jobs they started."""
from __future__ import annotations

from dataclasses import replace

from conftest import API, BASE, TEAM_A
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test
from starlette.testclient import TestClient

from .conftest import declared, flat_cost, send, valid_request

CREDITED = ("detectAiScannerText", "humanizeAiScannerText")
JOB = "createContentAudit"  # credited, and starts a job on the record it creates
THROTTLED = "createGroundingBatch"  # 5 per minute per token, one credit per URL


class MockModel(RuleBasedStateMachine):
    mock = None  # set by the test: the session's mock
    client: TestClient = None

    projects = Bundle("projects")

    def __init__(self) -> None:
        super().__init__()
        self.mock.reset()
        self.opening = self.mock.state.ledger.balance("team_a")
        self.balance = self.opening
        self.time = 0.0
        self.window: list[float] | None = None  # [start, admitted] of the throttled operation
        throttle = declared(self.mock, THROTTLED, "x-mock-throttle")
        self.limit, self.window_seconds = throttle["limit"], throttle["window"]
        job = declared(self.mock, JOB, "x-mock-job")
        self.states, self.step = job["states"], job.get("step-seconds", 2)  # the vocabulary's default step
        self.names: dict[int, str] = {}
        self.deleted: set[int] = set()
        self.audits: dict[int, float] = {}  # id -> model time its job started
        self.requests = {oid: valid_request(self.mock, oid) for oid in (*CREDITED, JOB, THROTTLED, "createProject")}

    def call(self, oid: str, json: dict | None = None):
        request = self.requests[oid] if json is None else replace(self.requests[oid], json=json)
        return send(self.client, request, TEAM_A)

    def charge(self, cost: int, response) -> bool:
        """The model's ledger: a call that the balance covers succeeds and is debited; else 402, nothing taken."""
        if cost <= self.balance:
            assert 200 <= response.status_code < 300, response.text
            self.balance -= cost
            return True
        assert response.status_code == 402, response.text
        return False

    @rule(target=projects, name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                                       max_size=30))
    def create_project(self, name):
        response = self.call("createProject", {**self.requests["createProject"].json, "name": name})
        assert response.status_code == 201, response.text
        project_id = response.json()["data"]["id"]
        assert project_id not in self.names and project_id not in self.deleted
        self.names[project_id] = name
        return project_id

    @rule(project_id=projects)
    def read_project(self, project_id):
        response = self.client.get(f"{API}/projects/{project_id}", headers=TEAM_A)
        assert response.status_code == 200 and response.json()["data"]["name"] == self.names[project_id]

    @rule(project_id=consumes(projects))
    def delete_project(self, project_id):
        assert self.client.delete(f"{API}/projects/{project_id}", headers=TEAM_A).status_code == 200
        del self.names[project_id]
        self.deleted.add(project_id)

    @rule(data=st.data())
    def read_deleted_project(self, data):
        if self.deleted:
            project_id = data.draw(st.sampled_from(sorted(self.deleted)))
            assert self.client.get(f"{API}/projects/{project_id}", headers=TEAM_A).status_code == 404

    @rule(oid=st.sampled_from(CREDITED))
    def credited_call(self, oid):
        self.charge(flat_cost(self.mock, oid), self.call(oid))

    @rule()
    def start_job(self):
        response = self.call(JOB)
        if self.charge(flat_cost(self.mock, JOB), response):
            self.audits[response.json()["data"]["id"]] = self.time

    @rule(data=st.data())
    def read_job(self, data):
        if self.audits:
            audit_id = data.draw(st.sampled_from(sorted(self.audits)))
            expected = self.states[min(int((self.time - self.audits[audit_id]) / self.step), len(self.states) - 1)]
            response = self.client.get(f"{API}/content-audits/{audit_id}", headers=TEAM_A)
            assert response.status_code == 200 and response.json()["data"]["status"] == expected

    @rule(urls=st.integers(1, 4))
    def throttled_call(self, urls):
        body = {**self.requests[THROTTLED].json, "urls": [f"https://example.com/{i}" for i in range(urls)]}
        response = self.call(THROTTLED, body)
        if self.window is None or self.time >= self.window[0] + self.window_seconds:
            self.window = [self.time, 0]
        if self.window[1] >= self.limit:
            assert response.status_code == 429 and "Retry-After" in response.headers, response.text
            return
        self.window[1] += 1
        self.charge(urls, response)  # the declared cost: one credit per URL

    @rule(seconds=st.sampled_from([1, 2, 5, 30, 59, 60, 61, 600]))
    def advance_clock(self, seconds):
        assert self.client.post("/__mock/clock", json={"advance": seconds}).status_code == 200
        self.time += seconds

    @rule(balance=st.integers(0, 40))
    def set_credits(self, balance):
        assert self.client.put("/__mock/teams/team_a/credits", json={"balance": balance}).status_code == 200
        self.balance = balance

    @invariant()
    def balance_is_the_models(self):
        assert self.client.get(f"{API}/credits", headers=TEAM_A).json()["balance"] == self.balance

    @invariant()
    def ledger_adds_up(self):
        entries = [e for e in self.mock.state.ledger.entries if e.team == "team_a"]
        assert self.opening + sum(e.amount for e in entries) == self.balance
        assert all(e.balance_after >= 0 for e in entries)


def test_random_call_sequences_keep_ledger_throttle_and_jobs_as_modelled(mock):
    # mock time moves only when a rule moves it (a frozen clock would also hold the jobs still)
    wall = mock.clock._wall
    mock.clock._wall = lambda: 1_800_000_000.0
    try:
        with TestClient(mock, base_url=BASE) as client:
            MockModel.mock, MockModel.client = mock, client
            # no shrinking: each example starts from a reset, and minimising a failure took minutes; the failing
            # sequence (at most 30 steps) is reported as found
            run_state_machine_as_test(MockModel, settings=settings(
                max_examples=25, stateful_step_count=30, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        mock.clock._wall = wall
