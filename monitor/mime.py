"""Email messages as bytes, built with the standard library's `EmailMessage` (no mail
extension): the one place that knows the format monitor sends (services/mailer.py
records and sends them)."""
from __future__ import annotations

import binascii
import functools
import io
import re
from email.generator import BytesGenerator
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import formatdate
from typing import Any


def clean_header(value: str) -> str:
    """No CR/LF in headers (header injection)."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


class _Policy(EmailPolicy):
    """The SMTP policy (CRLF, RFC 2047), remembering the headers it parsed and folded: a
    batch repeats them, and they cost most of a message otherwise (3 ms instead of 0.5)."""

    header_store_parse = functools.lru_cache(maxsize=1024)(EmailPolicy.header_store_parse)

    def fold_binary(self, name: str, value: Any) -> bytes:
        # Keyed on the settings, not the object: the generator clones the policy per part.
        key = (self.linesep, self.max_line_length, name, str(value))
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) > 4096:  # unique headers (To, Message-ID) pass through
                _FOLDED.clear()
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded


_FOLDED: dict[tuple[Any, ...], bytes] = {}


class _HeaderClasses(HeaderRegistry):  # makes each header's class once, not per header
    __getitem__ = functools.lru_cache(maxsize=64)(HeaderRegistry.__getitem__)


_POLICY = _Policy(linesep="\r\n", header_factory=_HeaderClasses())
#: The parts are base64, which has no "-": this boundary can never occur inside them.
_BOUNDARY = "==monitor-alternative=="


class _Generator(BytesGenerator):
    def _write_lines(self, lines: str) -> None:
        if lines:  # in one write: the same bytes as a write per line
            self.write(_NEWLINES.sub(self._NL, lines))


_NEWLINES = re.compile(r"\r\n|\r|\n")


def _fill(part: MIMEPart, subtype: str, body: str) -> MIMEPart:
    encoded = binascii.b2a_base64(body.encode("utf-8"), newline=False).decode("ascii")
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload("\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + "\n")
    return part


def build(email: Any, sender: str) -> bytes:
    """The bytes of `email` (subject, recipient, reply_to, message_id, body_text,
    body_html) from `sender`: text and HTML as multipart/alternative (text alone when there
    is no HTML), UTF-8 in base64, CRLF line ends. A non-ASCII recipient address raises
    UnicodeError (the caller fails that message alone)."""
    recipient = clean_header(email.recipient)
    recipient.encode("ascii")
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = clean_header(email.subject)
    message["From"] = sender
    message["To"] = recipient
    if email.reply_to:
        message["Reply-To"] = clean_header(email.reply_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = clean_header(email.message_id)  # stable across attempts
    message["MIME-Version"] = "1.0"
    message["Auto-Submitted"] = "auto-generated"
    if email.body_html:
        message["Content-Type"] = f'multipart/alternative; boundary="{_BOUNDARY}"'
        message.set_payload([_fill(MIMEPart(policy=_POLICY), "plain", email.body_text),
                             _fill(MIMEPart(policy=_POLICY), "html", email.body_html)])
    else:
        _fill(message, "plain", email.body_text)
    out = io.BytesIO()
    _Generator(out, policy=_POLICY).flatten(message)
    return out.getvalue()
