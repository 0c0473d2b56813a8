"""The toolkit installs: `pip install .` and a built wheel carry every package, the contracts and fixtures as
package data, three console scripts and the pytest plugin; on the newest supported Python (3.13) the installed
tools work from any directory (the mock serves, the differ diffs, the plugin's example test passes)."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest
from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
NEWEST = "3.13"


def test_every_package_of_the_checkout_is_packaged():
    packages = {str(p.parent.relative_to(ROOT)).replace("/", ".")
                for top in ("contract", "mockserver", "conformance") for p in (ROOT / top).rglob("__init__.py")}
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert packages <= listed, f"add to [tool.setuptools] packages: {sorted(packages - listed)}"


def test_console_scripts_and_the_plugin_point_at_callables():
    import importlib

    entries = {**PYPROJECT["project"]["scripts"], **PYPROJECT["project"]["entry-points"]["pytest11"]}
    assert set(PYPROJECT["project"]["scripts"]) == {"rankion-mock", "rankion-conformance", "rankion-diff"}
    for target in entries.values():
        module, _, attr = target.partition(":")
        loaded = importlib.import_module(module)
        assert not attr or callable(getattr(loaded, attr))


def source_copy(dest: Path) -> Path:
    """The tracked files only: a build in the checkout would leave an egg-info whose entry points pytest loads."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        target = dest / name.decode()
        if (ROOT / name.decode()).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name.decode(), target)
    return dest


def newest_python() -> str | None:
    candidates = [shutil.which(f"python{NEWEST}"), *sorted(glob.glob(os.path.expanduser(
        f"~/.pyenv/versions/{NEWEST}*/bin/python{NEWEST}")))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                   check=True, capture_output=True)
    [built] = out.glob("*.whl")
    return built


def test_the_wheel_carries_contracts_fixtures_pages_and_entry_points(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in (ROOT / "spec").glob("*.yaml"):
        assert f"contract/spec/{spec.name}" in names
    assert "contract/spec/extensions.schema.json" in names and "contract/fixtures/openapi.teams.yaml" in names
    assert {"mockserver/static/state.html", "mockserver/static/reference.html"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "rankion-mock = mockserver.cli:main" in text and "[pytest11]" in text


def test_installed_on_the_newest_python_the_tools_work_from_any_directory(wheel, tmp_path):
    python = newest_python()
    if python is None:
        pytest.fail(f"python{NEWEST} is needed to prove the install (pyenv install {NEWEST})")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    started = time.monotonic()
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel),
                    "pytest==9.2.0"], check=True, capture_output=True)
    print(f"install on {NEWEST}: {time.monotonic() - started:.0f} s")
    work = tmp_path / "anywhere"
    work.mkdir()
    bin_ = venv / "bin"
    for script in ("rankion-mock", "rankion-conformance", "rankion-diff"):
        result = subprocess.run([str(bin_ / script), "--version"], cwd=work, capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.strip().endswith(PYPROJECT["project"]["version"])
    packaged = subprocess.run([str(bin_ / "python"), "-c", "import contract; print(contract.spec_path('trakk.yaml'))"],
                              cwd=work, capture_output=True, text=True, check=True).stdout.strip()
    assert "site-packages" in packaged
    diff = subprocess.run([str(bin_ / "rankion-diff"), packaged, packaged], cwd=work, capture_output=True, text=True)
    assert diff.returncode == 0, diff.stderr

    mock = subprocess.Popen([str(bin_ / "rankion-mock"), "serve", "--port", "0"], cwd=work, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert mock.stdout is not None
        banner = mock.stdout.readline() + mock.stdout.readline()
        root = banner.split("http://", 1)[1].split("/", 1)[0]
        credits = httpx.get(f"http://{root}/api/v1/credits", headers={"Authorization": "Bearer rk_test_team_a"})
        assert credits.json()["balance"] == 10_000
        assert httpx.get(f"http://{root}/__mock/assets/swagger-ui/swagger-ui-bundle.js").status_code == 200
    finally:
        os.killpg(mock.pid, signal.SIGTERM)
        mock.communicate(timeout=10)  # reads the rest and closes the pipe

    shutil.copy(ROOT / "examples" / "test_reports_sdk.py", work)  # the README's example, via the entry point
    result = subprocess.run([str(bin_ / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "test_reports_sdk.py"], cwd=work, capture_output=True, text=True)
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout + result.stderr
