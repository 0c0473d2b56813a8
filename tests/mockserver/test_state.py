"""`MockState`: one object holds what requests change; a reset renews all of it, so the same seed gives the same
answers after a reset as after a start."""
from dataclasses import fields

from conftest import API, TEAM_A

from mockserver.state import MockState

DYNAMIC = {**TEAM_A, "Prefer": "dynamic=true"}


def test_a_reset_draws_the_same_data_as_a_fresh_start(client):
    """Response bodies drawn from the generator (Prefer: dynamic=true, errors without an example) come from the
    state's generator: after a reset they start over as they did after the start."""
    def dynamic() -> dict:
        return client.get(f"{API}/tracking-projects/1/correlation", headers=DYNAMIC).json()

    first, second = dynamic(), dynamic()
    assert first != second, "the generator moves on between answers"
    client.post("/__mock/reset")
    assert dynamic() == first


def test_a_reset_renews_every_part_of_the_state(mock):
    before = {part.name: getattr(mock.state, part.name) for part in fields(MockState)}
    mock.reset()
    assert [name for name, part in before.items() if getattr(mock.state, name) is part] == []
    assert mock.engine.store is mock.state.store, "the engine reads the state it was given"
