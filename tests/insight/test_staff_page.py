"""The staff page as staff use it: conversations sent through the running bot, the page opened in Debian's
Chromium (headless, driven by selenium) with the staff credential; its figures and top unanswered question are
what was sent, no name or phone number typed in a booking appears on it or in the stored conversations, and
without the credential there is nothing but 401. A screenshot goes to results/staff-page.png."""
from __future__ import annotations

import base64
import csv
import json
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from bot.conversations.store import conversations_url
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import KNOWLEDGE_DIR, skip_or_fail
from tests.conversations.conftest import VENV_BIN, http
from tests.insight.conftest import STAFF_TOKEN

pytestmark = [pytest.mark.server, pytest.mark.model]

NAME, PHONE_TYPED, PHONE = "Trần Thị Bình", "0978 123 456", "0978123456"
SITE = next(s for s in yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]
            if s["id"] == "chua-ba-vang")
QUESTION = f"{SITE['name']} mở cửa mấy giờ?"  # no published hours: "I do not know" (knowledge/sites.yml)


def get(url: str, authorization: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture(scope="module")
def seeded(staff_bot):
    """What visitors sent: the same unanswered question from three people (one on Telegram), one message the
    bot does not understand, greetings, and a booking with a name and a phone number."""
    sent: list[tuple[str, str]] = []

    def say(sender: str, text: str) -> list[dict]:
        sent.append((sender, text))
        return staff_bot.say(sender, text)

    run = uuid.uuid4().hex[:6]
    for sender in (f"web-{run}-1", f"web-{run}-2", f"telegram-{run}"):
        assert "chưa có thông tin giờ mở cửa" in " ".join(m.get("text", "") for m in say(sender, QUESTION))
    say(f"web-{run}-1", "qwrtx zzkp vbnm")
    say(f"web-{run}-2", "xin chào")
    booker = f"web-{run}-booker"
    for text in ("đặt 2 vé người lớn thứ Bảy tuần sau", "08:00-10:00", NAME.lower(), PHONE_TYPED):
        say(booker, text)
    assert "Đặt vé thành công" in " ".join(m.get("text", "") for m in say(booker, "/affirm"))
    staff = f"{staff_bot.rasa_url}/webhooks/staff/"
    expected = len(sent)
    deadline = time.monotonic() + 15  # turns are summarised by a writer thread, just after each reply
    while time.monotonic() < deadline:
        status, page = get(staff, f"Bearer {STAFF_TOKEN}")
        if status == 200 and f'id="messages">{expected}<' in page:
            break
        time.sleep(0.3)
    return {"sent": sent, "booker": booker, "senders": {s for s, _ in sent}}


def test_without_the_credential_there_is_nothing_but_401(staff_bot):
    base = f"{staff_bot.rasa_url}/webhooks/staff/"
    for path in ("", "unanswered.csv", "plotly.min.js"):
        for authorization in (None, "Bearer wrong-token", "Basic " + "c3RhZmY6d3Jvbmc=", f"Token {STAFF_TOKEN}"):
            assert get(base + path, authorization) == (401, "401 Unauthorized")
    assert get(base, f"Bearer {STAFF_TOKEN}")[0] == 200


def test_a_booking_conversation_is_stored_without_the_name_or_phone(staff_bot, seeded):
    url = conversations_url(Settings.from_env({"QN_DATABASE_URL": staff_bot.database_url}))
    path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        events = [json.loads(data) for (data,) in connection.execute(
            "select data from events where sender_id = ?", (seeded["booker"],))]
        pending = connection.execute("select count(*) from pending_personal_data where sender_id = ?",
                                     (seeded["booker"],)).fetchone()[0]
    stored = json.dumps(events, ensure_ascii=False).lower()
    assert len(events) > 20 and "đặt 2 vé người lớn" in stored  # the conversation itself is all there
    for personal in (NAME, PHONE_TYPED, PHONE, "thị bình"):
        assert personal.lower() not in stored
    assert pending == 0  # the booking holds them now
    tracker = json.dumps(http("GET", f"{staff_bot.rasa_url}/conversations/{seeded['booker']}/tracker"),
                         ensure_ascii=False).lower()
    assert PHONE not in tracker and NAME.lower() not in tracker


def test_the_export_command_gives_the_top_unanswered_question(staff_bot, seeded, tmp_path):
    out = tmp_path / "unanswered.csv"
    subprocess.run([str(VENV_BIN / "qn-staff"), "unanswered", "--since", "7d", "--csv", str(out)], env=staff_bot.env,
                   check=True, capture_output=True)
    top = next(csv.DictReader(out.open(encoding="utf-8")))
    assert (top["count"], top["example"], top["knowledge"]) == (
        "3", QUESTION, "knowledge/sites.yml › id: chua-ba-vang › opening_hours")


def test_staff_see_what_was_sent_in_a_real_browser(staff_bot, seeded):
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        skip_or_fail("Debian's chromium and chromium-driver are not installed (apt-get install chromium "
                     "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    # No background networking: this machine's network is closed, and Chromium would keep trying.
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--window-size=1400,2600", "--lang=vi"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        # The credential goes with every request the page makes (its plotly.js too), as a browser sends Basic auth.
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {STAFF_TOKEN}"}})
        browser.get(f"{staff_bot.rasa_url}/webhooks/staff/")
        WebDriverWait(browser, 30).until(
            lambda b: len(b.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg")) >= 6)
        assert browser.find_element(By.ID, "messages").text == str(len(seeded["sent"]))
        assert browser.find_element(By.ID, "conversations").text == str(len(seeded["senders"]))
        assert browser.find_element(By.ID, "fallback-rate").text == f"{1 / len(seeded['sent']):.1%}"
        top = browser.find_elements(By.CSS_SELECTOR, "tr.unanswered")[0]
        cells = [cell.text for cell in top.find_elements(By.TAG_NAME, "td")]
        assert cells[:2] == ["3", QUESTION] and "knowledge/sites.yml › id: chua-ba-vang › opening_hours" in cells[3]
        telegram = browser.find_element(By.CSS_SELECTOR, "select[name=channel] option[value=telegram]")
        assert telegram.text == "Telegram"
        page = browser.page_source
        for personal in (NAME, PHONE_TYPED, PHONE, NAME.lower()):
            assert personal not in page
        results = PROJECT_ROOT / "results"
        results.mkdir(exist_ok=True)
        size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
        (results / "staff-page.png").write_bytes(base64.b64decode(shot["data"]))  # the whole page, not the window
    finally:
        browser.quit()
