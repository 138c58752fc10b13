"""How the catalogues address their readers (translations/GLOSSARY.md, "Address").

Arabic never addresses the reader in the singular: a singular "you" («اختر», «يمكنك»,
«منظمتك») speaks to one man, so it assumes a gender and breaks the polite plural. Screens use
«يُرجى» + a verbal noun, buttons a verbal noun, and sentences about the reader the plural ‑كم.
Sorani keeps the one form the glossary chose: the singular on screens, the plural in emails.
Emails name the coordinator by the full title at its first mention; "decline" is never an
apology nor a rejection."""
from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from monitor import TOP

#: Arabic singular second-person forms replaced in the 2026-12 review, written without
#: diacritics (the check strips them). Pronoun suffix ‑ك on the words it met...
SINGULAR_WORDS = {
    "حسابك", "منظمتك", "هاتفك", "تطبيقك", "إجاباتك", "اختياراتك", "تغييراتك", "نسختك",
    "بريدك", "ملاحظتك", "تعقيبك", "ردك", "اسمك", "دورك", "فريقك", "خروجك", "حاسوبك",
    "مراجعتك", "عملك", "بصفتك", "بنفسك", "رأيك", "لديك", "عليك", "إليك", "لك", "بك",
    "يمكنك", "بإمكانك", "يخبرك", "أنت", "كنت", "اختيارك", "يبلغك", "تريد",
}
#: ...and imperatives of the singular (none of them is also a past tense), which may carry an
#: object pronoun: «احفظه», «صحّحها».
SINGULAR_IMPERATIVES = {
    "اختر", "أدخل", "اضغط", "انقر", "تأكد", "احفظ", "احذف", "اكتب", "ارفع", "انسخ", "صحح",
    "أنشئ", "أعد", "ابدأ", "افتح", "امسح", "احم", "أبق", "اطلب", "استعد", "اطبع", "اعتبر",
}
DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, shadda, sukun, tatweel
ARABIC_WORD = re.compile(r"[\u0621-\u064a\u064b-\u0652\u0670\u0640]+")
IMPERATIVES = "|".join(SINGULAR_IMPERATIVES)
IMPERATIVE = re.compile(rf"^[وف]?(?:{IMPERATIVES})(?:ه|ها|هما|هم)?$")

#: Sorani: the singular and the plural "you" (‑ت / ‑تان on nouns, the verbs' endings).
SORANI_SINGULAR = {"تۆ", "خۆت", "بکە", "بکەرەوە", "بخە", "بڵێ", "هەڵبژێرە", "دەتوانیت", "پێت",
                   "بۆت", "پێویستت", "بانگهێشتت"}
SORANI_SINGULAR_ENDINGS = ("ەکەت", "ەکانت")
SORANI_PLURAL = {"ئێوە", "خۆتان", "ئێوەیە"}
SORANI_PLURAL_ENDINGS = ("ەکەتان", "ەکانتان")
SORANI_WORD = re.compile(r"[\u0600-\u06ff]+")

FULL_TITLE = {"ar": "منسق التوصيات الدولية", "ckb": "ڕێکخەری ڕاسپاردە نێودەوڵەتییەکان"}


