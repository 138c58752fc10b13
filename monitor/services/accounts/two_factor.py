"""Two-step sign-in with an authenticator app (TOTP, RFC 6238, `pyotp`).

- Enrolment: a new key, shown as a QR code rendered here as inline SVG (`segno`, no
  CDN) and as text; confirmed by a first code; then ten one-time recovery codes are shown
  once and only their SHA-256 is kept.
- Sign-in: after the password, a code from the app (the previous, current or next 30 s
  step) or a recovery code. A step already accepted is refused (no replay); a recovery
  code works once.
- Resets of a lost factor, every one audited and emailed to the user:
  an NGO user's by another administrator of the same NGO, at once; by a coordinator only
  for an NGO with a single administrator, taking effect 72 hours later unless the user
  cancels it (`RESET_DELAY`), so the government side cannot take over an NGO account
  quickly; a coordinator's with `flask --app monitor users reset-2fa EMAIL`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
import segno
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...access import organization_bodies
from ...models import Organization, User, utcnow
from ...models.two_factor import RecoveryCode, TwoFactor, TwoFactorReset
from .. import audit, mailer

RECOVERY_CODES = 10
RESET_DELAY = dt.timedelta(hours=72)
#: Codes of the step before and after the current one are accepted (clocks drift).
WINDOW = 1
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(Exception):
    """A refusal with a message the user can read; nothing was changed."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- reading ------------------------------------------------------------------------------


def factor(session: Session, user: User) -> TwoFactor | None:
    return session.get(TwoFactor, user.id)


def is_enabled(session: Session, user: User) -> bool:
    row = factor(session, user)
    return row is not None and row.enabled_at is not None


