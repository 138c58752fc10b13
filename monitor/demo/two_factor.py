"""The demo's one account with two-step sign-in switched on (`totp.demo@example.org`, an
evaluator of the first demo organisation). Its authenticator key and recovery codes are
derived from the demo password (kept in instance/demo_password), so `flask demo` prints
the same ones every time without storing them anywhere but hashed."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Organization, User, utcnow
from ..models.two_factor import RecoveryCode, TwoFactor
from ..services.accounts import two_factor

EMAIL = "totp.demo@example.org"
NAME = "Demo two-step sign-in"


@dataclass
class DemoFactor:
    email: str
    secret: str
    recovery_codes: list[str]


def _derive(password: str, purpose: str) -> bytes:
    return hmac.new(password.encode(), f"monitor-demo-{purpose}".encode(), hashlib.sha256).digest()


def credentials(password: str) -> DemoFactor:
    secret = base64.b32encode(_derive(password, "totp")[:20]).decode()
    alphabet = two_factor._ALPHABET  # noqa: SLF001 - the same alphabet as real codes
    codes = []
    for n in range(two_factor.RECOVERY_CODES):
        raw = _derive(password, f"recovery-{n}")
        code = "".join(alphabet[b % len(alphabet)] for b in raw[:10])
        codes.append(f"{code[:5]}-{code[5:]}")
    return DemoFactor(EMAIL, secret, codes)


def seed(session: Session, organization: Organization, *, password: str,
         password_hash: str) -> tuple[DemoFactor, bool]:
    """The account and its factor (created once). Returns its credentials and whether
    anything was created."""
    demo = credentials(password)
    user = session.scalar(sa.select(User).where(User.email == EMAIL))
    if user is not None:
        return demo, False
    user = User(email=EMAIL, name=NAME, role="evaluator", organization=organization,
                language="en", password_hash=password_hash)
    session.add(user)
    session.flush()
    session.add(TwoFactor(user_id=user.id, secret=demo.secret, enabled_at=utcnow(), last_step=0))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor._hash(code))  # noqa: SLF001
                    for code in demo.recovery_codes)
    return demo, True
