"""The CI-sized `make conformance`: every operation of the contract against the mock, with all of the suite's own
checks and a small schemathesis budget (the coverage phase, the slow one, runs in the defect matrix and in
`make conformance`). It must pass, and its reports must account for every operation."""
import xml.etree.ElementTree as ET

from suite_runs import run_suite

from conformance.checks import load_all
from conformance.options import DEFAULT_SPEC
from contract import Contract


def test_full_contract_passes_against_the_mock(capsys, tmp_path):
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    run = run_suite(capsys, "--against-mock", "--max-examples", "1", "--phases", "examples", "fuzzing", "stateful",
                    "--junit-xml", str(junit), "--report", str(report))
    assert run.code == 0, run.output
    assert run.findings == []
    operations = Contract.load(DEFAULT_SPEC).ops

    suites = ET.parse(junit).getroot()
    assert suites.get("failures") == "0" and suites.get("errors") == "0"
    assert {s.get("name") for s in suites.iter("testsuite")} == set(operations)
    checks_seen = {case.get("name") for case in suites.iter("testcase") if case.find("skipped") is None}
    assert set(load_all().names()) - {"records"} <= checks_seen, "every own check ran somewhere"
    assert {"error_vocabulary", "response_schema_conformance", "ignored_auth"} <= checks_seen

    text = report.read_text()
    table = text.split("| Operation |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert [row.split("`")[1] for row in table] == list(operations)
    assert text.startswith("# Conformance report\n\n**PASS:")
