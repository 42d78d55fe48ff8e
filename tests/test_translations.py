"""The French catalogue is complete: every interface string extracted into it is translated, and
none is a guess left fuzzy (scripts/translate.py extracts; this says nobody forgot to translate)."""

from __future__ import annotations

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/billetterie/locale/fr/LC_MESSAGES/django.po"


def test_every_string_of_the_french_catalogue_is_translated() -> None:
    po = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert not untranslated, untranslated
    assert not [entry.msgid for entry in po if "fuzzy" in entry.flags]


def test_the_compiled_catalogue_is_up_to_date() -> None:
    compiled = polib.mofile(str(PO.with_suffix(".mo")))
    source = polib.pofile(str(PO))
    assert {(e.msgctxt, e.msgid) for e in compiled} >= {(e.msgctxt, e.msgid) for e in source if e.translated()}
