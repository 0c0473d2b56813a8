"""An SDK's tests against the mock, with the toolkit's pytest fixtures (README: "Testing your code against the
mock"). `pip install rankion-contract-toolkit` and `pytest` is all it needs."""


def test_a_report_is_ready_once_the_mock_clock_moves(rankion_mock):
    api = rankion_mock.client("team_a")  # an httpx client at the API's base URL, with team A's test token
    project = api.get("/tracking-projects").json()["data"][0]["id"]
    report_id = api.post(f"/tracking-projects/{project}/generate-report").json()["report_id"]
    assert api.get(f"/reports/{report_id}").json()["status"] == "pending"

    rankion_mock.advance(60)  # jobs advance on the mock clock: no sleeping
    assert api.get(f"/reports/{report_id}").json()["status"] == "completed"
    rankion_mock.verify(1, operation="generateTrackingProjectReport", status="202")


def test_the_sdk_sees_402_when_the_team_is_out_of_credits(rankion_mock):
    rankion_mock.set_balance("team_a", 0)
    api = rankion_mock.client("team_a")
    project = api.get("/tracking-projects").json()["data"][0]["id"]
    assert api.post(f"/tracking-projects/{project}/generate-report").status_code == 402
    [refused] = rankion_mock.find(status="402")
    assert refused["refusal"]["kind"] == "credits" and rankion_mock.balance("team_a") == 0


def test_a_rate_limit_is_a_429_with_retry_after(rankion_mock_server):
    import httpx

    rankion_mock_server.fault("getCredits", status=429, count=1)
    headers = {"Authorization": f"Bearer {rankion_mock_server.tokens['team_a']}"}
    limited = httpx.get(f"{rankion_mock_server.base_url}/credits", headers=headers)  # a real socket
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert httpx.get(f"{rankion_mock_server.base_url}/credits", headers=headers).status_code == 200
    assert rankion_mock_server.unmatched() == []
