"""schemathesis against the mock over real HTTP, CI-sized: every operation with documented examples and with
generated valid and invalid input; any 5xx or answer outside the contract fails. `make fuzz` runs the larger
version (boundary values, unexpected methods, stateful sequences, more examples)."""
from __future__ import annotations

from conftest import SPEC

from conformance.fuzz import fuzz, main, render

PHASES = ("examples", "fuzzing")
EXAMPLES = 2


def test_fuzzing_every_operation_finds_no_failure():
    report = fuzz(SPEC, examples=EXAMPLES, seed=1, phases=PHASES, workers=1)
    assert report.ok, render(report, SPEC, EXAMPLES, 1, PHASES)
    assert report.requests > 5 * report.operations  # it ran, over every operation


def test_fuzz_command_line_refuses_bad_arguments(capsys, tmp_path):
    assert main(["--spec", str(tmp_path / "missing.yaml"), "--examples", "1"]) == 2
    assert "conformance.fuzz:" in capsys.readouterr().err
    for bad in (["--examples", "0"], ["--phases", "everything"], ["--workers", "many"]):
        try:
            main(bad)
        except SystemExit as exit_:
            assert exit_.code == 2
        else:
            raise AssertionError(f"{bad} was accepted")
