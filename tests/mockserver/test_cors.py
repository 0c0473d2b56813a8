"""A browser app on another origin can call the mock: preflight answered, CORS headers on every answer (errors
too), the headers a frontend reacts to exposed; `cors=False` (`--no-cors`) turns all of it off."""
from conftest import API, SPEC, TEAM_A
from starlette.testclient import TestClient

from mockserver.app import Mock

ORIGIN = {"Origin": "http://localhost:3000"}


def test_preflight_is_answered_for_any_method_and_the_requested_headers(client):
    response = client.options(f"{API}/tracking-projects", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, content-type"
    assert "Origin" in response.headers["vary"]


def test_answers_carry_cors_headers_and_expose_rate_limits_retry_after_and_location(client):
    ok = client.get(f"{API}/credits", headers={**ORIGIN, **TEAM_A})
    refused = client.get(f"{API}/credits", headers=ORIGIN)
    assert (ok.status_code, refused.status_code) == (200, 401)
    for response in (ok, refused):
        assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
        exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Location"} <= exposed


def test_same_origin_requests_are_left_alone(client):
    assert "access-control-allow-origin" not in client.get(f"{API}/credits", headers=TEAM_A).headers


def test_cors_can_be_turned_off():
    with TestClient(Mock(SPEC, cors=False)) as client:
        preflight = client.options(f"{API}/credits", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
        answer = client.get(f"{API}/credits", headers={**ORIGIN, **TEAM_A})
    assert preflight.status_code != 204 and "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers
