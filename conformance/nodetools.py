"""Node tools the project pins (tools/<name>/package.json and its lock file) and installs itself, into .tools/
(Spectral, for `make lint`) or .tools/<name>/ (Prism, which the suite is proven against): the first time, or
again when the pin changes, so a fresh clone needs nothing but node and npm."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


class ToolUnavailable(Exception):
    """The tool cannot be installed or run here."""


def pinned_version(manifest: Path, package: str) -> str:
    version: str = json.loads((manifest / "package.json").read_text())["dependencies"][package]
    return version


def installed_version(prefix: Path, package: str) -> str | None:
    try:
        version: str = json.loads((prefix / "node_modules" / package / "package.json").read_text())["version"]
        return version
    except (OSError, ValueError, KeyError):
        return None


def ensure(package: str, binary_name: str, manifest: Path, prefix: Path) -> Path:
    """The pinned executable, installed into `prefix` when it is missing or another version."""
    if shutil.which("node") is None:
        raise ToolUnavailable(f"node is not installed ({package} is a Node tool); install Node.js >= 18 and npm.")
    binary = prefix / "node_modules" / ".bin" / binary_name
    version = pinned_version(manifest, package)
    if binary.exists() and installed_version(prefix, package) == version:
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise ToolUnavailable(f"npm is not installed; it is needed once to install {package} {version}.")
    print(f"installing {package} {version} into {prefix.relative_to(ROOT)}/ ...", file=sys.stderr)
    prefix.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(manifest / name, prefix / name)
    # --ignore-scripts: neither tool needs an install step (one dependency's postinstall only reports usage).
    done = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--ignore-scripts"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not binary.exists():
        raise ToolUnavailable(f"npm install failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return binary


def spectral() -> Path:
    return ensure("@stoplight/spectral-cli", "spectral", ROOT / "tools" / "spectral", TOOLS)


def prism() -> Path:
    return ensure("@stoplight/prism-cli", "prism", ROOT / "tools" / "prism", TOOLS / "prism")
