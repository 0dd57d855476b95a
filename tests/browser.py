"""Real Chromium for the end-to-end tests (Playwright driving Debian's /usr/bin/chromium)."""

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flag Chromium keeps dialling out, which this network refuses.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextlib.contextmanager
def launched(args: list[str] = ARGS) -> Iterator[Any]:
    """Chromium under Playwright's sync API, for the length of the block.

    Between its calls Playwright leaves its event loop marked as running in this thread, and
    Django then keeps the thread's connections apart from the plain ones (asgiref's Local, by
    context): the ORM calls a test makes after its first browser call go through a connection of
    their own, which neither the test's database teardown nor the test database's drop at the
    end of the session closes. Left open, PostgreSQL refused to drop the test database ("being
    accessed by other users"). It is closed here, while the loop still counts as running.
    """
    # The ORM calls the test makes around the browser's are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield chromium
        finally:
            try:
                chromium.close()
            finally:
                connections.close_all()


@pytest.fixture
def browser():
    with launched() as chromium:
        yield chromium


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


@pytest.fixture
def network(monkeypatch):
    """Cuts the desk off from the server the way a pulled cable does, and gives it back.

    Playwright's offline switch alone is not enough: a page that a service worker controls
    sometimes gets its first request after a reload through to the server anyway (about one run
    in eight here), which a real lost network never does. So while cut, the live server also
    drops every connection without answering; the browser sees a network error, as offline.
    """
    from django.core.servers import basehttp

    cut = threading.Event()
    answer = basehttp.ServerHandler.run

    def run_unless_cut(handler, application):
        if not cut.is_set():
            return answer(handler, application)
        handler.request_handler.close_connection = True
        handler.request_handler.connection.shutdown(socket.SHUT_RDWR)

    monkeypatch.setattr(basehttp.ServerHandler, "run", run_unless_cut)
    return _Network(cut)


class _Network:
    def __init__(self, cut):
        self._cut = cut

    def cut(self, page):
        self._cut.set()
        page.context.set_offline(True)

    def restore(self, page):
        page.context.set_offline(False)
        self._cut.clear()
