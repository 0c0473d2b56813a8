"""The stack's ceiling: connexion on the mock's derived 3.0 view, with the mock's security handlers and strict
request validation, but every operation answers one constant JSON body. Whatever this app costs per request is
connexion's and uvicorn's, not the mock's.

By default a connexion AsyncApp; with --direct, the mock's own stack (mockserver/direct.py: connexion's
middleware, operations called without connexion's per-request decorators).

    python bench/ceiling.py --spec spec/openapi.yaml --port 4020 [--direct]
"""
from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = b'{"ok":true}'


def constant_handler(operation_id: str) -> Callable:
    from starlette.responses import Response

    from mockserver.http import fixed_signature

    @fixed_signature  # as the mock's token checkers: connexion inspects the handler on every request
    async def handle(*args: Any, **kwargs: Any) -> Response:
        return Response(BODY, media_type="application/json")

    handle.__name__ = operation_id
    return handle


def direct_handler(operation_id: str) -> Callable:
    from starlette.responses import Response

    async def handle(scope: dict, body: Any) -> Response:
        return Response(BODY, media_type="application/json")

    return handle


def build(spec_path: Path, direct: bool = False):
    from connexion import AsyncApp
    from connexion.resolver import Resolver

    from contract import SpecDocument
    from mockserver.direct import direct_app
    from mockserver.http import security_map
    from mockserver.openapi30 import to_openapi30
    from mockserver.teams import Directory, default_fixtures

    doc = SpecDocument.from_file(spec_path)
    security = security_map(Directory.from_file(default_fixtures(spec_path)))
    if direct:
        app, handler = direct_app(import_name=__name__, security_map=security), direct_handler
    else:
        app, handler = AsyncApp(__name__, security_map=security), constant_handler
    app.add_api(to_openapi30(doc.raw), base_path=doc.base_path, resolver=Resolver(function_resolver=handler),
                strict_validation=True, validate_responses=False)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/ceiling.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "spec" / "openapi.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4020)
    parser.add_argument("--direct", action="store_true", help="the mock's stack instead of a connexion AsyncApp")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        print(f"ceiling: no such spec: {args.spec}", file=sys.stderr)
        return 2
    import uvicorn

    app = build(args.spec, args.direct)
    logging.getLogger("connexion").setLevel(logging.ERROR)  # request logging off, as on the other servers
    gc.collect()
    gc.freeze()  # as the mock's server does after start-up
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning",
                lifespan="off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
