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
    "import": "monitor.import-preview.v1",
}
#: Links that name a database row: the payload key of the row's id (beside its nonce "n").
ROW_KEYS = {"invitation": "i", "evaluator": "e"}


class TokenInvalid(Exception):
    """Tampered, truncated, or made for another purpose."""


class TokenExpired(Exception):
    """Genuine but older than its validity period."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # As Flask's sessions do: sign with SECRET_KEY, accept links signed with an older key
    # listed in SECRET_KEY_FALLBACKS, so that rotating the key keeps outstanding links.
    # itsdangerous signs with the last key of the list.
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()),
            current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=SALTS[purpose])


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


def make_row_token(purpose: str, row_id: int, nonce: str) -> str:
    """A link to one row (an invitation): its id and its current nonce."""
    return make_token(purpose, {ROW_KEYS[purpose]: row_id, "n": nonce})


def read_row_token(purpose: str, token: str, max_age_seconds: int) -> tuple[int, str]:
    """The row id and nonce of a `make_row_token` link; TokenInvalid when either is absent."""
    payload = read_token(purpose, token, max_age_seconds)
    row_id, nonce = payload.get(ROW_KEYS[purpose]), payload.get("n")
    if not isinstance(row_id, int) or not isinstance(nonce, str):
        raise TokenInvalid()
    return row_id, nonce


def nonce_matches(current: str | None, given: str) -> bool:
    """The link's nonce is the row's current one (none: the link was revoked)."""
    return bool(current) and secrets.compare_digest(current, given)
