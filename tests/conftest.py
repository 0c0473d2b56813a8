from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import Mock

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
BASE = "http://127.0.0.1:4010"
API = "/api/v1"
TEAM_A = {"Authorization": "Bearer rk_test_team_a"}
TEAM_B = {"Authorization": "Bearer rk_test_team_b"}
LOW = {"Authorization": "Bearer rk_test_low_credits"}
ADMIN = {"Authorization": "Bearer rk_test_admin"}


@pytest.fixture(scope="session")
def shared_mock() -> Mock:
    return Mock(SPEC)


@pytest.fixture
def mock(shared_mock: Mock) -> Mock:
    """The session's mock, back at its fixtures: building one costs about a second, a reset a fraction."""
    shared_mock.reset()
    return shared_mock


@pytest.fixture
def client(mock: Mock):
    with TestClient(mock, base_url=BASE) as c:
        yield c


def team_records(mock: Mock, resource: str, team: str = "team_a", trashed: bool = False) -> list:
    decl = mock.resources[resource]
    out = []
    for stored in mock.engine.store.all(resource):
        if decl.scope == "team" and stored.team != team:
            continue
        in_trash = bool(decl.trash_field and stored.fields.get(decl.trash_field) is not None)
        if in_trash == trashed:
            out.append(stored)
    return out
