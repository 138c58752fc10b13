"""Single-line text as stored and compared: names, titles, labels. Pure functions (no
Flask, no database), used by forms, services and the models' own guard."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# Direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
# zero-width space and the byte-order mark: invisible, they make a name read otherwise
# than it is written ("gpj.exe" shown as "exe.jpg") or two names look alike. The
# zero-width non-joiner and joiner (U+200C, U+200D) stay: Persian-script words need them.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]")
# Line breaks (CR, LF, NEL, U+2028/U+2029), tabs and other control characters: a title
# that reaches an email Subject or a CSV cell must stay on one line.
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_name(value: str | None) -> str:
    """A person's, an organisation's or a document's name as stored and compared: NFC,
    without direction overrides or invisible characters, trimmed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", value or "")).strip()


def clean_line(value: Any) -> Any:
    """Any single-line text field (titles, names, labels, codes): `clean_name`, with line
    breaks and control characters turned into one space. Anything but a string (None, a
    number) is returned unchanged."""
    if not isinstance(value, str):
        return value
    return clean_name(_LINE_BREAKS.sub(" ", value))


def has_line_breaks(value: str) -> bool:
    """Does single-line text contain a line break or another control character?"""
    return _LINE_BREAKS.search(value) is not None
