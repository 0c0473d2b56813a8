"""Any valid OpenAPI document, no code: each document of the corpus (written for the purpose, 3.0 and 3.1, one
split across files) starts, and every operation answers one request built from the document with a documented
status and a body openapi-core finds valid. What is not an OpenAPI document stops the CLI with one line."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from openapi_core import Config, OpenAPI
from starlette.testclient import TestClient

from conformance.requestgen import build
from conformance.response_validation import BINARY_MEDIA, TEXT_MEDIA, _binary, _text
from contract import Generator, load_document, server_url
from mockserver.app import Mock

CORPUS = Path(__file__).resolve().parent / "openapi_corpus"
DOCUMENTS = sorted([*CORPUS.glob("*.yaml"), CORPUS / "multifile" / "openapi.yaml"])
ROOT = Path(__file__).resolve().parents[2]


def credentials(mock: Mock, op) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Headers, query and cookies that satisfy the operation's first security alternative: any well-formed
    credential passes a spec without fixtures."""
    schemes = (mock.doc.raw.get("components") or {}).get("securitySchemes") or {}
    requirements = op.spec.get("security", mock.doc.raw.get("security")) or [{}]
    headers, query, cookies = {}, {}, {}
    for name in requirements[0]:
        scheme = schemes[name]
        if scheme["type"] == "apiKey":
            {"header": headers, "query": query, "cookie": cookies}[scheme["in"]][scheme["name"]] = "any-key"
        elif scheme["type"] == "http" and scheme["scheme"].lower() == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"user:secret").decode()
        else:
            headers["Authorization"] = "Bearer any-token"
    return headers, query, cookies


def validator(path: Path) -> OpenAPI:
    deserializers = {m: _text for m in TEXT_MEDIA} | {m: _binary for m in BINARY_MEDIA} | {"image/png": _binary}
    # the mock starts on `default` values that do not fit their schema (annotations in 3.1); openapi-core's
    # document check would not, and it only judges answers here
    return OpenAPI.from_dict(load_document(path), config=Config(extra_media_type_deserializers=deserializers,
                                                                spec_validator_cls=None))


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.relative_to(CORPUS).as_posix() for p in DOCUMENTS])
def test_every_operation_of_any_document_answers_as_documented(path):
    from werkzeug.datastructures import Headers

    from conformance.response_validation import _Request, _Response

    mock = Mock(path)
    api = validator(path)
    origin = server_url((mock.doc.raw.get("servers") or [{"url": "/"}])[0])
    if origin.startswith("/"):
        origin = "http://127.0.0.1:4010" + origin
    answers = []
    with TestClient(mock, base_url="http://127.0.0.1:4010") as client:
        for oid, op in mock.doc.operations.items():
            request = build(op, {}, Generator(3))
            headers, query, cookies = credentials(mock, op)
            target = mock.doc.base_path + request.path
            if query:
                target += ("&" if "?" in target else "?") + urlencode(query)
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            media = next(iter((op.spec.get("requestBody") or {}).get("content") or {}), None)
            content = None
            if request.json is not None:  # sent as the media type the operation documents
                content, headers["Content-Type"] = json.dumps(request.json).encode(), media or "application/json"
            response = client.request(request.method.upper(), target, content=content, files=request.files,
                                      data=request.data, headers={**request.headers, **headers})
            answers.append((oid, response.status_code))
            assert response.status_code < 500, (oid, response.status_code, response.text[:300])
            responses = op.responses
            status = str(response.status_code)
            assert status in responses or f"{status[0]}XX" in responses or "default" in responses, \
                (oid, status, response.text[:300])
            url = urlsplit(origin + request.path)
            checked = _Request(f"{url.scheme}://{url.netloc}", url.path, op.method, url.query)
            media = response.headers.get("content-type", "").split(";")[0].strip()
            try:
                api.validate_response(checked, _Response(response.status_code, media,
                                                         Headers(list(response.headers.items())), response.content))
            except Exception as exc:  # openapi-core raises one error type per kind of mismatch
                errors = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [])
                pytest.fail(f"{oid} answered {status} {response.text[:300]}: {type(exc).__name__}: {exc} {errors}")
    assert answers and all(status < 300 for _, status in answers), answers


@pytest.mark.parametrize("content, says", [
    ("", "the document is empty"),
    ("paths: [unclosed\n", "not YAML or JSON"),
    ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "not an OpenAPI 3.0 or 3.1 document"),
    ("just text\n", "not an OpenAPI 3.0 or 3.1 document"),
    ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
     "        '200': {$ref: 'gone.yaml#/Ok'}\n", "no file"),
])
def test_what_is_not_an_openapi_document_stops_the_cli_with_one_line(tmp_path, content, says):
    spec = tmp_path / "api.yaml"
    spec.write_text(content)
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--spec", str(spec), "--port", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_a_spec_without_fixtures_takes_any_well_formed_credential_and_refuses_none():
    mock = Mock(CORPUS / "apikey-query-cookie-30.yaml")
    with TestClient(mock, base_url="http://127.0.0.1:4010") as client:
        assert client.get("/search", params={"q": "x", "api_key": "whatever"}).status_code == 200
        assert client.get("/search", params={"q": "x"}).status_code == 401
        client.cookies.set("SESSION", "s")
        assert client.get("/cart").status_code == 200
    basic = Mock(CORPUS / "basic-auth-30.yaml")
    with TestClient(basic, base_url="http://127.0.0.1:4010") as client:
        basic_ok = {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
        assert client.get("/me", headers=basic_ok).status_code == 200
        assert client.get("/me", headers={"Authorization": "Basic not-base64!"}).status_code == 401
        assert client.get("/me", headers={"Authorization": "Bearer t"}).status_code == 401
        assert client.get("/status").status_code == 200


def test_a_spec_with_fixtures_keeps_its_tokens():
    mock = Mock(ROOT / "spec" / "openapi.yaml")
    with TestClient(mock, base_url="http://127.0.0.1:4010") as client:
        assert client.get("/api/v1/projects", headers={"Authorization": "Bearer any-token"}).status_code == 401
        assert client.get("/api/v1/projects", headers={"Authorization": "Bearer rk_test_team_a"}).status_code == 200