def _catalog(lang: str):
    with (TOP / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _key(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _email_messages() -> list[tuple[str, int, str]]:
    """(template, line, msgid) of every message in the email templates, in file order."""
    found = extract_from_dir(TOP / "monitor" / "templates" / "email",
                             method_map=[("**.txt", "jinja2"), ("**.html", "jinja2")])
    return sorted((name, line, _key(message)) for name, line, message, _c, _x in found)


def singular_forms(text: str) -> list[str]:
    found = []
    for word in ARABIC_WORD.findall(text):
        bare = DIACRITICS.sub("", word)
        stem = bare[1:] if bare[:1] in "وفلب" else bare
        passive = "\u064f" in word[:3]  # «أُنشئ» (was made), not «أنشئ» (make)
        if bare in SINGULAR_WORDS or stem in SINGULAR_WORDS or (
                IMPERATIVE.match(bare) and not passive):
            found.append(word)
    return found


def sorani_address(text: str) -> tuple[list[str], list[str]]:
    """The singular and the plural forms of "you" in a Sorani text."""
    words = SORANI_WORD.findall(text)
    singular = [w for w in words if w in SORANI_SINGULAR or w.endswith(SORANI_SINGULAR_ENDINGS)]
    plural = [w for w in words if w in SORANI_PLURAL or w.endswith(SORANI_PLURAL_ENDINGS)]
    return singular, plural


def test_the_checks_find_the_forms_they_are_meant_to_find():
    assert singular_forms("اختر ملفاً لرفعه.") == ["اختر"]
    assert singular_forms("لا يمكنك إلغاء تفعيل حسابك الخاص.") == ["يمكنك", "حسابك"]
    assert singular_forms("أدخِل التاريخ، ثم احفظه وارفعه.") == ["أدخِل", "احفظه", "وارفعه"]
    assert singular_forms("أُنشئ رابط جديد.") == []
    assert singular_forms("أُرسِل إلى مسؤول حساب منظمتك.") == ["منظمتك"]
    assert singular_forms("يتيح لك كل رمز") == ["لك"]
    assert singular_forms("يُرجى اختيار ملف لرفعه. يمكنكم إلغاء تفعيل حسابكم.") == []
    assert singular_forms("أُعيد إليكم التقييم. افتحوا التقييم. ذلك هناك كذلك.") == []
    assert sorani_address("ئەم بەستەرە بکەرەوە بۆ هەژمارەکەت") == (["بکەرەوە", "هەژمارەکەت"], [])
    assert sorani_address("ڕێکخراوەکەتان و ئێوە") == ([], ["ڕێکخراوەکەتان", "ئێوە"])


def test_no_arabic_string_addresses_the_reader_in_the_singular():
    faults = [f"{_key(message.id)!r}: {found}" for message in _catalog("ar") if message.id
              for found in [sorted({w for s in _strings(message) for w in singular_forms(s)})]
              if found]
    assert faults == [], f"{len(faults)} string(s):\n" + "\n".join(faults)


def _ids_outside_emails() -> set[str]:
    """msgids of the code and of every template but the emails'."""
    method_map = [("monitor/templates/email/**", "ignore"), ("monitor/**.py", "python"),
                  ("monitor/templates/**.html", "jinja2"), ("monitor/templates/**.txt", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)}
    return {_key(message) for _name, _line, message, _c, _x
            in extract_from_dir(TOP, method_map=method_map, keywords=keywords)}


def test_sorani_uses_the_singular_on_screens_and_the_plural_in_emails():
    """A string shared by an email and a screen takes neither form."""
    in_emails = {msgid for _name, _line, msgid in _email_messages()}
    on_screens = _ids_outside_emails()
    assert len(on_screens) > 1000 and len(in_emails) > 50
    faults = []
    for message in _catalog("ckb"):
        if not message.id:
            continue
        key = _key(message.id)
        singular, plural = sorani_address(" ".join(_strings(message)))
        if key in in_emails and singular:
            faults.append(f"email in the singular: {key!r}: {singular}")
        if (key in on_screens or key not in in_emails) and plural:
            faults.append(f"screen in the plural: {key!r}: {plural}")
    assert faults == [], f"{len(faults)} string(s):\n" + "\n".join(faults)


def test_each_email_names_the_coordinator_by_the_full_title_first():
    catalogs = {lang: {_key(m.id): m for m in _catalog(lang) if m.id} for lang in FULL_TITLE}
    first = {}
    for name, _line, msgid in _email_messages():
        if "coordinator" in msgid.lower() and name not in first:
            first[name] = msgid
    assert len(first) >= 7  # the contact line and every email that names the coordinator
    faults = [f"{lang} {name}: {msgid!r}" for name, msgid in sorted(first.items())
              for lang, title in FULL_TITLE.items()
              if not all(title in s for s in _strings(catalogs[lang][msgid]))]
    assert faults == [], "\n".join(faults)


def test_declining_is_neither_an_apology_nor_a_rejection():
    faults = []
    for message in _catalog("ar"):
        for text in _strings(message) if message.id else ():
            for match in re.finditer(r"اعتذ(?:ار|رت|ر)", text):
                if not text[match.end():].startswith(" عن المشاركة"):
                    faults.append(f"ar {_key(message.id)!r}: {text}")
    for message in _catalog("ckb"):
        if message.id and "declin" in _key(message.id).lower():
            faults += [f"ckb {_key(message.id)!r}: {s}" for s in _strings(message) if "ڕەت" in s]
    assert faults == [], "\n".join(faults)
