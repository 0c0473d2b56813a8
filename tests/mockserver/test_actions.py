"""List answers: items carry exactly the fields their item schema documents, projected from the stored record;
`extra_fields` sends the whole record for clients that test their tolerance of undeclared fields."""
from __future__ import annotations

import pytest
from conftest import API, BASE, SPEC, TEAM_A
from starlette.testclient import TestClient

from contract import Contract, merge_all_of
from mockserver.app import Mock

CONTRACT = Contract.load(SPEC)
SUMMARIES = {"/tracking-projects/1/reports": "ReportSummary", "/content-audits": "ContentAuditSummary"}


def schema(name: str) -> dict:
    return merge_all_of(CONTRACT.doc.schema(f"#/components/schemas/{name}"))


def documented(name: str) -> set[str]:
    return set(schema(name).get("properties") or {})


@pytest.mark.parametrize("path", sorted(SUMMARIES))
def test_list_items_carry_exactly_the_documented_summary_fields(client, path):
    name = SUMMARIES[path]
    rows = client.get(API + path, headers=TEAM_A).json()["data"]
    assert rows, "fixtures give the team records to list"
    assert all(set(schema(name).get("required") or []) <= set(row) <= documented(name) for row in rows)


@pytest.mark.parametrize("path", sorted(SUMMARIES))
def test_extra_fields_sends_the_whole_record(path):
    name = SUMMARIES[path]
    with TestClient(Mock(SPEC, extra_fields=True), base_url=BASE) as client:
        rows = client.get(API + path, headers=TEAM_A).json()["data"]
    assert rows and all(set(row) - documented(name) for row in rows), "undeclared fields are added"
