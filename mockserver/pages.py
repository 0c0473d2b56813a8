"""The mock's pages for people: the live state page at `/__mock/` (for a browser; other clients keep the JSON) and
the API reference at `/__mock/reference`, with the data they read.

The reference is Swagger UI 5 (it reads OpenAPI 3.1; the Swagger UI 4 connexion bundles cannot), served from the
`swagger-ui-py` wheel's assets so no page loads anything from a CDN. It gets the contract with the mock as its
first server, and a button per fixture token that authorizes every security scheme with it.
"""
from __future__ import annotations

import html
import importlib.util
import json
from pathlib import Path
from string import Template
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from contract import OperationDecl, SpecDocument

from .engine import Engine
from .state import MockState
from .teams import Directory
from .webhooks import Webhooks


class Mock(Protocol):
    """What the pages read of a mock (app.Mock has it; naming the protocol keeps pages.py out of app's imports)."""
    doc: SpecDocument
    decls: dict[str, OperationDecl]
    directory: Directory
    state: MockState
    engine: Engine
    webhooks: Webhooks

STATIC = Path(__file__).resolve().parent / "static"
JOBS_SHOWN = 50
LEDGER_SHOWN = 20
JOURNAL_SHOWN = 100


def swagger_ui_assets() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # located, not imported: only its static files are used
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed (pip install -r requirements.lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def page(name: str, **values: str) -> HTMLResponse:
    return HTMLResponse(Template((STATIC / name).read_text(encoding="utf-8")).substitute(values))


def state_page(mock: Mock) -> HTMLResponse:
    title = str(mock.doc.raw.get("info", {}).get("title", "API"))
    return page("state.html", title=html.escape(title), base=html.escape(mock.doc.base_path),
                tokens=json.dumps(tokens(mock)))


def tokens(mock: Mock) -> list[dict]:
    return [{"token": token, "team": caller.team, "admin": caller.admin}
            for token, caller in mock.directory.tokens.items()]


def reference_document(mock: Mock) -> dict:
    """The contract as written, with the mock first among its servers so "Try it out" calls the mock."""
    original = [s for s in mock.doc.raw.get("servers") or [] if isinstance(s, dict)]
    return {**mock.doc.raw, "servers": [{"url": mock.doc.base_path or "/", "description": "this mock"}, *original]}


def security_schemes(mock: Mock) -> list[str]:
    """The schemes a test token can fill: bearer and API key schemes (the fixtures' tokens work as either)."""
    schemes = (mock.doc.raw.get("components") or {}).get("securitySchemes") or {}
    return [name for name, scheme in schemes.items()
            if scheme.get("type") == "apiKey" or str(scheme.get("scheme", "")).lower() == "bearer"]


def state(mock: Mock) -> dict[str, Any]:
    """Everything the state page shows, read at the moment of the request."""
    live, now = mock.state, mock.state.clock.now()
    teams = [{"key": key, "id": team.id, "name": team.name, "balance": live.ledger.balance(key),
              "ledger": [vars(entry) for entry in live.ledger.history(key)[:LEDGER_SHOWN]]}
             for key, team in mock.directory.teams.items()]
    jobs = []
    for records in live.store.items.values():
        for stored in records.values():
            if stored.job:
                decl = mock.decls[stored.job["op"]].job
                if decl is None:
                    continue
                jobs.append({"resource": stored.resource, "id": stored.key, "team": stored.team,
                             "operation": stored.job["op"], "state": stored.fields.get(decl.field),
                             "states": list(decl.states) + ([decl.failure] if decl.failure else []),
                             "done": bool(stored.job["done"]), "started": stored.job["started"],
                             "step_seconds": decl.step_seconds})
    jobs.sort(key=lambda job: -job["started"])
    throttles = []
    for key, (start, count) in live.throttle.windows.items():
        rule = mock.decls[key[0]].throttle if key[0] in mock.decls else None
        if rule is None:
            continue
        throttles.append({"operation": key[0], "key": [str(part) for part in key[1:]], "count": count,
                          "limit": rule.limit, "window": rule.window, "resets_in": max(0.0, start + rule.window - now)})
    return {
        "clock": mock.state.clock.state(), "teams": teams, "jobs": jobs[:JOBS_SHOWN], "throttles": throttles,
        "webhooks": mock.webhooks.summary(),
        "faults": {name: vars(fault) for name, fault in live.faults.items()},
        "journal": list(live.journal.entries)[-JOURNAL_SHOWN:][::-1],
    }


def page_routes(mock: Mock) -> list[Route | Mount]:
    reference_json: list[bytes] = []  # encoded on first use: most mocks never open the page

    async def state_json(request: Request) -> JSONResponse:
        await mock.webhooks.deliver_due()
        mock.engine.jobs.tick()
        return JSONResponse(json.loads(json.dumps(state(mock), default=str)))

    async def reference(request: Request) -> HTMLResponse:
        return page("reference.html", title=html.escape(str(mock.doc.raw.get("info", {}).get("title", "API"))),
                    tokens=json.dumps(tokens(mock)), schemes=json.dumps(security_schemes(mock)))

    async def reference_spec(request: Request) -> Response:
        if not reference_json:
            reference_json.append(json.dumps(reference_document(mock), default=str).encode())
        return Response(reference_json[0], media_type="application/json")

    return [
        Route("/__mock/state", state_json),
        Route("/__mock/reference", reference),
        Route("/__mock/reference/openapi.json", reference_spec),
        Mount("/__mock/assets/swagger-ui", StaticFiles(directory=swagger_ui_assets()), name="swagger-ui"),
    ]
