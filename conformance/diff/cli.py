"""`python -m conformance diff [changelog|breaking] OLD NEW` and `python -m conformance diff rules`.

`changelog` (the default) reports every change; `breaking` only WARN and ERR,
like oasdiff's commands of the same names. Exit 1 on changes at or above --fail-on.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date

from contract import version

from .catalog import DESCRIPTIONS, RULES
from .engine import diff_sources
from .ignore import IgnoreFileError, apply_ignore, load_ignore
from .load import SpecLoadError
from .model import Level, Policy
from .report import RENDERERS, render
from .severity import SeverityFileError, apply_severity, load_severity

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
MODES = ("changelog", "breaking", "rules")


def build_parser(mode: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m conformance diff {mode}",
        description="Compare two OpenAPI contracts and classify every change as ERR, WARN or INFO "
        "(`breaking`: only WARN and ERR). `python -m conformance diff rules` lists the rules.",
        epilog="OLD and NEW are files, http(s) URLs, or git revisions like main:spec/openapi.yaml. "
        "Exit status: 0 clean, 1 a change at or above --fail-on, 2 unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("old", metavar="OLD", help="the contract clients were built against")
    parser.add_argument("new", metavar="NEW", help="the proposed contract")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--fail-on", choices=["ERR", "WARN", "INFO"], default="ERR", type=str.upper,
                        help="lowest level that fails the run (default ERR)")
    parser.add_argument(
        "--ignore", metavar="FILE", help="accepted changes, one per line (see conformance/diff/ignore.py)",
    )
    parser.add_argument("--severity-levels", metavar="FILE",
                        help="'rule-id LEVEL' lines that change a rule's level (LEVEL: ERR, WARN, INFO or NONE)")
    parser.add_argument("--deprecation-days-beta", type=_days, default=0, metavar="N",
                        help="a deprecated beta operation needs an x-sunset at least N days ahead (default 0: none)")
    parser.add_argument("--deprecation-days-stable", type=_days, default=0, metavar="N",
                        help="the same for stable operations (default 0: none)")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    return parser


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days")
    return int(text)


def rules_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance diff rules",
        description="List every rule id the differ can report, with its level and what it means.",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    return parser


def render_rules(fmt: str) -> str:
    ids = sorted(RULES)
    if fmt == "json":
        rows = [{"id": rule, "level": RULES[rule].name, "description": DESCRIPTIONS[rule]} for rule in ids]
        return json.dumps(rows, indent=2) + "\n"
    width = max(map(len, ids))
    return "".join(f"{rule:<{width}}  {RULES[rule].name:<4}  {DESCRIPTIONS[rule]}\n" for rule in ids)


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the reason
        return EXIT_ERROR if exc.code else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["diff"] and not os.path.exists("diff"):
        args_in = args_in[1:]  # tolerate being handed the sub-command name too
    mode = "changelog"
    if args_in[:1] and args_in[0] in MODES and not os.path.exists(args_in[0]):
        mode, args_in = args_in[0], args_in[1:]
    if mode == "rules":
        parsed = _parse(rules_parser(), args_in)
        if isinstance(parsed, int):
            return parsed
        sys.stdout.write(render_rules(parsed.format))
        return EXIT_OK
    args = _parse(build_parser(mode), args_in)
    if isinstance(args, int):
        return args
    fail_on = Level[args.fail_on]
    policy = Policy(args.deprecation_days_beta, args.deprecation_days_stable, date.today())
    try:
        ignore_rules = load_ignore(args.ignore) if args.ignore else []
        levels = load_severity(args.severity_levels) if args.severity_levels else {}
        changes, warnings = diff_sources(args.old, args.new, policy=policy)
    except (SpecLoadError, IgnoreFileError, SeverityFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except RecursionError:
        print("error: a schema is nested too deeply to compare", file=sys.stderr)
        return EXIT_ERROR
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    changes = apply_severity(changes, levels)
    if mode == "breaking":
        changes = [c for c in changes if c.level >= Level.WARN]
    kept, ignored, unused = apply_ignore(changes, ignore_rules)
    for rule in unused:
        # A stale or misspelt line would otherwise accept nothing without anyone noticing.
        print(f"warning: {args.ignore}, line {rule.line}: matched no change ({rule.rule_id})", file=sys.stderr)
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
