"""A real server and Debian's Chromium, driven by Playwright.

The server is uvicorn in a thread, on a free loopback port, over the session's
test database; each test builds its own patients and agendas with the
factories. Chromium comes from Debian (`apt-get install chromium`): Playwright
cannot download its own browser here, so it is launched by path.

The pictures in docs/screenshots/ come from tests/browser/screenshots.py, on
the loaded reference data rather than on these tests' synthetic rows.
"""

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from retecup.api.app import create_app

CHROMIUM = os.environ.get("RETECUP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
AXE = Path(__file__).parent / "assets" / "axe.min.js"
# WCAG 2.1 A and AA: what Italian public services must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
# Generous: CI shares two cores with the database and the browser.
TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def base_url(engine):
    port = _free_port()
    config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"

    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    # bypass_csp: axe-core is injected as an inline script, which the pages'
    # Content-Security-Policy rightly refuses.
    context = browser.new_context(base_url=base_url, viewport=DESKTOP,
                                  locale="it-IT", timezone_id="Europe/Rome",
                                  bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport=PHONE,
                                  is_mobile=True, has_touch=True, locale="it-IT",
                                  timezone_id="Europe/Rome", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 AA violations on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        AXE_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    found = serious_violations(page)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
