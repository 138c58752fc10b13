"""Two gunicorn instances behind one address, as behind a load balancer: they share
PostgreSQL, Redis (rate limits and server-side sessions) and the secret key, so a session, a form's CSRF token and
the login rate limit carry from one to the other, and queued mail is sent once however
many `flask mail retry` run at the same time.

Runs only on PostgreSQL (MONITOR_TEST_DATABASE_URL) with Redis: a private `redis-server`
on a free port when the binary is installed, else one on 127.0.0.1:6379. Skipped with a
reason otherwise; under MONITOR_CI=1 a missing Redis or gunicorn fails when PostgreSQL is
set."""
from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa

from monitor import TOP, create_app
from monitor.extensions import db
from monitor.models import GoverningBody, OutgoingEmail, Plan, User
from monitor.services.accounts import hash_password
from support import DATABASE_URL, PASSWORD, need

pytestmark = pytest.mark.skipif(
    not DATABASE_URL, reason="two instances need PostgreSQL: set MONITOR_TEST_DATABASE_URL")

SECRET = "two-instances-shared-secret-" + "x" * 32
QUEUED = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(check, seconds: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {seconds} s")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    binary = shutil.which("redis-server")
    if binary:
        port = _free_port()
        folder = tmp_path_factory.mktemp("redis")
        process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: _reachable(port), 10, "redis-server")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)
        return
    need(_reachable(6379), "Redis is needed for two instances: install redis-server "
                           "(apt-get install redis-server) or run one on 127.0.0.1:6379")
    yield "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    """A schema of its own, its tables from the models, a coordinator, queued mail."""
    schema = f"two_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("two")
    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "MONITOR_LOG_KEY_FILE": _log_key_file(),
                      "MONITOR_ATTACHMENT_DIR": str(folder / "attachments"),
                      "MONITOR_MAIL_OUTBOX": "", "MAIL_SERVER": "127.0.0.1"})
    with app.app_context():
        db.create_all()
        body = GoverningBody(slug="krg", name_en="KRG", name_ar="حكومة الإقليم")
        db.session.add(body)
        db.session.add(Plan(body=body, slug="krg-plan", title_ar="خطة الإقليم",
                            title_en="KRG plan", status="open"))
        for email in ("coord@gov.example", "limited@gov.example"):
            db.session.add(User(email=email, role="coordinator", body=body, name="C",
                                password_hash=hash_password(PASSWORD)))
        for n in range(QUEUED):
            db.session.add(OutgoingEmail(
                kind="invitation", recipient=f"ngo{n}@ngo.example", subject="دعوة",
                body_text=f"رسالة {n}", message_id=f"<two-{n}@test.example>", status="queued"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _log_key_file() -> str:
    """The log key both instances share (required outside the embedded default)."""
    from monitor.services.results.log_key import write_new_key

    path = TOP / "tests" / "artifacts" / f"two-instances-log-key-{os.getpid()}.pem"
    if not path.exists():
        write_new_key(path)
    return str(path)


def _env(database: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({
        "FLASK_SECRET_KEY": SECRET,
        "FLASK_SQLALCHEMY_DATABASE_URI": database,
        "FLASK_RATELIMIT_STORAGE_URI": redis_url,
        "FLASK_RATELIMIT_ENABLED": "true",
        "FLASK_RATELIMIT_KEY_PREFIX": "two-" + secrets.token_hex(4),
        "FLASK_MONITOR_SESSION_STORE_URI": redis_url,
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MONITOR_MAIL_OUTBOX": '""',
        "FLASK_MONITOR_LOG_KEY_FILE": _log_key_file(),
        "PYTHONPATH": str(TOP),
    })
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def instances(database, redis_url, tmp_path_factory) -> Iterator[dict]:  # noqa: ANN001
    need(shutil.which("gunicorn") is not None or _has_module("gunicorn"),
         "gunicorn is not installed (pip install -e '.[test]')")
    env = _env(database, redis_url)
    logs = tmp_path_factory.mktemp("gunicorn")
    processes, ports = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            with (logs / f"{name}.log").open("wb") as log:  # the child keeps its own copy
                processes.append(subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                     "wsgi:app"], cwd=TOP, env=env, stdout=log, stderr=subprocess.STDOUT))
            ports.append(port)
        for port, process in zip(ports, processes):
            def ready(port: int = port, process: subprocess.Popen = process) -> bool:
                assert process.poll() is None, (logs / "a.log").read_text() + (
                    logs / "b.log").read_text()
                return _reachable(port)
            _wait_for(ready, 20, f"gunicorn on port {port}")
        yield {"a": ports[0], "b": ports[1], "env": env, "logs": logs}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


class Browser:
    """Keeps cookies like a browser would for one site name, whichever instance answers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None
                ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Accept-Language": "en", "Host": "monitor.test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
            return response.status, dict(response.headers), text
        finally:
            connection.close()

    def get(self, port: int, path: str) -> tuple[int, dict[str, str], str]:
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form: dict) -> tuple[int, dict[str, str], str]:
        return self.request(port, "POST", path, form)

    def csrf(self, port: int, path: str = "/login") -> str:
        status, _headers, page = self.get(port, path)
        assert status == 200, page[:500]
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, page[:500]
        return match.group(1)


