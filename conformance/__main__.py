"""`python -m conformance run …` checks a deployment against the contract; `python -m conformance fuzz …` fuzzes
a mock of the spec with every schemathesis check (the same flags as `run`, other defaults);
`python -m conformance diff OLD NEW` classifies contract changes (conformance.diff)."""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from contract import version

from .options import DEFAULT_CONFIG, FUZZ_DEFAULTS, UsageError, add_arguments, config_defaults, from_args

EXIT_USAGE = 2
COMMANDS: dict[str, tuple[str, dict[str, Any]]] = {
    "run": ("check a deployment (or the mock) against the contract", {}),
    "fuzz": ("fuzz a mock of the spec with every schemathesis check (20 examples per operation)", FUZZ_DEFAULTS),
}


def _parser(command: str) -> argparse.ArgumentParser:
    summary, defaults = COMMANDS[command]
    parser = argparse.ArgumentParser(prog=f"python -m conformance {command}", description=summary.capitalize()
                                     + ". Exit 0 when every check passes, 1 on findings, 2 on usage or connection "
                                       "errors.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    add_arguments(parser)
    parser.set_defaults(**{k: v for k, v in defaults.items() if k in {a.dest for a in parser._actions}})
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Library noise on import, not the user's business.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if argv[:1] == ["diff"]:
        from .diff.cli import main as diff_main

        return diff_main(argv[1:])
    if argv[:1] not in (["run"], ["fuzz"]):
        top = argparse.ArgumentParser(prog="python -m conformance",
                                      description="Check a deployment against the contract, fuzz the mock, or diff "
                                                  "two contracts.")
        top.add_argument("--version", action="version", version=f"%(prog)s {version()}")
        sub = top.add_subparsers(dest="command", required=True, metavar="{run,fuzz,diff}")
        for name, (summary, _) in COMMANDS.items():
            sub.add_parser(name, help=summary, add_help=False)
        sub.add_parser("diff", help="compare two contracts (python -m conformance diff --help)", add_help=False)
        top.parse_args(argv)  # exits 2 with the usage
        return EXIT_USAGE
    command, rest = argv[0], argv[1:]
    parser = _parser(command)
    try:
        pre = argparse.ArgumentParser(add_help=False)
        pre.add_argument("--config", type=Path)
        config = pre.parse_known_args(rest)[0].config
        if config is None and DEFAULT_CONFIG.is_file():
            config = DEFAULT_CONFIG
        if config is not None:
            parser.set_defaults(**config_defaults(config, parser))
        args = parser.parse_args(rest)  # argparse exits 2 with the usage on bad flags
        options = from_args(args, {k: v for k, v in COMMANDS[command][1].items() if not hasattr(args, k)})
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"python -m conformance {command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from .runner import run

    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
