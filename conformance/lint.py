"""`make lint`: Spectral's OpenAPI rules (`.spectral.yaml`) over the contract.

Spectral is a Node tool. The version pinned in tools/spectral/ (package.json and its lock file) is installed into
.tools/ the first time, or again when the pin changes, so a fresh clone needs nothing but node and npm.
Exits with Spectral's status (1 when it reports an error), or 2 when the linter cannot run.

    python -m conformance.lint [SPEC ...]     # default: spec/openapi.yaml
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tools" / "spectral"
TOOLS = ROOT / ".tools"
RULESET = ROOT / ".spectral.yaml"
PACKAGE = "@stoplight/spectral-cli"
DEFAULT_SPEC = ROOT / "spec" / "openapi.yaml"


class LintUnavailable(Exception):
    """Spectral cannot be installed or run here."""


def pinned_version() -> str:
    return json.loads((MANIFEST / "package.json").read_text())["dependencies"][PACKAGE]


def installed_version() -> str | None:
    try:
        return json.loads((TOOLS / "node_modules" / PACKAGE / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def spectral() -> Path:
    """The pinned spectral executable, installed into .tools/ when it is missing or another version."""
    if shutil.which("node") is None:
        raise LintUnavailable("node is not installed (Spectral is a Node tool); install Node.js >= 18 and npm.")
    binary = TOOLS / "node_modules" / ".bin" / "spectral"
    version = pinned_version()
    if binary.exists() and installed_version() == version:
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise LintUnavailable(f"npm is not installed; it is needed once to install {PACKAGE} {version} into .tools/.")
    print(f"lint: installing {PACKAGE} {version} into {TOOLS.relative_to(ROOT)}/ ...", file=sys.stderr)
    TOOLS.mkdir(exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(MANIFEST / name, TOOLS / name)
    # --ignore-scripts: Spectral needs no install step, and one dependency's postinstall only reports usage.
    done = subprocess.run([npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--ignore-scripts"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not binary.exists():
        raise LintUnavailable(f"npm install failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return binary


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
    except LintUnavailable as exc:
        print(f"lint: {exc}", file=sys.stderr)
        return 2
    command = [str(binary), "lint", "--ruleset", str(RULESET), "--fail-severity", "error", *map(str, args.specs)]
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
