"""Where the contracts and fixtures are: beside the packages in a checkout (`spec/`, `fixtures/`), or inside
the `contract` package once installed from a wheel (pyproject.toml maps the two folders to `contract/spec` and
`contract/fixtures`), so every tool finds its defaults from any working directory."""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DISTRIBUTION = "rankion-contract-toolkit"


def data_dir(name: str) -> Path:
    """`spec` or `fixtures`: the checkout's folder when there is one, else the installed package data."""
    checkout = _PACKAGE.parent / name
    return checkout if checkout.is_dir() else _PACKAGE / name


def spec_path(name: str = "openapi.yaml") -> Path:
    return data_dir("spec") / name


def fixtures_path(name: str) -> Path:
    return data_dir("fixtures") / name


def version() -> str:
    """The installed distribution's version; a checkout that was never installed reads pyproject.toml."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = _PACKAGE.parent / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])
