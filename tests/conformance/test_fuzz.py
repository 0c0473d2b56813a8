"""`python -m conformance fuzz`: schemathesis with every check against a mock it starts, CI-sized (documented
examples and generated valid and invalid input over every operation); any 5xx or answer outside the contract
fails. `make fuzz` runs the larger default (more examples, boundary values, unexpected methods, stateful
sequences). It takes the same flags as `run`."""
from __future__ import annotations

import re

import pytest

from conformance.__main__ import main


def test_fuzzing_every_operation_finds_no_failure(capsys):
    code = main(["fuzz", "--quiet", "--max-examples", "2", "--phases", "examples", "fuzzing", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    verdict = re.search(r"PASS: (\d+) operations, (\d+) checks run, 0 findings", out)
    assert verdict, out
    assert int(verdict.group(2)) > 5 * int(verdict.group(1))  # it ran, over every operation


@pytest.mark.parametrize("argv", [["--max-examples", "0"], ["--phases", "everything"], ["--workers", "many"],
                                  ["--spec", "/nonexistent.yaml"]])
def test_fuzz_command_line_refuses_bad_arguments(argv, capsys):
    try:
        code = main(["fuzz", *argv])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err
