"""Keys of a recommendation: its natural sort key, its match key and its themes as a
list. Pure functions."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from .upr_formats import match_key, normalise_text

LANGS = ("ar", "ckb", "en")


def sort_key_for(code: str | None, text: str | None = None) -> str:
    """Zero-padded code parts ("127.27.1" → "00127.00027.00001"); without a code, "~" and
    the normalised text, so that such recommendations follow the coded ones."""
    if code:
        parts = code.split(".")
        if all(part.isdigit() for part in parts):
            return ".".join(part.zfill(5) for part in parts)[:80]
        return code[:80]
    return ("~" + normalise_text(text))[:80]


def compute_match_key(text_en: str | None, recommending_state: str | None) -> str | None:
    """sha256 hex of the English text normalised for matching (`upr_formats.match_text`)
    + "|" + the recommending State under its UN name (`upr_formats.STATE_ALIASES`).
    A change here needs a migration that recomputes the stored keys, as
    migrations/versions/20261123_b7e1c2d3a4f5_match_keys_with_state_aliases.py does."""
    if not text_en:
        return None
    text, state = match_key(text_en, recommending_state)
    return hashlib.sha256(f"{text}|{state}".encode("utf-8")).hexdigest()


def split_themes(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def join_themes(themes: Iterable[str] | str | None) -> str | None:
    if themes is None:
        return None
    if isinstance(themes, str):
        themes = re.split(r"[;\n]", themes)
    seen: set[str] = set()
    kept: list[str] = []
    for theme in themes:
        theme = " ".join(theme.split())
        if theme and theme.casefold() not in seen:
            seen.add(theme.casefold())
            kept.append(theme)
    return "; ".join(kept) or None
