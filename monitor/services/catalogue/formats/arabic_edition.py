"""The UN report's Arabic edition (numbered list or text copied from its PDF).

Its recommendations are numbered as in the other editions, with Latin or Arabic-Indic
digits and a dot or a hyphen (``121-1``); States are named in Arabic (recognised through
CLDR's names, ``services.catalogue.states``). Its rows carry the Arabic text only
(``text_ar``): the importer fills the Arabic text of the recommendations with the same
code and changes nothing else.
"""
from __future__ import annotations

import re

from ....i18n import normalize_digits
from .common import ParsedCatalogue

_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[A-Za-z]")
_CODE_START = re.compile(r"^(\s*)(\d+)\s*[-.]\s*(\d+)(?:\s*[-.]\s*(\d+))?(?=[\s.]|$)")


def is_arabic(text: str) -> bool:
    """Mostly Arabic script (letters counted in the first 20,000 characters)."""
    sample = text[:20000]
    arabic, latin = len(_ARABIC.findall(sample)), len(_LATIN.findall(sample))
    return arabic > 2 * latin and arabic >= 5


def normalise_codes(text: str) -> str:
    """Latin digits, and codes at the start of a line written with dots."""
    def fix(match: re.Match) -> str:
        parts = [part for part in match.groups()[1:] if part]
        return match.group(1) + ".".join(parts)

    return "\n".join(_CODE_START.sub(fix, normalize_digits(line)) for line in text.split("\n"))


def as_arabic_edition(parsed: ParsedCatalogue) -> ParsedCatalogue:
    """Rows of the Arabic edition: their text is the Arabic text."""
    for row in parsed.rows:
        row.text_ar, row.text_en = row.text_en, ""
    return parsed
