"""Defaults. Every key can be overridden by a FLASK_-prefixed environment variable
(Flask's `from_prefixed_env`), e.g. FLASK_SQLALCHEMY_DATABASE_URI or FLASK_MAIL_SERVER.
The README lists them all."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

#: The checkout: translations/ and migrations/ are found from here.
TOP = Path(__file__).resolve().parent.parent

#: The interface languages, first-class all three (ar and ckb read right to left).
LANGUAGES = ("ar", "ckb", "en")
#: Where the plans are run: dates and deadlines are shown and understood in this zone.
DEFAULT_TIMEZONE = "Asia/Baghdad"


class Config:
    # No secret here on purpose: see monitor.__init__._secret_key().
    SECRET_KEY: str | None = None
    # None means: SQLite file `monitor.db` in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Mail. When MONITOR_MAIL_OUTBOX is set, messages are written there as .eml files
    # instead of being sent (the demo uses instance/outbox).
    MAIL_SERVER: str | None = None  # None: mail goes to instance/outbox
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "monitor@localhost"
    MONITOR_MAIL_OUTBOX: str | None = None
    MAIL_TIMEOUT = 30  # seconds per SMTP exchange
    # A sender claims a chunk of queued mail for this long, so that two senders (web and
    # CLI, two hosts, a double click) never send the same message.
    MONITOR_MAIL_CLAIM_MINUTES = 10
    # The mail worker (`flask mail worker`, in-process in the demo) looks at the queue this often.
    MONITOR_MAIL_WORKER_SECONDS = 10
    # Users who chose the daily digest get it from this hour (0-23, MONITOR_TIMEZONE).
    MONITOR_DIGEST_HOUR = 7
    # Links in emails are built from this, because mail is also sent from the CLI.
    MONITOR_BASE_URL = "http://127.0.0.1:5000"

    # Domain settings.
    MONITOR_INVITATION_DAYS = 30
    MONITOR_EVALUATOR_INVITATION_DAYS = 14
    MONITOR_RESET_MINUTES = 60
    MONITOR_MIN_NGOS = 2
    MONITOR_DIVERGENCE_THRESHOLD = 15.0
    MONITOR_ATTACHMENT_MAX_MB = 10
    # Evidence per evaluation, all documents together, and uploads per person.
    MONITOR_MAX_DOCUMENTS_PER_EVALUATION = 20
    MONITOR_MAX_EVIDENCE_MB_PER_EVALUATION = 100
    MONITOR_UPLOAD_RATE_LIMIT = "30 per 10 minutes"
    MONITOR_AUTOSAVE_SECONDS = 30  # drafts saved in the background while edited; 0: off
    MONITOR_IMPORT_MAX_MB = 20
    MONITOR_ATTACHMENT_DIR: str | None = None  # default: instance/attachments
    MONITOR_IMPORT_DIR: str | None = None  # staged uploads awaiting confirmation; default instance/imports
    MONITOR_STATE_UNDER_REVIEW = "Iraq"  # UPR Info exports: rows for other States are skipped
    MONITOR_TIMEZONE = DEFAULT_TIMEZONE
    # The Ed25519 key that signs the transparency log's heads: required in production;
    # the embedded default keeps one in instance/log_key (services.results.log_key).
    MONITOR_LOG_KEY_FILE: str | None = None

    # Web.
    MONITOR_PROXIES = 0  # number of reverse proxies in front (1 behind nginx): enables ProxyFix
    # Strict-Transport-Security on HTTPS responses (one year); 0: not sent.
    MONITOR_HSTS_SECONDS = 365 * 24 * 3600
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Server-side sessions (monitor/sessions.py): in the database unless this names Redis
    # (redis://127.0.0.1:6379/1), for several instances.
    MONITOR_SESSION_STORE_URI: str | None = None
    MONITOR_SESSION_IDLE_MINUTES = 120  # signed out after this long without a request
    MONITOR_SESSION_MAX_HOURS = 12  # and this long after signing in, however active
    # Roles that must use two-step sign-in (comma-separated, e.g. "coordinator"); empty: optional.
    MONITOR_REQUIRE_2FA_FOR = ""
    MONITOR_2FA_ISSUER = "monitor"  # the name shown in the authenticator app
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long form on a slow connection must still save
    RATELIMIT_STORAGE_URI = "memory://"  # redis://127.0.0.1:6379/0 for several instances
    RATELIMIT_HEADERS_ENABLED = True

    BABEL_DEFAULT_LOCALE = "ar"
    MONITOR_CLI_LANGUAGE = "en"  # language of `flask` command output (ar, ckb or en)
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = LANGUAGES


def private_instance_file(path: os.PathLike[str] | str, make: Callable[[], str]) -> str:
    """Read a small secret kept in the instance folder, creating it once (mode 600). Safe
    when two processes start at once: the first one's value wins."""
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return target.read_text().strip()
