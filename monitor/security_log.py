"""The security log: failed sign-ins, throttling, CSRF failures and refused object
accesses, one line each on the Python logger "monitor.security" (route it to a file or
syslog in production). Never a password or a token; every value escaped, so that a CR/LF
sent by a client cannot forge a second line."""
from __future__ import annotations

import logging
import re

from flask import g, has_request_context, request

logger = logging.getLogger("monitor.security")

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\\"]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def escape(value: object) -> str:
    """One line, whatever the value holds: control characters as \\r, \\n, \\xNN..."""
    text = str(value)
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"
                                            if ord(m.group()) < 256 else
                                            f"\\u{ord(m.group()):04x}"), text)


def event(name: str, **fields: object) -> None:
    """Log `name` with `fields` and, inside a request, the client's address, the method,
    the path, the signed-in user's id and the request id."""
    values: dict[str, object] = {}
    if has_request_context():
        from flask_login import current_user

        values |= {"ip": request.remote_addr or "", "method": request.method,
                   "path": request.path, "request_id": g.get("request_id", "")}
        user_id = getattr(current_user, "id", None) if current_user else None
        if user_id is not None:
            values["user"] = user_id
    values |= {key: value for key, value in fields.items() if value is not None}
    logger.warning("%s %s", name, " ".join(f'{key}="{escape(value)}"'
                                             for key, value in values.items()))
