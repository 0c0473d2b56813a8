"""Faults set through the control API: a 429 the client can back off from, jitter on top of a fixed delay, and
values that cannot be a fault refused with 422."""
import pytest
from conftest import API, TEAM_A

from mockserver.state import Fault, FaultError


def test_an_injected_429_carries_retry_after_in_the_operations_envelope(client):
    client.post("/__mock/faults", json={"operation": "getCredits", "status": 429, "count": 1})
    limited = client.get(f"{API}/credits", headers=TEAM_A)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1" and "message" in limited.json()
    assert client.get(f"{API}/credits", headers=TEAM_A).status_code == 200


def test_jitter_is_stored_with_the_fixed_delay(client):
    rules = client.post("/__mock/faults", json={"operation": "*", "delay_ms": 1, "jitter_ms": 2}).json()["faults"]
    assert rules["*"]["delay_ms"] == 1 and rules["*"]["jitter_ms"] == 2
    assert client.get(f"{API}/credits", headers=TEAM_A).status_code == 200


@pytest.mark.parametrize("body", [{"status": 404}, {"delay_ms": -1}, {"jitter_ms": "lots"}, {"count": 0},
                                  {"drop": "yes"}])
def test_values_that_are_no_fault_are_a_422(client, body):
    assert client.post("/__mock/faults", json={"operation": "getCredits", **body}).status_code == 422


def test_a_fault_describes_itself_for_the_start_up_banner():
    assert Fault.checked(200, 50, 429, False, 3).describe() == "200 ms, + up to 50 ms, status 429, next 3 calls"
    with pytest.raises(FaultError):
        Fault.checked(status=True)
