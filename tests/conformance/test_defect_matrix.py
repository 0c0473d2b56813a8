"""Proof that the suite catches defects: for every defect the mock can inject, a run against the mock with that
defect exits 1 with a finding that names an operation the defect breaks and the rule that caught it; the same
run against the mock without defects passes."""
import pytest
from suite_runs import run_suite

from conformance.options import DEFAULT_SPEC as SPEC
from mockserver.app import Mock
from mockserver.defects import DEFECTS

# defect -> (operations to run: a few the defect touches, the rule that must report one of them)
MATRIX = {
    "wrong-status": (["createPageAudit", "generateArticle"], "async_contract"),
    "undocumented-status": (["listTrackingProjectReports", "listTrackingProjects"], "status_code_conformance"),
    "missing-required-field": (["getReport", "getTrackingProject"], "response_schema_conformance"),
    "wrong-error-code": (["getAgenticSession", "getGroundingAudit"], "error_vocabulary"),
    "missing-rate-limit-headers": (["getGroundingAudit", "listGroundingAudits"], "throttle_headers"),
    "missing-retry-after": (["listGroundingAudits", "createGroundingBatch"], "throttle_limit"),
    "wrong-content-type": (["getReport", "listTrackingProjects"], "content_type_conformance"),
    "credits-not-charged": (["analyzeGroundingUrl", "createPageAudit"], "credit_cost"),
    "overcharge": (["analyzeGroundingUrl", "createPageAudit"], "credit_cost"),
    "cross-team-leak": (["getReport", "listTrackingProjects"], "team_isolation"),
    "body-names-unchecked": (["analyzeGroundingUrl", "sendAgenticChatMessage"], "team_isolation"),
    "job-never-completes": (["createPageAudit", "getPageAudit"], "async_contract"),
    "throttle-off": (["createGroundingBatch", "listGroundingAudits"], "throttle_limit"),
    "server-error-on-bad-input": (["createPageAudit", "listTrackingProjects"], "not_a_server_error"),
    "auth-not-enforced": (["getReport", "createPageAudit"], "ignored_auth"),
    "state-not-kept": (["createArticle", "createProjectKeyword"], "resource_lifecycle"),
    "delete-not-applied": (["deleteArticle", "deleteStoryline"], "resource_lifecycle"),
}
SMALL = ["--max-examples", "1", "--workers", "2"]


@pytest.fixture(scope="module")
def touched():
    mock = Mock(SPEC)
    return {name: set(defect.touches(mock)) for name, defect in DEFECTS.items()}


def test_every_defect_has_a_row():
    assert set(MATRIX) == set(DEFECTS)


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_caught(defect, touched, capsys):
    operations, rule = MATRIX[defect]
    assert set(operations) <= touched[defect], "the run must aim at operations the defect breaks"
    run = run_suite(capsys, "--against-mock", "--inject-defect", defect, *SMALL, "--include-operation", *operations)
    assert run.code == 1, run.output
    caught = [(op, check) for op, check, _ in run.findings if op in operations and check == rule]
    assert caught, f"{defect}: no {rule} finding on {operations}:\n{run.output}"


def test_the_same_runs_pass_without_defects(capsys):
    operations = sorted({op for ops, _ in MATRIX.values() for op in ops})
    run = run_suite(capsys, "--against-mock", *SMALL, "--include-operation", *operations)
    assert run.code == 0, run.output
    assert run.findings == []
