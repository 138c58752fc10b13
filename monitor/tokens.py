"""Signed links. One salt per purpose, so that a token for one purpose never works for
another; a maximum age; and explicit failures. Single use and revocation live in the
database (a nonce in the payload must match the row's current nonce)."""
from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALTS = {
    "invitation": "monitor.invitation.v1",
    "evaluator": "monitor.evaluator-invitation.v1",
    "reset": "monitor.password-reset.v1",
}


class TokenInvalid(Exception):
    """Tampered, truncated, or made for another purpose."""


class TokenExpired(Exception):
    """Genuine but older than its validity period."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_seconds: int) -> dict[str, Any]:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(payload, dict):
        raise TokenInvalid()
    return payload
