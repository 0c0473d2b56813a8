"""The mock's pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
`make test`): the API reference renders the 3.1 contract, authorizes with a test token in one click and calls the
mock; the state page shows the state live, moves the clock and performs a call whose refusal it explains."""
import os
import shutil
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOTS = Path(os.environ.get("MOCK_SCREENSHOTS", "/tmp/mock-screenshots"))
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("the browser tests need Debian's chromium and chromium-driver: run `make browser`")
    pytest.skip("chromium/chromedriver missing: `make browser` installs them", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait(driver, seconds=30):
    # the state page redraws its tables every second: an element found a moment ago may be gone; look again
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def test_the_reference_renders_the_contract_and_tries_a_call_against_the_mock(browser, rankion_mock_server):
    browser.get(f"{rankion_mock_server.root}/__mock/reference")
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert "Unable to render" not in browser.page_source
    servers = Select(browser.find_element(By.CSS_SELECTOR, ".servers select"))
    assert servers.options[0].text.startswith("/api/v1"), "the first server is the mock, not production"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) > 300

    browser.find_element(By.CSS_SELECTOR, "#tokens button[data-token='rk_test_team_a']").click()
    assert "rk_test_team_a" in browser.find_element(By.ID, "active-token").text
    operation = browser.find_element(By.CSS_SELECTOR, "[id$='-getCredits']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", operation)  # clear of the token bar
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    execute = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[id$='-getCredits'] .execute")))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", execute)
    execute.click()
    live = (By.CSS_SELECTOR, "[id$='-getCredits'] .live-responses-table tbody .response-col_status")
    wait(browser).until(EC.text_to_be_present_in_element(live, "200"))
    assert '"balance": 10000' in browser.find_element(By.CSS_SELECTOR, "[id$='-getCredits'] .live-responses-table").text
    browser.save_screenshot(str(SCREENSHOTS / "reference.png"))
    [call] = rankion_mock_server.find(operation="getCredits")
    assert call["team"] == "team_a" and call["status"] == 200


def test_the_state_page_shows_state_moves_the_clock_and_explains_a_refusal(browser, rankion_mock_server):
    api = rankion_mock_server.client("team_a")
    project = api.get("/tracking-projects").json()["data"][0]["id"]
    report_id = api.post(f"/tracking-projects/{project}/generate-report").json()["report_id"]
    browser.get(f"{rankion_mock_server.root}/__mock/")
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "jobs"), f"report {report_id}"))
    row = f"//table[@id='jobs']//tr[td[contains(., 'report {report_id}')]]"
    assert wait(browser).until(lambda d: d.find_element(By.XPATH, row).get_attribute("data-state")) == "pending"
    balance = browser.find_element(By.CSS_SELECTOR, "#teams b[data-team='team_a']").text
    assert int(balance) < 10_000, "the report's credits are debited and shown"
    assert "generateTrackingProjectReport" in browser.find_element(By.ID, "teams").text, "the ledger names it"

    browser.find_element(By.CSS_SELECTOR, "button[data-advance='1800']").click()
    wait(browser).until(lambda d: d.find_element(By.XPATH, row).get_attribute("data-state") == "completed")

    rankion_mock_server.set_balance("team_a", 0)
    Select(browser.find_element(By.ID, "try-token")).select_by_value("rk_test_team_a")
    Select(browser.find_element(By.ID, "try-method")).select_by_visible_text("POST")
    path = browser.find_element(By.ID, "try-path")
    path.clear()
    path.send_keys(f"/api/v1/tracking-projects/{project}/generate-report")
    browser.find_element(By.ID, "try-send").click()
    wait(browser).until(lambda d: d.find_element(By.ID, "try-result").get_attribute("data-status") == "402")
    refused = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "#journal tr[data-status='402']").text)
    assert "credits" in refused and "generateTrackingProjectReport" in refused
    browser.save_screenshot(str(SCREENSHOTS / "state.png"))

    browser.find_element(By.ID, "journal-clear").click()
    wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#journal tr[data-status]"))
    assert rankion_mock_server.find() == []
