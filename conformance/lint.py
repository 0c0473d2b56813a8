"""`make lint`: Spectral's OpenAPI rules (`.spectral.yaml`) over the contract.

Spectral is a Node tool, pinned in tools/spectral/ and installed into .tools/ by conformance.nodetools.
Exits with Spectral's status (1 when it reports an error), or 2 when the linter cannot run.

    python -m conformance.lint [SPEC ...]     # default: spec/openapi.yaml
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .nodetools import ToolUnavailable, spectral

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / ".spectral.yaml"
DEFAULT_SPEC = ROOT / "spec" / "openapi.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.lint",
                                     description="Lint OpenAPI documents with Spectral's OpenAPI ruleset.")
    parser.add_argument("specs", nargs="*", type=Path, default=[DEFAULT_SPEC], metavar="SPEC",
                        help="OpenAPI documents to lint (default: spec/openapi.yaml)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.specs if not p.is_file()]
    if missing:
        print(f"lint: no such spec file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        binary = spectral()
    except ToolUnavailable as exc:
        print(f"lint: {exc}", file=sys.stderr)
        return 2
    command = [str(binary), "lint", "--ruleset", str(RULESET), "--fail-severity", "error", *map(str, args.specs)]
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
