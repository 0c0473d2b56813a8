"""The engine is composed of named steps and actions: a caller (a defect) replaces one by name, the factory
refuses what has no place, and no defect reaches into a private name."""
import ast
from pathlib import Path

import pytest
from conftest import ROOT
from starlette.testclient import TestClient

from contract import Contract
from mockserver.actions import ACTIONS
from mockserver.app import Mock
from mockserver.engine import Engine
from mockserver.factory import build_engine
from mockserver.state import MockState
from mockserver.steps import STEPS

GOLDEN = Path(__file__).parent / "golden"
TEAMS = GOLDEN / "teams.yaml"
LOW = {"Authorization": "Bearer rk_test_low_credits"}


def test_the_pipeline_runs_in_the_order_the_api_middleware_does():
    assert list(STEPS) == ["admin", "throttle", "lookup", "rules", "references", "credits", "action", "job",
                           "respond", "answer"]


def test_a_step_replaced_by_name_runs_instead():
    mock = Mock(GOLDEN / "credits-402" / "spec.yaml", TEAMS)
    with TestClient(mock) as client:
        assert client.post("/api/scans", headers=LOW, json={}).status_code == 402
        previous = mock.engine.replace_step("credits", lambda engine, ex: None)
        assert previous is STEPS["credits"]
        assert client.post("/api/scans", headers=LOW, json={}).status_code == 200
        assert client.get("/api/credits", headers=LOW).json() == {"balance": 5}
    with pytest.raises(KeyError):
        mock.engine.replace_step("billing", lambda engine, ex: None)


def test_an_action_replaced_by_name_answers_instead():
    mock = Mock(GOLDEN / "precondition-409" / "spec.yaml", TEAMS)
    mock.engine.replace_action("action", lambda engine, ex: engine.static(ex.plan))
    with TestClient(mock) as client:
        client.post("/api/notes/1/archive", headers={"Authorization": "Bearer rk_test_team_a"})
        assert mock.state.store.get("note", 1).fields["status"] == "active", "the replacement changed nothing"


def test_the_composition_refuses_what_has_no_place():
    contract = Contract.load(GOLDEN / "job-on-clock" / "spec.yaml")
    state = MockState.fresh(0, {})
    with pytest.raises(ValueError, match="unknown step"):
        build_engine(contract, state, steps={"audit": lambda engine, ex: None})
    without_read = {name: action for name, action in ACTIONS.items() if name != "read"}
    with pytest.raises(ValueError, match="no action registered for read"):
        Engine(contract, state, STEPS, without_read)


def test_defects_use_only_public_names():
    tree = ast.parse((ROOT / "mockserver" / "defects.py").read_text())
    private = sorted({node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                      and node.attr.startswith("_") and not node.attr.startswith("__")})
    assert private == []
