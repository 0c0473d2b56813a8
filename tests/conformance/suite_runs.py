"""Runs of `python -m conformance run` in this process, with the findings it printed. (A helper module, not a
conftest: tests elsewhere import the top-level conftest by name, and a second one would shadow it.)"""
import re
from dataclasses import dataclass

from conformance.__main__ import main

FINDING = re.compile(r"^FINDING (\S+) (\S+): (.*)$", re.M)


@dataclass
class Run:
    code: int
    findings: list[tuple[str, str, str]]  # (operation, check, title)
    output: str


def run_suite(capsys, *argv: str) -> Run:
    code = main(["run", "--quiet", *argv])
    out, err = capsys.readouterr()
    return Run(code, FINDING.findall(out), out + err)
