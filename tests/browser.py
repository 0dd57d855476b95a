"""Real Chromium for the end-to-end tests (Playwright driving Debian's /usr/bin/chromium)."""

import os

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flag Chromium keeps dialling out, which this network refuses.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def logged_in_page(browser, live_server, user):
    """A page whose session is `user`'s, without typing a password into the login form."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()
