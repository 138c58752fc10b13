"""Message catalogues: extract, update and compile, in-process through Babel's own API
(no shelling out). The demo command and the test suite compile before they start, so a
newcomer never meets a missing or stale .mo file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ..config import LANGUAGES

#: Line width of the catalogues: one width for every tool that writes them, so that an
#: update changes only the messages that changed.
WIDTH = 100


def compile_catalogues(translations: Path, *, force: bool = False) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older. Returns the written files."""
    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        # Written aside, then renamed: two processes compiling at once (the test workers,
        # two instances starting) never let a third read half a catalogue.
        with tempfile.NamedTemporaryFile("wb", dir=mo_path.parent, suffix=".tmp",
                                         delete=False) as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.chmod(handle.name, 0o644)  # readable like a file written the usual way
        os.replace(handle.name, mo_path)
        written.append(mo_path)
    return written


def extract(top: Path, pot: Path) -> None:
    """Collect msgids from code and templates (babel.cfg) into `pot`."""
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(top / "babel.cfg"), "-k",
                                "_l", "--no-location", "--sort-output", "--width", str(WIDTH),
                                "-o", str(pot), str(top)])


# GNU gettext's rule for Arabic, in CLDR's order zero, one, two, few, many (11-99), other,
# the order translators expect; Babel writes a rule that swaps the last two forms.
ARABIC_PLURAL_FORMS = ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                       "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);")


def fix_arabic_plural_forms(po: Path) -> None:
    text = po.read_text(encoding="utf-8")
    start = text.find('"Plural-Forms: ')
    if start < 0:
        return
    end = text.find('\\n"', start)
    po.write_text(text[:start] + f'"Plural-Forms: {ARABIC_PLURAL_FORMS}' + text[end:],
                  encoding="utf-8")


def extract_and_update(top: Path) -> None:
    """Collect msgids into translations/messages.pot, then merge into each .po."""
    pot = top / "translations" / "messages.pot"
    extract(top, pot)
    cli = CommandLineInterface()
    for lang in LANGUAGES:
        po = top / "translations" / lang / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        args = ["pybabel", "-q", command, "-i", str(pot), "-d", str(top / "translations"),
                "-l", lang, "--width", str(WIDTH)]
        if command == "update":
            args.append("--no-fuzzy-matching")
        cli.run(args)
        if lang == "ar":
            fix_arabic_plural_forms(po)
