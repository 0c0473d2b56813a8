"""`x-mock-respond`: a declared parameter selects another documented answer. On POST /agentic/chat
`wait_for_final=true` blocks until the agent's job ends and answers 200 inline with `resumed: true`; without
it the call answers 202 and a job to poll."""
from __future__ import annotations

from conftest import API, TEAM_A


def test_wait_for_final_answers_the_final_result_inline(client):
    answer = client.post(API + "/agentic/chat?wait_for_final=true", headers=TEAM_A, json={"message": "Audit"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["resumed"] is True and "message_id" in body and "poll_url" not in body
    session = client.get(f"{API}/agentic/sessions/{body['session_id']}", headers=TEAM_A).json()
    assert session["is_terminal"] is True and session["agentic_status"] == "completed"
    assert session["text"] == body["text"]


def test_without_it_the_turn_is_handed_off(client):
    for query in ("", "?wait_for_final=false"):
        answer = client.post(API + "/agentic/chat" + query, headers=TEAM_A, json={"message": "Audit"})
        assert answer.status_code == 202, answer.text
        assert answer.json()["resumed"] is False
