"""The command line: exit codes, formats, git revisions and ignore files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.diff.cli import main

ROOT = Path(__file__).resolve().parents[3]
ERR_CASE = "42-response-required-property-removed"
WARN_CASE = "47-response-enum-value-added"
MIXED_CASE = "77-several-changes"


def pair(corpus: Path, name: str) -> list[str]:
    return [str(corpus / name / "old.yaml"), str(corpus / name / "new.yaml")]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- exit codes -------------------------------------------------------------------------


def test_no_change_exits_0(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(pair(corpus, "01-no-change"), capsys)
    assert code == 0
    assert out.strip() == "No changes."


def test_err_exits_1(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(pair(corpus, ERR_CASE), capsys)
    assert code == 1
    assert "response-required-property-removed" in out


def test_warn_passes_by_default_and_fails_with_fail_on_warn(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(pair(corpus, WARN_CASE), capsys)[0] == 0
    assert run([*pair(corpus, WARN_CASE), "--fail-on", "WARN"], capsys)[0] == 1
    assert run([*pair(corpus, WARN_CASE), "--fail-on", "warn"], capsys)[0] == 1


def test_info_only_never_fails_at_warn(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*pair(corpus, "09-endpoint-added"), "--fail-on", "WARN"], capsys)[0] == 0


@pytest.mark.parametrize(
    "make_input, expected",
    [
        (lambda tmp: str(tmp / "missing.yaml"), "no such file"),
        (lambda tmp: _write(tmp / "bad.yaml", "openapi: 3.1.0\npaths: {a: [\n"), "invalid YAML"),
        (lambda tmp: _write(tmp / "list.yaml", "- just\n- a list\n"), "not an OpenAPI document"),
        (lambda tmp: "no-such-rev-xyz:spec/openapi.yaml", "git show failed"),
        (lambda tmp: str(tmp), "not a regular file"),
    ],
    ids=["missing-file", "bad-yaml", "not-openapi", "unknown-git-rev", "directory"],
)
def test_unreadable_input_exits_2_with_one_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], make_input, expected: str
) -> None:
    bad = make_input(tmp_path)
    good = str(corpus / "01-no-change" / "old.yaml")
    for argv in ([bad, good], [good, bad]):
        code, out, err = run(argv, capsys)
        assert code == 2
        assert out == ""
        assert expected in err
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("error: ")


def test_bad_option_exits_2(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([*pair(corpus, ERR_CASE), "--format", "yaml"], capsys)
    assert code == 2 and "invalid choice" in err


def test_subprocess_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.yaml", "paths: {\n")
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.diff", bad, bad], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_leading_subcommand_name_is_tolerated(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["diff", *pair(corpus, ERR_CASE)], capsys)[0] == 1


# --- formats -------------------------------------------------------------------------------


def test_json_format(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*pair(corpus, MIXED_CASE), "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 4
    assert all(set(item) == {"id", "level", "operation", "message", "path"} for item in data)
    assert data[0] == {
        "id": "request-parameter-became-required",
        "level": "ERR",
        "operation": "GET /reports",
        "message": "query parameter page: became required",
        "path": "query parameter page",
    }


def test_json_format_empty(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads(run([*pair(corpus, "01-no-change"), "--format", "json"], capsys)[1]) == []


def test_text_format_groups_by_level(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(pair(corpus, MIXED_CASE), capsys)
    lines = out.splitlines()
    assert lines[0] == "ERR (1)"
    assert lines.index("WARN (3)") > 0
    assert lines[-1] == "4 changes: 1 ERR, 3 WARN, 0 INFO"


def test_markdown_format(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([*pair(corpus, MIXED_CASE), "--format", "markdown"], capsys)
    assert "| ERR | WARN | INFO | ignored |" in out
    assert "| 1 | 3 | 0 | 0 |" in out
    rows = [line for line in out.splitlines() if line.startswith(("| ERR | `", "| WARN | `"))]
    assert len(rows) == 4
    assert all(line.count(" | ") == 3 for line in rows)  # pipes inside cells are escaped


def test_junit_format(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([*pair(corpus, MIXED_CASE), "--format", "junit"], capsys)
    root = ET.fromstring(out.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 4 and suite.get("failures") == "1"
    assert sum(1 for c in cases if c.find("failure") is not None) == 1

    _, out, _ = run([*pair(corpus, MIXED_CASE), "--format", "junit", "--fail-on", "WARN"], capsys)
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("failures") == "4"


def test_junit_format_empty_has_a_passing_case(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([*pair(corpus, "01-no-change"), "--format", "junit"], capsys)
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and len(suite.findall("testcase")) == 1


def test_output_file(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.md"
    code, out, _ = run([*pair(corpus, ERR_CASE), "--format", "markdown", "--output", str(target)], capsys)
    assert code == 1 and out == ""
    assert "response-required-property-removed" in target.read_text()


# --- git revisions -------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_revision_input(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / "spec").mkdir(parents=True)
    spec = repo / "spec" / "openapi.yaml"
    spec.write_text((corpus / ERR_CASE / "old.yaml").read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "old"], cwd=repo, check=True)
    spec.write_text((corpus / ERR_CASE / "new.yaml").read_text())
    monkeypatch.chdir(repo)

    code, out, _ = run(["main:spec/openapi.yaml", "spec/openapi.yaml", "--format", "json"], capsys)
    assert code == 1
    assert [c["id"] for c in json.loads(out)] == ["response-required-property-removed"]
    assert run(["main:spec/openapi.yaml", "HEAD:spec/openapi.yaml"], capsys)[0] == 0

    code, _, err = run(["main:spec/missing.yaml", "spec/openapi.yaml"], capsys)
    assert code == 2 and err.startswith("error: main:spec/missing.yaml: git show failed")


# --- ignore files -----------------------------------------------------------------------------


def test_ignore_file_both_line_styles(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ignore = _write(
        tmp_path / "ignore.txt",
        "\n".join(
            [
                "# accepted in review #123",
                "ERR request-parameter-became-required GET /reports",
                "POST /reports credit-cost-increased   # price change announced",
                "",
            ]
        ),
    )
    code, out, _ = run([*pair(corpus, MIXED_CASE), "--ignore", ignore, "--format", "json"], capsys)
    assert code == 0
    assert sorted(c["id"] for c in json.loads(out)) == ["response-property-enum-value-added"] * 2
    code, _, _ = run([*pair(corpus, MIXED_CASE), "--ignore", ignore, "--fail-on", "WARN"], capsys)
    assert code == 1  # the enum additions are WARN and not ignored


def test_ignore_text_pins_one_location(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ignore = _write(tmp_path / "ignore.txt", "response-property-enum-value-added GET /reports /data/items/status\n")
    _, out, _ = run([*pair(corpus, MIXED_CASE), "--ignore", ignore, "--format", "json"], capsys)
    remaining = [(c["id"], c["operation"]) for c in json.loads(out)]
    assert ("response-property-enum-value-added", "POST /reports") in remaining
    assert ("response-property-enum-value-added", "GET /reports") not in remaining


def test_ignore_wildcards_and_level_guard(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong_level = _write(tmp_path / "a.txt", "WARN request-parameter-became-required GET /reports\n")
    assert run([*pair(corpus, MIXED_CASE), "--ignore", wrong_level], capsys)[0] == 1
    wildcard = _write(tmp_path / "b.txt", "request-* * /rep*\n")
    assert run([*pair(corpus, MIXED_CASE), "--ignore", wildcard], capsys)[0] == 0


def test_ignored_changes_are_counted_in_reports(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ignore = _write(tmp_path / "ignore.txt", "response-required-property-removed GET /reports\n")
    code, out, _ = run([*pair(corpus, ERR_CASE), "--ignore", ignore, "--format", "markdown"], capsys)
    assert code == 0 and "| 0 | 0 | 0 | 1 |" in out
    _, out, _ = run([*pair(corpus, ERR_CASE), "--ignore", ignore, "--format", "junit"], capsys)
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("failures") == "0"


def test_bad_ignore_file_exits_2(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ignore = _write(tmp_path / "ignore.txt", "GET /reports\n")
    code, _, err = run([*pair(corpus, ERR_CASE), "--ignore", ignore], capsys)
    assert code == 2 and "line 1: no rule id" in err
    code, _, err = run([*pair(corpus, ERR_CASE), "--ignore", str(tmp_path / "nope.txt")], capsys)
    assert code == 2 and "cannot read ignore file" in err


def test_ignore_line_that_matched_nothing_is_named(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ignore = _write(
        tmp_path / "ignore.txt", "response-required-property-removed GET /reports\nrequest-body-removed POST /reports\n"
    )
    code, out, err = run([*pair(corpus, ERR_CASE), "--ignore", ignore], capsys)
    assert code == 0
    assert err.strip() == f"warning: {ignore}, line 2: matched no change (request-body-removed)"


def test_misspelt_rule_id_in_ignore_file_exits_2(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ignore = _write(tmp_path / "ignore.txt", "response-required-propery-removed GET /reports\n")
    code, out, err = run([*pair(corpus, ERR_CASE), "--ignore", ignore], capsys)
    assert code == 2 and out == ""
    assert "line 1: unknown rule id 'response-required-propery-removed'" in err and len(err.splitlines()) == 1


# --- modes, severity levels, annotations ---------------------------------------------------


def test_breaking_leaves_out_info_and_changelog_keeps_it(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = "113-security-removed-from-operation"  # two INFO changes only
    code, out, _ = run(["breaking", *pair(corpus, case), "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(["changelog", *pair(corpus, case), "--format", "json"], capsys)
    assert {c["id"] for c in json.loads(out)} == {"api-security-removed", "api-security-added"}
    _, out, _ = run(["breaking", *pair(corpus, MIXED_CASE), "--format", "json"], capsys)
    assert len(json.loads(out)) == 4


def test_severity_levels_file_changes_levels_and_can_drop_a_rule(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = _write(
        tmp_path / "levels.txt",
        "# team policy\nresponse-property-enum-value-added ERR\nrequest-parameter-became-required NONE\n",
    )
    code, out, _ = run([*pair(corpus, MIXED_CASE), "--severity-levels", levels, "--format", "json"], capsys)
    changes = json.loads(out)
    assert code == 1
    assert "request-parameter-became-required" not in {c["id"] for c in changes}
    assert {c["level"] for c in changes if c["id"] == "response-property-enum-value-added"} == {"ERR"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("response-property-enum-value-addd ERR\n", "unknown rule id"),
        ("response-property-enum-value-added FATAL\n", "unknown level"),
        ("response-property-enum-value-added\n", "expected 'rule-id LEVEL'"),
    ],
)
def test_bad_severity_file_exits_2(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    code, out, err = run([*pair(corpus, MIXED_CASE), "--severity-levels", _write(tmp_path / "l.txt", text)], capsys)
    assert code == 2 and out == "" and expected in err and len(err.splitlines()) == 1


def test_githubactions_format(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*pair(corpus, MIXED_CASE), "--format", "githubactions"], capsys)
    lines = out.splitlines()
    assert code == 1 and len(lines) == 4
    assert lines[0] == (
        "::error title=ERR request-parameter-became-required::GET /reports: query parameter page: became required"
    )
    assert all(line.startswith("::warning title=WARN ") for line in lines[1:])


def test_githubactions_escapes_newlines_and_percent() -> None:
    from conformance.diff.model import Change, Level
    from conformance.diff.report import render_githubactions

    change = Change("api-security-removed", Level.INFO, "GET /a", "100% done\nnext")
    assert (
        render_githubactions([change], [], Level.ERR)
        == "::notice title=INFO api-security-removed::GET /a: 100%25 done%0Anext\n"
    )


# --- URL inputs and Swagger 2.0 ----------------------------------------------------------------


@pytest.fixture
def served(corpus: Path):
    """The corpus over HTTP on a free loopback port."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # stderr belongs to the CLI under test
            pass

    handler = functools.partial(Quiet, directory=str(corpus))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_inputs(served: str, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [f"{served}/{ERR_CASE}/old.yaml", str(corpus / ERR_CASE / "new.yaml"), "--format", "json"], capsys
    )
    assert code == 1 and [c["id"] for c in json.loads(out)] == ["response-required-property-removed"]
    code, out, err = run([f"{served}/no-such/old.yaml", str(corpus / ERR_CASE / "new.yaml")], capsys)
    assert code == 2 and out == "" and err.strip().endswith("cannot fetch: HTTP 404") and len(err.splitlines()) == 1


def test_swagger_2_is_refused_in_one_line(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path / "swagger.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    code, out, err = run([old, str(corpus / ERR_CASE / "new.yaml")], capsys)
    assert code == 2 and out == ""
    assert err == f"error: {old}: Swagger 2.0 is not supported; convert it to OpenAPI 3 first\n"


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)
