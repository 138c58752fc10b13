"""The message catalogues are complete: every msgid of the code and templates is in ar and
ckb, translated, not fuzzy, with the same placeholders."""
from __future__ import annotations

import re
import pytest
from babel.messages.pofile import read_po

from monitor import TOP
from monitor.services import translations

#: Plural forms whose words carry the number, so they may leave the count out: Arabic's
#: zero, one and two ("لا توجد توصيات", "توصية واحدة", "توصيتان"; CLDR forms 0, 1, 2).
NUMBER_IN_WORDS = {"ar": (0, 1, 2)}
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
        for form, translated in enumerate(strings):
            expected = _placeholders(ids[0])
            if isinstance(message.id, tuple) and form in NUMBER_IN_WORDS.get(lang, ()):
                # "توصية واحدة", "توصيتان": the noun's form says the number.
                expected = [p for p in expected if p not in ("%(num)s", "%(num)d")]
                translated = translated.replace("%(num)s", "").replace("%(num)d", "")
            if _placeholders(translated) != expected:
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


def test_compiling_at_once_in_several_processes_never_leaves_half_a_catalogue(tmp_path):
    # The test workers and two starting instances compile at the same time: each writes
    # aside and renames, so a reader finds the old catalogue or the new one, whole.
    import shutil
    import subprocess
    import sys

    from babel.messages.mofile import read_mo

    for lang in ("ar", "ckb", "en"):
        target = tmp_path / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(TOP / "translations" / lang / "LC_MESSAGES" / "messages.po", target)
    script = ("import sys, pathlib\nfrom monitor.services.translations import compile_catalogues\n"
              "for _ in range(5): compile_catalogues(pathlib.Path(sys.argv[1]), force=True)\n")
    translations.compile_catalogues(tmp_path)
    arabic = tmp_path / "ar" / "LC_MESSAGES" / "messages.mo"
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)])
               for _ in range(3)]
    reads, broken = 0, []
    while any(worker.poll() is None for worker in workers):  # a reader meanwhile
        try:
            with arabic.open("rb") as handle:
                size = len(read_mo(handle))
        except Exception as exc:  # noqa: BLE001 - a half-written file, whatever it raises
            broken.append(repr(exc))
        else:
            if size < 1000:
                broken.append(f"{size} messages")
        reads += 1
    assert [worker.wait(120) for worker in workers] == [0, 0, 0]
    # How many reads fall inside the writes depends on the machine's load; the test below
    # holds a writer halfway on purpose, so no assertion here rests on timing.
    assert reads >= 1 and not broken, broken[:3]
    for lang in ("ar", "ckb", "en"):
        mo = tmp_path / lang / "LC_MESSAGES" / "messages.mo"
        with mo.open("rb") as handle:
            assert len(read_mo(handle)) > (1000 if lang != "en" else 0)  # en: the source
        assert mo.stat().st_mode & 0o044 == 0o044  # readable by the server's user
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_reader_while_a_catalogue_is_half_written_finds_the_previous_one_whole(
        tmp_path, monkeypatch):
    """Deterministic: the writer is stopped halfway through the file, and only then read."""
    import io
    import shutil
    import threading

    from babel.messages.mofile import read_mo

    target = tmp_path / "ar" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(TOP / "translations" / "ar" / "LC_MESSAGES" / "messages.po", target)
    translations.compile_catalogues(tmp_path)
    arabic = target / "messages.mo"
    with arabic.open("rb") as handle:
        whole = len(read_mo(handle))

    halfway, resume = threading.Event(), threading.Event()
    real_write_mo = translations.write_mo

    def write_in_two_halves(handle, catalog, **options):  # noqa: ANN001, ANN003
        buffer = io.BytesIO()
        real_write_mo(buffer, catalog, **options)
        data = buffer.getvalue()
        handle.write(data[: len(data) // 2])
        handle.flush()
        halfway.set()
        assert resume.wait(60)
        handle.write(data[len(data) // 2:])

    monkeypatch.setattr(translations, "write_mo", write_in_two_halves)
    writer = threading.Thread(target=translations.compile_catalogues, args=(tmp_path,),
                              kwargs={"force": True})
    writer.start()
    try:
        assert halfway.wait(60)
        with arabic.open("rb") as handle:
            assert len(read_mo(handle)) == whole  # the previous catalogue, whole
    finally:
        resume.set()
        writer.join(60)
    with arabic.open("rb") as handle:
        assert len(read_mo(handle)) == whole
    assert not list(tmp_path.rglob("*.tmp"))
