"""`python -m conformance diff OLD NEW`: exit 1 on changes at or above --fail-on."""
from __future__ import annotations

import argparse
import os
import sys

from contract import version

from .engine import diff_sources
from .ignore import IgnoreFileError, apply_ignore, load_ignore
from .load import SpecLoadError
from .model import Level
from .report import RENDERERS, render

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance diff",
        description="Compare two OpenAPI contracts and classify every change as ERR, WARN or INFO.",
        epilog="OLD and NEW are files, or git revisions like main:spec/openapi.yaml. "
        "Exit status: 0 clean, 1 a change at or above --fail-on, 2 unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("old", metavar="OLD", help="the contract clients were built against")
    parser.add_argument("new", metavar="NEW", help="the proposed contract")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--fail-on", choices=["ERR", "WARN", "INFO"], default="ERR", type=str.upper,
                        help="lowest level that fails the run (default ERR)")
    parser.add_argument("--ignore", metavar="FILE", help="accepted changes, one per line (see conformance/diff/ignore.py)")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["diff"] and not os.path.exists("diff"):
        args_in = args_in[1:]  # tolerate being handed the sub-command name too
    try:
        args = build_parser().parse_args(args_in)
    except SystemExit as exc:  # argparse already printed usage and the reason
        return EXIT_ERROR if exc.code else EXIT_OK
    fail_on = Level[args.fail_on]
    try:
        rules = load_ignore(args.ignore) if args.ignore else []
        changes, warnings = diff_sources(args.old, args.new)
    except (SpecLoadError, IgnoreFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except RecursionError:
        print("error: a schema is nested too deeply to compare", file=sys.stderr)
        return EXIT_ERROR
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    kept, ignored = apply_ignore(changes, rules)
    text = render(args.format, kept, ignored, fail_on)
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except OSError as exc:
        print(f"error: cannot write the report: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FAIL if any(c.level >= fail_on for c in kept) else EXIT_OK
