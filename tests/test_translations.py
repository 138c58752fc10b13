"""The message catalogues are complete: every msgid of the code and templates is in ar and
ckb, translated, not fuzzy, with the same placeholders."""
from __future__ import annotations

import re
import pytest
from babel.messages.pofile import read_po

from monitor import TOP
from monitor.services import translations

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{(\w*)\}")


def _catalog(lang: str):  # noqa: ANN202
    with (TOP / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


@pytest.mark.parametrize("lang", ["ar", "ckb"])
def test_every_message_is_translated_and_not_fuzzy(lang):
    catalog = _catalog(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        for translated in strings:
            if _placeholders(translated) != _placeholders(ids[0]):
                problems.append(f"placeholders differ: {ids[0]!r} -> {translated!r}")
    assert problems == [], f"{len(problems)} problem(s) in {lang}:\n" + "\n".join(problems[:50])


def test_the_catalogues_hold_every_message_of_the_code(tmp_path):
    """A string added to the code without `flask translate update` fails here."""
    pot = tmp_path / "messages.pot"
    translations.extract(TOP, pot)
    with pot.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in ("ar", "ckb", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(extracted - known)
        assert missing == [], f"{lang}: run `flask --app monitor translate update`: {missing[:20]}"
