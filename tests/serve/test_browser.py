"""The web page in a real browser: Debian's chromium, headless, driven by Selenium through
chromedriver, against a live server on a free local port. It types a text and reads the bars,
annotates a CSV and downloads it, uploads a WAV, and keeps a screenshot in the test's folder.
`.ci/run` installs chromium and chromedriver with apt when they are missing."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = ("chromium and chromedriver are absent: apt-get install chromium chromium-driver "
           "(scripts/install-browser.sh; .ci/run does it)")


def _need_browser() -> None:
    """Skip without a browser, unless AFFECTLAB_REQUIRE_BROWSER (CI) makes that a failure."""
    if BROWSER is None or DRIVER is None:
        if os.environ.get("AFFECTLAB_REQUIRE_BROWSER"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from affectlab.serve import ServeConfig, create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(ServeConfig(port=port)), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _need_browser()
    pytest.importorskip("selenium", reason="selenium is a test dependency")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1100,1400"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def _wait(fn, timeout: float = 60.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.time() < deadline, "timed out waiting for the page"
        time.sleep(0.1)


def test_page_text_csv_audio(server, browser, inputs, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(server)
    assert browser.title == "affectlab"
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys("Thank you so much, this made my whole week!")
    browser.find_element(By.ID, "analyse").click()
    bars = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#bars .bar"))
    first = bars[0]
    assert first.get_attribute("data-label") == "gratitude"
    assert float(first.get_attribute("data-p")) > 0.5
    assert "chosen" in first.get_attribute("class")
    point = browser.find_element(By.ID, "point")
    assert point.get_attribute("visibility") == "visible"
    assert float(point.get_attribute("cx")) > 0  # positive valence lies right of centre

    browser.find_element(By.ID, "csv").send_keys(str(inputs["csv"]))
    browser.find_element(By.ID, "csv-run").click()
    link = _wait(lambda: [e for e in browser.find_elements(By.ID, "csv-download")
                          if e.is_displayed()])[0]
    assert browser.find_element(By.ID, "csv-status").text == "done: 4 rows"
    text = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done);", link.get_attribute("href"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["status"] for r in rows] == ["ok", "ok", "empty", "ok"]
    assert rows[1]["text"] == "This is awful, truly" and rows[0]["top"] == "love"
    assert "p_admiration" in rows[0]

    browser.find_element(By.ID, "file").send_keys(str(inputs["wav"]))
    _wait(lambda: '"speech"' in browser.find_element(By.ID, "json").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#bars .bar")
    shot = tmp_path / "page.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    out = Path("build/test-output")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, out / "serve-page.png")  # kept for people to look at after the run


def test_page_shows_api_errors(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server)
    browser.find_element(By.ID, "text").clear()
    browser.execute_script("document.getElementById('scheme').innerHTML ="
                           " '<option value=\"no-such-scheme\">x</option>';")
    browser.find_element(By.ID, "analyse").click()
    msg = _wait(lambda: browser.find_element(By.ID, "message").get_attribute("class") == "error"
                and browser.find_element(By.ID, "message").text)
    assert "no-such-scheme" in msg
