"""Command line: `rankion-mock serve` (= `python -m mockserver serve`), `rankion-mock defects`.

Start-up problems (a spec that is empty, not YAML, not OpenAPI; a busy port; a bad option or config file) are one
`mockserver: …` line on stderr and exit 2, before anything announces a URL.
"""
from __future__ import annotations

import argparse
import gc
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import yaml

from contract import load_document, load_yaml, spec_path, version

EXIT_USAGE = 2
DEFAULT_PORT = 4010
CONTROL_HELP = """\
control API (JSON) and pages, on the same port:
  GET  /__mock                 state as JSON; in a browser, the live state page (credits, jobs, throttles, journal)
  GET  /__mock/reference       API reference (Swagger UI 5): try any operation against this mock, tokens one click away
  POST /__mock/reset           back to the fixtures
  POST /__mock/clock           {"advance": 1800} or {"freeze": true}: move or stop the mock clock
  PUT  /__mock/teams/T/credits {"balance": 3}: set a team's balance
  GET  /__mock/requests        the journal (?method= &path=/api/v1/reports* &operation= &team= &status=4xx
                               &unmatched=true &limit=); DELETE clears it
  POST /__mock/faults          {"operation": "getReport", "delay_ms": 300, "jitter_ms": 100, "status": 503,
                               "drop": false, "count": 1}; DELETE clears them
  POST /__mock/jobs/fail-next  {"target": OPERATION_OR_RESOURCE, "count": 1}
  GET  /__mock/webhooks        webhook deliveries and their attempts

config file (--config, YAML): any option below by its long name (spec, port, seed, cors, …) plus a list of
faults, each {operation, delay_ms, jitter_ms, status, drop, count}; options on the command line win.
"""


