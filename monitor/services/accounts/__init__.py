"""Accounts: normalised emails, names and password rules, hashing, sign-in checks, new
accounts. Two-step sign-in is in `two_factor`."""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ... import security_log
from ...models import User, utcnow
from ...text import clean_name, has_line_breaks
from .. import tabular

MIN_PASSWORD_LENGTH = 10
# A short list of the passwords people reach for first; the length rule does the rest.
COMMON_PASSWORDS = frozenset(
    """123456789012 1234567890 12345678910 password123 password1234 qwertyuiop qwerty12345
    iloveyou123 11111111111 0000000000 1111111111 abcdefghij abc1234567 password12 passw0rd123
    welcome123 monitor123 admin12345 letmein1234 baghdad123 erbil12345 iraq123456 kurdistan1
    1q2w3e4r5t 1qaz2wsx3edc zaq12wsxcde qwertyuiop1 asdfghjkl1""".split()
)


class AccountError(Exception):
    """A refusal with a message the user can read; `fields` names the form fields at fault,
    each with its own message."""

    def __init__(self, message: str, fields: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


class AccountTaken(AccountError):
    """Another account already has this email (e.g. a second tab registered first)."""


def normalize_email(value: str) -> str:
    """The one form in which an address is stored and compared: NFKC (fullwidth and other
    compatibility letters become the plain ones), without invisible characters, and
    case-folded, so that the same address is one account, however typed. Addresses that
    contain invisible characters are refused before they are stored (`email_refusal`)."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not _is_invisible(ch)).strip().casefold()


def _is_invisible(ch: str) -> bool:
    # Format characters (Cf): direction marks, embeddings, overrides and isolates, zero-width
    # space, (non-)joiner and word joiner, soft hyphen, byte-order mark...
    return unicodedata.category(ch) == "Cf"


def email_refusal(value: str | None) -> str | None:
    """Why an address typed by someone cannot be stored (None when it can): an invisible
    character makes a look-alike of another address."""
    if any(_is_invisible(ch) for ch in unicodedata.normalize("NFKC", value or "")):
        return _("This address contains an invisible character (such as a zero-width or "
                 "direction mark). Please type it again.")
    return None


def check_password_rules(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
        )
    lowered = password.casefold()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4 or (
        email and lowered == normalize_email(email)
    ):
        raise AccountError(_("This password is too easy to guess. Please choose another."))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


# A real hash to compare against when the email is unknown, so that both answers take the
# same time (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing", method="scrypt")


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        # The address typed is not logged: it may be a password typed in the wrong field.
        security_log.event("signin.failed", account="unknown")
        return None
    correct = check_password_hash(user.password_hash, password)
    if not correct or not user.active:
        security_log.event("signin.failed", account=user.id,
                           reason="inactive" if correct else "password")
        return None
    user.last_login_at = utcnow()
    return user


def set_password(user: User, password: str) -> None:
    check_password_rules(password, email=user.email)
    user.password_hash = hash_password(password)
    user.session_version += 1  # every other session ends


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def reset_token(user: User) -> str:
    """A signed link payload bound to the current password hash: once the password
    changes, the link stops working (single use)."""
    from ...tokens import make_token

    return make_token("reset", {"u": user.id, "h": (user.password_hash or "")[-16:]})


def user_for_reset_token(session: Session, token: str, max_age_seconds: int) -> User:
    """The user a reset link belongs to; AccountError for a bad, used or expired link."""
    from ...tokens import TokenExpired, TokenInvalid, read_token

    try:
        payload = read_token("reset", token, max_age_seconds)
    except TokenExpired:
        raise AccountError(_("This link has expired. Please ask for a new one.")) from None
    except TokenInvalid:
        raise AccountError(_("This link is not valid. Please ask for a new one.")) from None
    user = session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active or (user.password_hash or "")[-16:] != payload.get("h"):
        raise AccountError(_("This link has already been used or is no longer valid."))
    return user


def check_person_name(name: str) -> str:
    """A person's name as typed on a registration form, cleaned; AccountError naming the
    field when it is empty, not one line, formula-like or too long."""
    value = clean_name(name or "")
    error = None
    if not value:
        error = _("This field is required.")
    elif has_line_breaks(value):
        error = _("Line breaks and control characters are not allowed here.")
    elif tabular.starts_like_formula(value):
        error = _("This value starts with =, +, - or @, like a spreadsheet formula. "
                  "Please remove that character.")
    elif len(value) > 200:
        error = _("At most %(n)d characters.", n=200)
    if error:
        raise AccountError(_("Please correct the fields marked below."), [("name", error)])
    return value


def check_new_password(password: str, confirm: str, email: str) -> None:
    """A new password and its confirmation, as typed on a form."""
    try:
        check_password_rules(password or "", email=email)
    except AccountError as exc:
        raise AccountError(_("Please correct the fields marked below."),
                           [("password", str(exc))]) from None
    if password != confirm:
        raise AccountError(_("Please correct the fields marked below."),
                           [("confirm", _("The two passwords are not the same."))])


def add_account(session: Session, **fields: object) -> User:
    """Add a new account. Its email is unique: when another request (a second tab) made the
    same account first, nothing is kept and AccountTaken is raised."""
    user = User(**fields)
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise AccountTaken(_("An account with this email already exists.")) from None
    return user


def set_email_digest(user: User, digest: bool) -> bool:
    """Per-event notices as one daily digest (True) or one email each; True if it changed.
    Notices already kept for a digest still go in the next one."""
    if user.email_digest == digest:
        return False
    user.email_digest = digest
    return True
