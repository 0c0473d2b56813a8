"""`python -m contract provenance`: the counts report, one operation's nodes, and bad input as one line and exit 2."""
from pathlib import Path

import pytest

from contract.__main__ import main

SPEC = Path(__file__).resolve().parents[2] / "spec"


def test_counts_every_kind_of_every_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", str(SPEC / "openapi.yaml"), str(SPEC / "trakk.yaml")]) == 0
    out = capsys.readouterr().out
    assert "### openapi.yaml" in out and "### trakk.yaml" in out
    assert "| operation | 326 | 0 | 0 |" in out
    assert "| credits | 35 | 0 | 0 |" in out and "| throttle | 11 | 0 | 0 |" in out


def test_lists_one_operations_nodes_with_pointer_or_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", str(SPEC / "openapi.yaml"), "--operation", "generateTrackingProjectReport"]) == 0
    out = capsys.readouterr().out
    assert "- throttle throttle — documented: 003 §Reports, l. 755" in out
    assert "- status 401 — assumed: auth:sanctum" in out


def test_a_node_without_provenance_fails_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bare.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
                    "      operationId: getX\n      responses: {'200': {description: ok}}\n")
    assert main(["provenance", str(spec)]) == 1
    assert "| operation | 0 | 0 | 1 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["provenance", "no-such.yaml"], "cannot read no-such.yaml"),
    (["provenance", str(SPEC / "README.md")], "cannot read"),
    (["provenance", str(SPEC / "trakk.yaml"), "--operation", "nope"], "trakk.yaml has no operation 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