class StartupError(Exception):
    """A problem the user can fix: printed as one line, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rankion-mock", description="Stateful mock of an OpenAPI 3.1 contract.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a spec", description="Serve a spec as a stateful mock.",
                           epilog=CONTROL_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    # None means "not given": a config file may set it, else the default named in the help applies
    serve.add_argument("--spec", help=f"the OpenAPI document to serve (default: the packaged {spec_path().name})")
    serve.add_argument("--host", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int,
                       help=f"port (default: {DEFAULT_PORT}; 0 picks a free port, printed at start)")
    serve.add_argument("--fixtures", help="teams and tokens (default: fixtures/<spec>.teams.yaml)")
    serve.add_argument("--seed", type=int, help="fixture seed: the same seed gives the same data (default: 0)")
    serve.add_argument("--state", help="memory (default) or sqlite:PATH to keep state across restarts")
    serve.add_argument("--config", type=Path, help="YAML file with options and faults (see below)")
    serve.add_argument("--extra-fields", dest="extra_fields", action="store_const", const=True, default=None,
                       help="list items carry the whole stored record, undeclared fields included (for clients "
                            "testing their tolerance); by default exactly the documented fields")
    serve.add_argument("--no-cors", dest="cors", action="store_const", const=False,
                       help="do not answer browsers' CORS preflights nor add CORS headers (on by default)")
    serve.add_argument("--inject-defect", action="append", metavar="NAME",
                       help="break the contract on purpose (repeatable; see `defects`)")
    serve.add_argument("--log-requests", action="store_const", const=True, help="uvicorn access log on stdout")
    faults = serve.add_argument_group("faults", "added latency and failures, as POST /__mock/faults sets them")
    faults.add_argument("--fault-operation", metavar="OPERATION_ID",
                        help="the operation the fault options below apply to (default: * = every operation)")
    faults.add_argument("--latency", type=int, metavar="MS", help="fixed delay before each answer, in ms")
    faults.add_argument("--jitter", type=int, metavar="MS", help="plus a random delay of up to MS ms")
    faults.add_argument("--fault-status", type=int, metavar="CODE",
                        help="answer 429 (with Retry-After) or a 5xx instead, in the operation's error envelope")
    faults.add_argument("--drop", action="store_const", const=True,
                        help="drop the connection after the response head (a truncated answer)")
    faults.add_argument("--fault-count", type=int, metavar="N", help="only for the next N calls (default: all)")
    sub.add_parser("defects", help="list the contract defects --inject-defect knows")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # argparse itself exits 2 with the usage on a bad flag
    if args.command == "defects":
        from .defects import DEFECTS

        for defect in DEFECTS.values():
            print(f"{defect.name:28} {defect.summary}")
        return 0
    try:
        return _serve(options(args))
    except StartupError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return EXIT_USAGE


def options(args: argparse.Namespace) -> dict[str, Any]:
    """The command line over the config file over the defaults."""
    config = read_config(args.config) if args.config else {}
    given = {k: v for k, v in vars(args).items() if v is not None and k not in ("command", "config")}
    fault_keys = ("fault_operation", "latency", "jitter", "fault_status", "drop", "fault_count")
    merged = {"spec": str(spec_path()), "host": "127.0.0.1", "port": DEFAULT_PORT, "fixtures": None, "seed": 0,
              "state": None, "cors": True, "extra_fields": False, "inject_defect": [], "log_requests": False,
              **{k.replace("-", "_"): v for k, v in config.items() if k != "faults"},
              **{k: v for k, v in given.items() if k not in fault_keys}}
    faults = [fault_from(entry, f"faults[{i}] in {args.config}") for i, entry in enumerate(config.get("faults", []))]
    if any(k in given for k in fault_keys if k != "fault_operation"):
        faults.append(fault_from({"operation": given.get("fault_operation", "*"), "delay_ms": given.get("latency", 0),
                                  "jitter_ms": given.get("jitter", 0), "status": given.get("fault_status"),
                                  "drop": given.get("drop", False), "count": given.get("fault_count")}, "options"))
    merged["faults"] = faults
    return merged


def read_config(path: Path) -> dict[str, Any]:
    try:
        raw = load_yaml(path)
    except OSError as exc:
        raise StartupError(f"cannot read config {path}: {exc.strerror}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise StartupError(f"config {path} is not valid YAML: {one_line(exc)}") from None
    if not isinstance(raw, dict):
        raise StartupError(f"config {path} must be a mapping of option names")
    known = set(vars(build_parser().parse_args(["serve"]))) - {"command", "config"}
    unknown = [k for k in raw if k.replace("-", "_") not in known | {"faults"}]
    if unknown:
        raise StartupError(f"config {path}: unknown option {unknown[0]!r}")
    if not isinstance(raw.get("faults", []), list):
        raise StartupError(f"config {path}: faults must be a list")
    return raw


def fault_from(entry: Any, where: str) -> tuple[str, Any]:
    from .state import Fault, FaultError

    if not isinstance(entry, dict):
        raise StartupError(f"{where}: a fault is a mapping like {{operation: getReport, status: 503}}")
    unknown = set(entry) - {"operation", "delay_ms", "jitter_ms", "status", "drop", "count"}
    if unknown:
        raise StartupError(f"{where}: unknown fault key {sorted(unknown)[0]!r}")
    try:
        return str(entry.get("operation", "*")), Fault.checked(entry.get("delay_ms", 0), entry.get("jitter_ms", 0),
                                                             entry.get("status"), entry.get("drop", False),
                                                             entry.get("count"))
    except FaultError as exc:
        raise StartupError(f"{where}: {exc}") from None


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def check_spec(path: Path) -> None:
    """What no later step can explain well (a missing or empty file, not YAML, not OpenAPI 3.0/3.1), said in one
    line before a port is taken."""
    try:
        load_document(path)
    except OSError as exc:
        raise StartupError(f"cannot read spec {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise StartupError(one_line(exc)) from None


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is announced: a busy port is an error, not another process's
    URL printed as ours, and port 0 becomes the real port the system picked."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "is already in use" if exc.errno in (98, 48) else f"cannot be used ({exc.strerror})"
        raise StartupError(f"port {port} on {host} {reason}; pick another with --port (0 = any free port)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _serve(opts: dict[str, Any]) -> int:
    spec = Path(opts["spec"])
    check_spec(spec)
    sock = bind(opts["host"], int(opts["port"]))
    import uvicorn

    from contract import DeclarationError

    from .app import Mock

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    state = None if opts["state"] in (None, "memory") else opts["state"]
    try:
        mock = Mock(spec, opts["fixtures"], int(opts["seed"]), tuple(opts["inject_defect"]), state, cors=opts["cors"],
                    extra_fields=bool(opts["extra_fields"]))
    except (DeclarationError, ValueError, OSError, KeyError, TypeError) as exc:
        sock.close()
        raise StartupError(f"cannot serve {spec}: {one_line(exc)}") from None
    for operation, fault in opts["faults"]:
        if operation != "*" and operation not in mock.doc.operations:
            sock.close()
            raise StartupError(f"fault for unknown operation {operation!r}")
        mock.state.faults[operation] = fault
    # What start-up built (the spec, its derived views, the fixtures) lives as long as the server: frozen, the
    # garbage collector stops walking it, which otherwise pauses every request for tens of ms now and then.
    gc.collect()
    gc.freeze()
    host, port = opts["host"], sock.getsockname()[1]
    url_host = f"[{host}]" if ":" in host else host
    print(f"mock of {mock.doc.raw['info']['title']}: {len(mock.doc.operations)} operations, "
          f"{mock.engine.store.count()} records, ready in {mock.startup_seconds:.2f}s", flush=True)
    print(f"  http://{url_host}:{port}{mock.doc.base_path}   control: http://{url_host}:{port}/__mock   "
          f"reference: http://{url_host}:{port}/__mock/reference", flush=True)
    for token, caller in mock.directory.tokens.items():
        print(f"  token {token}: {caller.team}{' (admin)' if caller.admin else ''}", flush=True)
    for operation, fault in opts["faults"]:
        print(f"  fault on {operation}: {fault.describe()}", flush=True)
    config = uvicorn.Config(mock, access_log=bool(opts["log_requests"]), log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
