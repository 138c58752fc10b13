"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a random free port).

    server = SmtpServer().start()
    ... send to server.port ...
    server.messages          # list of email.message.Message, in order received
    server.reject.add("bounce@ngo.example")   # 550 for that recipient
    server.defer.add("busy@ngo.example")      # 450 (try later) for that recipient
    server.fail_after(3)     # accept 3 more messages, then drop every connection
    server.fail_after(3, how="421")   # ... then answer 421 and close
    server.recover()         # accept again
    server.stop()

The `smtp_server` fixture (tests/conftest.py) starts one and points the app's MAIL_* at it.
"""
from __future__ import annotations

import email
import email.policy
import re
import time
import threading
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Controller(Controller):
    """Binds port 0 and learns the port the system chose before aiosmtpd's self-check."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reject: set[str] = set()
        self.defer: set[str] = set()
        self._fail_after: int | None = None
        self._how = "disconnect"
        self._accepted_since_rule = 0
        self._lock = threading.Lock()
        self._controller = _Controller(self, hostname=host, port=0)

    # --- control ------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return self._controller.port

    def fail_after(self, n: int, how: str = "disconnect") -> None:
        """Accept `n` more messages, then fail every later one: "disconnect" drops the
        connection without an answer, "421" answers 421 (service closing)."""
        assert how in ("disconnect", "421")
        with self._lock:
            self._fail_after, self._how, self._accepted_since_rule = n, how, 0

    def recover(self) -> None:
        with self._lock:
            self._fail_after = None

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    # --- reading ------------------------------------------------------------------------

    def to(self, address: str) -> list[Message]:
        """Messages whose envelope was addressed to `address`."""
        return [m for m, (_f, rcpts) in zip(self.messages, self.envelopes) if address in rcpts]

    def wait_for(self, address: str, count: int, timeout: float = 60) -> list[Message]:
        """Messages to `address` once there are `count` of them (mail is sent by the mail
        worker, after the request that queued it); what arrived if `timeout` runs out."""
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.to(address)

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    @staticmethod
    def text(message: Message) -> str:
        return _part(message, "text/plain")

    @staticmethod
    def html(message: Message) -> str:
        return _part(message, "text/html")

    @staticmethod
    def links(message: Message, pattern: str = r"https?://\S+") -> list[str]:
        return re.findall(pattern, _part(message, "text/plain"))

    # --- aiosmtpd handler -----------------------------------------------------------------

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.reject:
            return "550 5.1.1 No such mailbox"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self._fail_after is not None and self._accepted_since_rule >= self._fail_after:
                if self._how == "disconnect":
                    server.transport.close()
                    return "421 4.3.0 closing"  # never reaches the client
                return "421 4.3.0 Service shutting down"
            self._accepted_since_rule += 1
            parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                              policy=email.policy.compat32)
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def _part(message: Message, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
    return ""