def test_a_session_started_on_one_instance_works_on_the_other(instances):
    a, b = instances["a"], instances["b"]
    browser = Browser()
    token = browser.csrf(a)
    status, headers, _ = browser.post(a, "/login", {"csrf_token": token,
                                                    "email": "coord@gov.example",
                                                    "password": PASSWORD})
    assert status == 302 and headers["Location"] == "/"
    status, _, page = browser.get(b, "/plans/")
    assert status == 200
    assert "KRG plan" in page and "coord@gov.example" in page
    assert browser.get(a, "/plans/")[0] == 200

    anonymous = Browser()
    assert anonymous.get(b, "/plans/")[0] == 302  # not a shared-nothing accident


def test_sessions_live_in_redis_by_hash_and_a_sign_out_on_one_instance_ends_them_on_both(
        instances, redis_url, database):
    import hashlib

    import redis

    a, b = instances["a"], instances["b"]
    browser = Browser()
    token = browser.csrf(a)
    status, _, _ = browser.post(a, "/login", {"csrf_token": token, "email": "coord@gov.example",
                                              "password": PASSWORD})
    assert status == 302
    raw = browser.cookies["session"]
    store = redis.Redis.from_url(redis_url)
    try:
        assert store.exists("monitor:session:" + hashlib.sha256(raw.encode()).hexdigest())
        assert not store.exists("monitor:session:" + raw)  # the id itself is stored nowhere
    finally:
        store.close()
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:  # nothing in the database's session table
            assert conn.execute(sa.text("SELECT count(*) FROM server_session")).scalar() == 0
    finally:
        engine.dispose()
    thief = Browser()
    thief.cookies = dict(browser.cookies)
    assert thief.get(b, "/plans/")[0] == 200
    status, _, page = browser.get(b, "/plans/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert browser.post(b, "/logout", {"csrf_token": token})[0] == 302
    for port in (a, b):
        status, headers, _ = thief.get(port, "/plans/")
        assert status == 302 and headers["Location"].startswith("/login")


def test_a_csrf_token_from_one_instances_form_is_accepted_by_the_other(instances):
    a, b = instances["a"], instances["b"]
    browser = Browser()
    token = browser.csrf(a)
    status, _, page = browser.post(b, "/login", {"email": "coord@gov.example",
                                                 "password": PASSWORD})
    assert status == 400 and "This form has expired" in page  # no token: refused
    status, headers, _ = browser.post(b, "/login", {"csrf_token": token,
                                                    "email": "coord@gov.example",
                                                    "password": PASSWORD})
    assert status == 302 and headers["Location"] == "/"


def test_the_login_rate_limit_counts_attempts_on_both_instances(instances):
    a, b = instances["a"], instances["b"]
    browser = Browser()
    token = browser.csrf(a)
    wrong = {"csrf_token": token, "email": "limited@gov.example", "password": "wrong password!"}
    # "10 per 5 minutes" per account: five attempts on each instance use it up.
    for n in range(10):
        status, _, page = browser.post((a, b)[n % 2], "/login", wrong)
        assert status == 200 and "The email or password is not correct." in page, (n, status)
    for port in (a, b):
        status, _, page = browser.post(port, "/login", wrong)
        assert status == 429, status
        assert "Too many attempts" in page


def test_two_concurrent_mail_retries_send_each_queued_message_once(instances, database):
    from smtp import SmtpServer

    server = SmtpServer().start()
    try:
        env = dict(instances["env"], FLASK_MAIL_PORT=str(server.port))
        command = [sys.executable, "-m", "flask", "--app", "monitor", "mail", "retry"]
        runs = [subprocess.Popen(command, cwd=TOP, env=env, stdout=subprocess.PIPE,  # noqa: S603
                                 stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=60)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        ids = server.message_ids()
        assert len(ids) == QUEUED, outputs
        assert len(set(ids)) == QUEUED  # none twice
        sent = [int(m.group(1)) for out in outputs for m in re.finditer(r"Sent (\d+),", out)]
        assert sum(sent) == QUEUED, outputs

        print("mail retry outputs:", outputs)  # which run sent what (shown with -s)
    finally:
        server.stop()
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            statuses = conn.execute(sa.select(OutgoingEmail.status, sa.func.count())
                                    .group_by(OutgoingEmail.status)).all()
            claims = conn.execute(sa.select(sa.func.count()).select_from(OutgoingEmail)
                                  .where(OutgoingEmail.claim.is_not(None))).scalar()
        assert dict(statuses) == {"sent": QUEUED}  # a third run would find nothing to send
        assert claims == 0
    finally:
        engine.dispose()
