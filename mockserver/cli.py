"""Command line: `python -m mockserver serve --spec PATH`, `python -m mockserver defects`."""
from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver", description="Stateful mock of an OpenAPI 3.1 contract.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a spec")
    serve.add_argument("--spec", default=str(ROOT / "spec" / "openapi.yaml"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4010)
    serve.add_argument("--fixtures", help="teams and tokens (default: fixtures/<spec>.teams.yaml)")
    serve.add_argument("--seed", type=int, default=0, help="fixture seed (same seed, same data)")
    serve.add_argument("--state", help="memory (default) or sqlite:PATH to keep state across restarts")
    serve.add_argument("--inject-defect", action="append", default=[], metavar="NAME",
                       help="break the contract on purpose (repeatable; see `defects`)")
    serve.add_argument("--log-requests", action="store_true", help="uvicorn access log")
    sub.add_parser("defects", help="list the contract defects --inject-defect knows")
    args = parser.parse_args(argv)

    if args.command == "defects":
        from .defects import DEFECTS

        for defect in DEFECTS.values():
            print(f"{defect.name:28} {defect.summary}")
        return 0
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from contract import DeclarationError

    from .app import Mock

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    state = None if args.state in (None, "memory") else args.state
    try:
        mock = Mock(args.spec, args.fixtures, args.seed, tuple(args.inject_defect), state)
    except (DeclarationError, ValueError, OSError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    # What start-up built (the spec, its derived views, the fixtures) lives as long as the server: frozen, the
    # garbage collector stops walking it, which otherwise pauses every request for tens of ms now and then.
    gc.collect()
    gc.freeze()
    base = mock.doc.base_path
    print(f"mock of {mock.doc.raw['info']['title']}: {len(mock.doc.operations)} operations, "
          f"{mock.engine.store.count()} records, ready in {mock.startup_seconds:.2f}s", flush=True)
    print(f"  http://{args.host}:{args.port}{base}   control: http://{args.host}:{args.port}/__mock", flush=True)
    for token, caller in mock.directory.tokens.items():
        print(f"  token {token}: {caller.team}{' (admin)' if caller.admin else ''}", flush=True)
    uvicorn.run(mock, host=args.host, port=args.port, access_log=args.log_requests, log_level="warning",
                lifespan="off")
    return 0
