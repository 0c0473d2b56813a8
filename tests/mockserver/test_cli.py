"""The mock's command line: one-line start-up errors with exit 2, no URL announced for a port that is not ours,
the real port for --port 0, --version, faults from flags or a config file, every option described in --help."""
import os
import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from conftest import API, ROOT

from mockserver.cli import build_parser, main, options


@pytest.mark.parametrize(("content", "message"), [
    ("", "the document is empty"),
    ("paths: [1,\n", "not YAML or JSON"),
    ("title: a wiki page\n", "not an OpenAPI 3.0 or 3.1 document (no openapi field)"),
    ("- just\n- a list\n", "not an OpenAPI 3.0 or 3.1 document"),
    ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "(swagger: 2.0)"),
    ("openapi: 2.0.0\n", "not an OpenAPI 3.0 or 3.1 document (openapi: 2.0.0)"),
])
def test_a_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    spec = tmp_path / "spec.yaml"
    spec.write_text(content)
    assert main(["serve", "--spec", str(spec), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("mockserver: ") and message in err


def test_a_missing_spec_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["serve", "--spec", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err.startswith("mockserver: cannot read spec")


def test_a_busy_port_is_refused_before_anything_is_announced(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "http://" not in out and f"port {port} on 127.0.0.1 is already in use" in err


def exit_code(entry, argv) -> int:
    try:
        return entry(argv)
    except SystemExit as exc:  # argparse's --version exits; the differ's main returns
        return int(exc.code or 0)


def test_every_cli_has_version(capsys):
    from conformance.__main__ import main as conformance_main
    from conformance.diff.cli import main as diff_main

    for entry in (main, conformance_main, diff_main):
        assert exit_code(entry, ["--version"]) == 0
        assert re.search(r" \d+\.\d+\.\d+$", capsys.readouterr().out.strip())


def test_every_option_is_described_in_help():
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    undocumented = [a.option_strings for a in serve._actions if not a.help]
    assert undocumented == []
    text = serve.format_help()
    assert "/__mock/faults" in text and "/__mock/reference" in text and "--no-cors" in text


def test_faults_come_from_flags_and_the_config_file(tmp_path):
    config = tmp_path / "mock.yaml"
    config.write_text("port: 0\nseed: 7\ncors: false\nfaults:\n"
                      "  - {operation: getReport, status: 503, count: 2}\n  - {operation: '*', delay_ms: 10}\n")
    opts = options(build_parser().parse_args(["serve", "--config", str(config), "--seed", "3", "--latency", "20",
                                              "--jitter", "5", "--fault-operation", "getCredits"]))
    assert (opts["port"], opts["seed"], opts["cors"]) == (0, 3, False), "flags win over the file"
    faults = {operation: (f.delay_ms, f.jitter_ms, f.status, f.remaining) for operation, f in opts["faults"]}
    assert faults == {"getReport": (0, 0, 503, 2), "*": (10, 0, None, None), "getCredits": (20, 5, None, None)}


@pytest.mark.parametrize(("config", "message"), [
    ("faults: [{operation: getReport, status: 404}]", "status must be 429 or a 5xx code"),
    ("faults: [{operation: getReport, speed: 3}]", "unknown fault key 'speed'"),
    ("colour: red", "unknown option 'colour'"),
    ("port: [1,", "not valid YAML"),
])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path, capsys, config, message):
    path = tmp_path / "mock.yaml"
    path.write_text(config)
    assert main(["serve", "--config", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_port_0_announces_the_real_port_and_cli_faults_apply():
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", "0", "--fault-operation",
                                "getCredits", "--fault-status", "429", "--fault-count", "1"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        url = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", lines[1])
        assert url and url.group(1) != "0", lines
        base = f"http://127.0.0.1:{url.group(1)}"
        token = {"Authorization": "Bearer rk_test_team_a"}
        first, second = (httpx.get(f"{base}{API}/credits", headers=token) for _ in range(2))
        assert first.status_code == 429 and first.headers["retry-after"] == "1"
        assert second.status_code == 200, "the fault was for one call"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=10)  # reads the rest and closes the pipe