def unused_recovery_codes(session: Session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def pending_reset(session: Session, user: User) -> TwoFactorReset | None:
    return session.scalar(sa.select(TwoFactorReset).where(
        TwoFactorReset.user_id == user.id, TwoFactorReset.cancelled_at.is_(None),
        TwoFactorReset.applied_at.is_(None)).order_by(TwoFactorReset.id.desc()))


def required_for(roles_setting: str, role: str) -> bool:
    """Is two-step sign-in compulsory for `role` (`MONITOR_REQUIRE_2FA_FOR`)?"""
    roles = {r.strip() for r in (roles_setting or "").split(",") if r.strip()}
    return role in roles


# --- enrolment ----------------------------------------------------------------------------


def new_secret(session: Session, user: User) -> str:
    """A key for the enrolment page. Nothing is stored until the first code confirms it
    (the page keeps it in the server-side session), so opening the page changes nothing."""
    if is_enabled(session, user):
        raise TwoFactorError(_("Two-step sign-in is already on for your account."), 409)
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG element (no script, no style, no external file)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def _accepted_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code `code` is, within the window, else None."""
    totp = pyotp.TOTP(secret)
    step = int(now.replace(tzinfo=dt.UTC).timestamp()) // totp.interval
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _clean_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def confirm_enrolment(session: Session, user: User, secret: str, code: str, *, base_url: str,
                      now: dt.datetime | None = None) -> list[str]:
    """Switch the factor on with the first code of `secret`; returns the ten recovery
    codes (shown once)."""
    if not secret:
        raise TwoFactorError(_("Start again: open the two-step sign-in page."), 409)
    if is_enabled(session, user):
        raise TwoFactorError(_("Two-step sign-in is already on for your account."), 409)
    now = now or utcnow()
    step = _accepted_step(secret, _clean_code(code), now)
    if step is None:
        raise TwoFactorError(_("The code is not correct. Check the time on your phone and "
                               "type the code the app shows now."))
    session.execute(sa.delete(TwoFactor).where(TwoFactor.user_id == user.id))
    session.add(TwoFactor(user_id=user.id, secret=secret, enabled_at=now, last_step=step))
    codes = _new_recovery_codes(session, user)
    audit.record(session, "two_factor.enabled", user, actor_id=user.id)
    _notify(session, user, "enabled", base_url=base_url)
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _hash(code: str) -> str:
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


# --- sign-in ------------------------------------------------------------------------------


def verify(session: Session, user: User, code: str, *, now: dt.datetime | None = None) -> str:
    """Check the code typed after the password: "totp" or "recovery" when accepted;
    raises TwoFactorError otherwise (nothing changed)."""
    row = factor(session, user)
    if row is None or row.enabled_at is None:
        raise TwoFactorError(_("Two-step sign-in is not on for this account."), 409)
    cleaned = _clean_code(code)
    if cleaned.isdigit() and len(cleaned) == 6:
        step = _accepted_step(row.secret, cleaned, now or utcnow())
        if step is None:
            raise TwoFactorError(_("The code is not correct."))
        # A conditional UPDATE: two requests with the same code cannot both pass.
        updated = session.execute(sa.update(TwoFactor).where(
            TwoFactor.user_id == user.id, TwoFactor.last_step < step).values(last_step=step))
        if updated.rowcount != 1:
            session.rollback()
            raise TwoFactorError(_("This code was already used. Wait for the next code in "
                                   "your app."))
        return "totp"
    used = session.execute(sa.update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(cleaned),
        RecoveryCode.used_at.is_(None)).values(used_at=now or utcnow()))
    if used.rowcount != 1:
        session.rollback()
        raise TwoFactorError(_("The code is not correct."))
    audit.record(session, "two_factor.recovery_code_used", user, actor_id=user.id,
                 after={"left": unused_recovery_codes(session, user)})
    return "recovery"


# --- switching off and resets --------------------------------------------------------------


def _remove(session: Session, user: User) -> None:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(sa.delete(TwoFactor).where(TwoFactor.user_id == user.id))


def disable(session: Session, user: User, *, base_url: str) -> None:
    """The user switches two-step sign-in off (the route asked for the password)."""
    if not is_enabled(session, user):
        raise TwoFactorError(_("Two-step sign-in is not on for this account."), 409)
    _remove(session, user)
    audit.record(session, "two_factor.disabled", user, actor_id=user.id)
    _notify(session, user, "disabled", base_url=base_url)


def reset_by_colleague(session: Session, target: User, *, actor: User, base_url: str) -> None:
    """Another administrator of the same NGO removes a member's lost factor, at once."""
    if actor.role != "ngo_admin" or target.organization_id != actor.organization_id:
        raise TwoFactorError(_("This person is not a member of your organisation."), 404)
    if target.id == actor.id:
        raise TwoFactorError(_("Another administrator of your organisation must reset your "
                               "two-step sign-in."), 409)
    if not is_enabled(session, target):
        raise TwoFactorError(_("Two-step sign-in is not on for this account."), 409)
    _remove(session, target)
    audit.record(session, "two_factor.reset", target, actor_id=actor.id)
    _notify(session, target, "reset", base_url=base_url)


def administrators(session: Session, organization: Organization) -> list[User]:
    return list(session.scalars(sa.select(User).where(
        User.organization_id == organization.id, User.role == "ngo_admin",
        User.active.is_(True)).order_by(User.id)))


def coordinator_reaches(session: Session, coordinator: User, organization: Organization) -> bool:
    """A coordinator acts on an organisation only when its own body invited it."""
    if coordinator.role != "coordinator" or coordinator.body_id is None:
        return False
    return any(body_id == coordinator.body_id for _org, body_id in
               session.execute(organization_bodies([organization.id])))


def request_reset(session: Session, target: User, *, actor: User, base_url: str,
                  now: dt.datetime | None = None) -> TwoFactorReset:
    """A coordinator asks to reset the factor of the only administrator of an NGO: it
    takes effect after `RESET_DELAY`, and the user, told by email, can cancel it."""
    organization = target.organization
    if organization is None or not coordinator_reaches(session, actor, organization):
        raise TwoFactorError(_("Not found."), 404)
    if [u.id for u in administrators(session, organization)] != [target.id]:
        raise TwoFactorError(_("This organisation has more than one administrator: another "
                               "administrator resets the two-step sign-in."), 409)
    if not is_enabled(session, target):
        raise TwoFactorError(_("Two-step sign-in is not on for this account."), 409)
    if pending_reset(session, target) is not None:
        raise TwoFactorError(_("A reset is already waiting for this account."), 409)
    now = now or utcnow()
    reset = TwoFactorReset(user_id=target.id, requested_by_id=actor.id, requested_at=now,
                           effective_at=now + RESET_DELAY)
    session.add(reset)
    audit.record(session, "two_factor.reset_requested", target, actor_id=actor.id,
                 after={"effective_at": reset.effective_at.isoformat(timespec="minutes")})
    _notify(session, target, "reset_requested", base_url=base_url, when=reset.effective_at)
    return reset


def cancel_reset(session: Session, user: User, *, base_url: str) -> None:
    reset = pending_reset(session, user)
    if reset is None:
        raise TwoFactorError(_("No reset is waiting for your account."), 409)
    reset.cancelled_at = utcnow()
    audit.record(session, "two_factor.reset_cancelled", user, actor_id=user.id)
    _notify(session, user, "reset_cancelled", base_url=base_url)


def apply_due_reset(session: Session, user: User, *, base_url: str,
                    now: dt.datetime | None = None) -> bool:
    """Apply a coordinator's reset whose delay has passed (checked at sign-in)."""
    reset = pending_reset(session, user)
    now = now or utcnow()
    if reset is None or reset.effective_at > now:
        return False
    reset.applied_at = now
    _remove(session, user)
    audit.record(session, "two_factor.reset_applied", user, actor_id=reset.requested_by_id)
    _notify(session, user, "reset_applied", base_url=base_url)
    return True


def reset_from_cli(session: Session, user: User, *, base_url: str) -> None:
    """`flask users reset-2fa`: whoever runs the server resets a factor (a coordinator's)."""
    if factor(session, user) is None:
        raise TwoFactorError(_("Two-step sign-in is not on for this account."), 409)
    _remove(session, user)
    audit.record(session, "two_factor.reset_from_cli", user, actor_id=None)
    _notify(session, user, "reset", base_url=base_url)


def _notify(session: Session, user: User, event: str, *, base_url: str,
            when: dt.datetime | None = None) -> None:
    mailer.queue(session, kind="two_factor", to=user.email, template="two_factor",
                 lang=user.language or "ar", event=event, when=when,
                 link=f"{base_url.rstrip('/')}/account/two-step")
