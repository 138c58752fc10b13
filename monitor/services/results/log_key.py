"""The Ed25519 key that signs the transparency log's tree heads.

- Production: ``FLASK_MONITOR_LOG_KEY_FILE`` names a PEM (PKCS#8) private key that every
  instance shares; monitor refuses to start without it (``check_configured``).
- The embedded default (SQLite): ``instance/log_key`` (mode 600), generated on first use
  like the secret key, but never once signed heads exist: a lost key must not silently
  become a new one (a new key is a rotation, done on purpose: README).
- Tests (``TESTING`` without a file): a key derived from ``SECRET_KEY``, so that every app
  of one test signs with the same key and nothing is written.

The public key is published as PEM (``/log/key``, ``log_key.pub`` in the open dataset);
its id is the SHA-256 of the 32 raw public-key bytes, in hex.
"""
from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy.orm import Session

from ...models import LogHead, LogKey, utcnow


class LogKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_pem: str
    key_id: str

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


def _embedded(config) -> bool:  # noqa: ANN001
    return str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite")


def check_configured(config) -> None:  # noqa: ANN001
    """At start-up: outside the embedded default and tests, the key file must be set."""
    if config.get("MONITOR_LOG_KEY_FILE") or config.get("TESTING") or _embedded(config):
        return
    raise LogKeyError(
        "FLASK_MONITOR_LOG_KEY_FILE is not set. Point it at the Ed25519 key that signs the "
        "transparency log (create one with `flask --app monitor receipts new-key FILE`), "
        "shared by every instance; monitor never makes a new one by itself.")


def _wrap(private: Ed25519PrivateKey) -> SigningKey:
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return SigningKey(private, pem, hashlib.sha256(raw).hexdigest())


def write_new_key(path: Path) -> SigningKey:
    """A new private key at `path` (mode 600; refuses to overwrite)."""
    private = Ed25519PrivateKey.generate()
    data = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return _wrap(private)


_parsed: dict[tuple[str, int, int, int], SigningKey] = {}


def _read(path: Path) -> SigningKey:
    """The key in `path`, read and parsed once per process, and again when the file
    changes (a rotation, a test's other key): one stat per signature, no read."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise LogKeyError(f"The log key file {path} does not exist.") from None
    marker = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    key = _parsed.get(marker)
    if key is None:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise LogKeyError(f"{path} is not an Ed25519 private key.")
        key = _parsed[marker] = _wrap(private)
    return key


@functools.lru_cache(maxsize=8)
def _derived(secret: str) -> SigningKey:
    seed = hashlib.sha256(b"monitor-log-key\n" + secret.encode()).digest()
    return _wrap(Ed25519PrivateKey.from_private_bytes(seed))


def signing_key(session: Session) -> SigningKey:
    """The deployment's key (see the module docstring), recorded in `log_key`."""
    config = current_app.config
    configured = config.get("MONITOR_LOG_KEY_FILE")
    if configured:
        key = _read(Path(configured))
    elif config.get("TESTING"):
        key = _derived(str(config["SECRET_KEY"]))
    else:
        path = Path(current_app.instance_path) / "log_key"
        if path.exists():
            key = _read(path)
        elif session.scalar(sa.select(sa.func.count()).select_from(LogHead)):
            raise LogKeyError(
                f"{path} is missing but the log already has signed heads: restore the key "
                "(or rotate it on purpose: README, 'The transparency log'); monitor does not "
                "make a new one.")
        else:
            try:
                key = write_new_key(path)
            except FileExistsError:  # another process made it first
                key = _read(path)
    connection = session.connection()
    if connection.execute(_KNOWN, {"key_id": key.key_id}).first() is None:
        connection.execute(sa.insert(LogKey.__table__), {
            "key_id": key.key_id, "public_key": key.public_pem, "created_at": utcnow()})
    return key


_KNOWN = sa.select(LogKey.__table__.c.key_id).where(
    LogKey.__table__.c.key_id == sa.bindparam("key_id"))


def public_key(session: Session, key_id: str | None = None) -> LogKey | None:
    """A published key: `key_id`, or the newest."""
    if key_id:
        return session.get(LogKey, key_id)
    return session.scalar(sa.select(LogKey).order_by(LogKey.created_at.desc()).limit(1))
