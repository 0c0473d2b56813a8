"""`python -m conformance run …` checks a deployment against the contract; `python -m conformance diff OLD NEW`
classifies contract changes (conformance.diff); `python -m conformance fuzz` fuzzes the mock (conformance.fuzz)."""
from __future__ import annotations

import argparse
import sys
import warnings

from contract import version

from .options import UsageError, add_arguments, from_args

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Library noise on import (connexion loads starlette's test client), not the user's business.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    if argv[:1] == ["diff"]:
        from .diff.cli import main as diff_main

        return diff_main(argv[1:])
    if argv[:1] == ["fuzz"]:
        from .fuzz import main as fuzz_main

        return fuzz_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m conformance",
                                     description="Check a deployment against the contract, or diff two contracts.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,diff,fuzz}")
    run_parser = sub.add_parser("run", help="check a deployment (or the mock) against the contract",
                                description="Exit 0 when every check passes, 1 on findings, 2 on usage or "
                                            "connection errors.")
    add_arguments(run_parser)
    sub.add_parser("diff", help="compare two contracts (python -m conformance diff --help)", add_help=False)
    sub.add_parser("fuzz", help="fuzz a mock of the spec (python -m conformance fuzz --help)", add_help=False)
    args = parser.parse_args(argv)  # argparse exits 2 with the usage on bad flags
    try:
        options = from_args(args)
    except UsageError as exc:
        run_parser.print_usage(sys.stderr)
        print(f"python -m conformance run: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from .runner import run

    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
