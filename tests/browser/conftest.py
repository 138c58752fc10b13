"""Real-browser fixtures: the app served by a real WSGI server on 127.0.0.1 in a thread,
and Debian's Chromium driven by Playwright. Missing Chromium or Playwright: skipped with
a reason, or a failure under MONITOR_CI=1. With MONITOR_SCREENSHOTS=1,
screenshots go to tests/artifacts/."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from monitor import create_app
from monitor.extensions import db
from support import base_config, need


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def pytest_collection_modifyitems(items):  # noqa: ANN001
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    need(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_app(database_url, tmp_path):  # noqa: ANN001, ANN201
    """An app whose links in emails point at the live server."""
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url})
    with LiveServer(app) as server:
        app.config["MONITOR_BASE_URL"] = server.url
        with app.app_context():
            yield server
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def page_factory(browser, request):  # noqa: ANN001, ANN201
    """New pages at phone (360 px) or desktop width; a screenshot is taken by `shot`."""
    contexts = []

    def make_page(width: int = 1280, lang: str = "en"):  # noqa: ANN202
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      locale={"ar": "ar-IQ", "ckb": "ckb-IQ"}.get(lang, "en-GB"))
        contexts.append(context)
        return context.new_page()

    yield make_page
    for context in contexts:
        context.close()


@pytest.fixture
def live_smtp(live_app):  # noqa: ANN001, ANN201
    """A real SMTP server on 127.0.0.1 (tests/smtp.py) that the live app sends to."""
    from smtp import SmtpServer

    from monitor.services import mail_worker

    server = SmtpServer().start()
    live_app.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                               MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=5)
    # As in the demo: a mail worker beside the server sends what requests queue.
    worker, stop = mail_worker.start_thread(live_app.app, seconds=0.2)
    try:
        yield server
    finally:
        stop.set()
        worker.join(10)
        server.stop()
