"""Arabic counts: a number before a noun takes the noun's form for that number (one, two,
three to ten, eleven to ninety-nine, a hundred...), which only ngettext can choose. Outside
ngettext an Arabic string writes "label: number" (or words the sentence so that no noun
follows the number): "3 دعوة", "200 حرفاً", "أقل من 2 منظمات" fail here.
See translations/GLOSSARY.md, "Numbers and nouns"."""
from __future__ import annotations

import re

from babel.messages.pofile import read_po

from monitor import TOP

#: Nouns people count in monitor (the glossary's and a few units of text and time), in the
#: forms they take after a number: singular, accusative singular, dual and plural.
COUNTED_NOUNS = {
    "توصية", "توصيةً", "توصيات", "توصيتان", "توصيتين",
    "منظمة", "منظمةً", "منظمات", "منظمتان", "منظمتين",
    "دعوة", "دعوةً", "دعوات", "دعوتان", "دعوتين",
    "ملف", "ملفاً", "ملفًا", "ملفات", "ملفان", "ملفين",
    "تقييم", "تقييماً", "تقييمًا", "تقييمات", "تقييمان", "تقييمين",
    "مقيِّم", "مقيّم", "مقيم", "مقيِّمين", "مقيّمين",
    "حرف", "حرفاً", "حرفًا", "أحرف", "حروف", "حرفان", "حرفين",
    "رسالة", "رسالةً", "رسائل", "رسالتان", "رسالتين",
    "تذكير", "تذكيراً", "تذكيرات", "تذكيران", "تذكيرين",
    "صف", "صفاً", "صفًا", "صفوف", "صفان", "صفّان", "صفين", "صفّين",
    "نقطة", "نقطةً", "نقاط", "نقطتان", "نقطتين",
    "دقيقة", "دقيقةً", "دقائق", "يوم", "يوماً", "أيام", "ساعة", "ساعات",
    "مرفق", "مرفقات", "مستند", "مستندات", "قيد", "قيود", "فترة", "فترات",
}
#: Placeholders that hold words, not numbers (names, codes, titles, dates...).
WORDS = {"body", "slug", "code", "name", "field", "state", "states", "plan", "period", "label",
         "title", "email", "file", "files", "value", "text", "error", "date", "sheet",
         "sheets", "organization", "organisation", "measure", "language", "column", "object",
         "role", "reason", "url", "link", "level", "item", "filename", "kind", "what", "who",
         "format", "formats", "expected", "found", "version", "question", "time", "deadline"}
PLACEHOLDER_THEN_WORD = re.compile(r"(?:%\((\w+)\)[sd]|\{(\w+)\})\s+([\u0600-\u06FF]+)")


def number_before_noun(text: str) -> list[str]:
    found = []
    for match in PLACEHOLDER_THEN_WORD.finditer(text):
        name = match.group(1) or match.group(2)
        if name not in WORDS and match.group(3) in COUNTED_NOUNS:
            found.append(match.group(0))
    return found


def test_the_check_finds_the_faults_it_is_meant_to_find():
    assert number_before_noun("أُضيفت %(n)d دعوة") == ["%(n)d دعوة"]
    assert number_before_noun("أقل من %(min)s منظمات") == ["%(min)s منظمات"]
    assert number_before_noun("عدد الدعوات: %(n)d") == []
    assert number_before_noun("%(body)s منظمتكم") == []


def test_no_arabic_string_outside_ngettext_puts_a_number_before_a_counted_noun():
    with (TOP / "translations" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    faults = [f"{message.id!r}: {found}" for message in catalog
              if message.id and not isinstance(message.id, tuple)
              for found in [number_before_noun(message.string)] if found]
    assert faults == [], "\n".join(faults)
