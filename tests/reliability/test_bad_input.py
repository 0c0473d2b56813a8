"""Malformed requests over real HTTP: each gets a 4xx the operation documents, in its documented envelope; the
server stays up; nothing the mock keeps changes."""
from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import API, BASE, TEAM_A

from .conftest import settle, state_of

JSON = {"Content-Type": "application/json"}
TEN_MB = b'{"name": "' + b"a" * (10 * 1024 * 1024) + b'"}'
DIGITS = "9" * 5000  # more than Python converts to int without complaint

# (case, method, path as sent, headers, body)
CASES = [
    ("malformed JSON", "POST", "/projects", JSON, b'{"name": "x",'),
    ("malformed JSON, structured envelope", "POST", "/grounding/analyze", JSON, b'{"url":'),
    ("JSON that is not an object", "POST", "/projects", JSON, b"[1, 2]"),
    ("wrong content type", "POST", "/projects", {"Content-Type": "text/plain"}, b"name=x"),
    ("form body for a JSON operation", "POST", "/projects", {"Content-Type": "application/x-www-form-urlencoded"},
     b"name=x"),
    ("body without content type", "POST", "/projects", {}, b'{"name": "x"}'),
    ("10 MB body", "POST", "/projects", JSON, TEN_MB),
    ("invalid UTF-8", "POST", "/projects", JSON, b'{"name": "\xff\xfe"}'),
    ("invalid UTF-8, structured envelope", "POST", "/grounding/analyze", JSON, b'{"url": "\xff"}'),
    ("very long integer id", "GET", f"/projects/{DIGITS}", {}, None),
    ("very long id", "GET", f"/projects/{'a' * 5000}", {}, None),
    ("very long id, structured envelope", "GET", f"/grounding/audits/{'x' * 5000}", {}, None),
    ("id out of range", "DELETE", "/projects/0", {}, None),
    ("traversal with encoded slashes", "GET", "/projects/..%2F..%2Fcredits", {}, None),
    ("traversal with encoded slashes, structured envelope", "GET", "/grounding/audits/..%2F1", {}, None),
    ("traversal with dot segments", "GET", "/projects/../credits", {}, None),
    ("encoded dots", "DELETE", "/projects/%2e%2e", {}, None),
    ("encoded slash inside an id", "PATCH", "/projects/1%2F2", JSON, b'{"name": "x"}'),
    ("traversal in a string id", "GET", "/wiki/pages/..%2F..%2Fetc%2Fpasswd", {}, None),
    ("unknown query parameters", "GET", "/projects?foo=1&bar=2", {}, None),
    ("unknown query parameter on a write", "POST", "/projects?force=true", JSON, b'{"name": "x"}'),
    ("huge per_page", "GET", "/projects/1/articles?per_page=100000", {}, None),
    ("per_page beyond any integer", "GET", f"/projects/1/articles?per_page={DIGITS}", {}, None),
    ("negative per_page", "GET", "/grounding/audits?per_page=-5", {}, None),
    ("per_page not a number", "GET", "/content-audits?per_page=lots", {}, None),
    ("per_page invalid UTF-8", "GET", "/projects/1/articles?per_page=%FF", {}, None),
]


@pytest.fixture(scope="module")
def served(live_server):
    """One settled mock for the whole matrix: no case may change it, and each compares before and after."""
    settle(live_server[1])
    return live_server


def documented_operation(mock, method: str, raw_path: str):
    """The operation a path as sent names (an encoded slash stays inside its parameter), or None."""
    path = urlsplit(raw_path).path
    for op in mock.doc.operations.values():
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(op.path))
        if op.method == method.lower() and re.fullmatch(pattern, path):
            return op
    return None


@pytest.mark.parametrize("case, method, path, headers, body", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_documented_4xx_and_changes_nothing(served, contract, case, method, path, headers, body):
    mock, origin = served
    before = state_of(mock)
    address = urlsplit(origin)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)  # sends the path as is
    connection.request(method, API + path, body=body, headers={**TEAM_A, **headers})
    response = connection.getresponse()
    status, answer, response_headers = response.status, response.read(), dict(response.getheaders())
    connection.close()

    assert 400 <= status < 500, (status, answer[:300])
    op = documented_operation(mock, method, path)
    if op is None:  # no documented path: the API's plain not-found
        assert status == 404 and answer == b'{"message":"Not found."}'
    else:
        assert str(status) in op.responses, (op.operation_id, status, answer[:300])
        url = BASE + API + re.sub(r"\{[^}]*\}", "1", op.path)
        problems = contract.violations(op.method, url, status, {k.lower(): v for k, v in response_headers.items()},
                                       answer)
        assert not problems, (op.operation_id, status, answer[:300], problems)
    assert state_of(mock) == before
    with httpx.Client(base_url=origin) as http_client:  # and the server still serves
        assert http_client.get(f"{API}/projects", headers=TEAM_A).status_code == 200
