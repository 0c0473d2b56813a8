"""The reports of a run, each a handler of run events (conformance.events) in its own module: live progress on
stderr, findings and the verdict on stdout, and the files the flags ask for (markdown, JUnit XML, JSON, NDJSON).
Each is written when the run finishes, whether it ran to the end or stopped early (then marked partial); NDJSON
is written as the run goes."""
from __future__ import annotations

from typing import TextIO

from contract import Contract

from ..events import Handler
from ..options import Options
from .console import Console
from .json_report import JsonReport
from .junit import JunitReport
from .markdown import MarkdownReport
from .ndjson import NdjsonReport
from .progress import Progress

__all__ = ["handlers_for"]


def handlers_for(options: Options, catalog: Contract, out: TextIO, err: TextIO) -> list[Handler]:
    handlers: list[Handler] = [Progress(err, enabled=not options.quiet), Console(out)]
    if options.ndjson:
        handlers.append(NdjsonReport(options.ndjson))
    if options.junit_xml:
        handlers.append(JunitReport(options.junit_xml, catalog))
    if options.report:
        handlers.append(MarkdownReport(options.report, catalog))
    if options.json:
        handlers.append(JsonReport(options.json, catalog))
    return handlers
