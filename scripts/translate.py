"""Refresh the French catalogue, the one source of the translations: extract the strings into
src/billetterie/locale/fr/LC_MESSAGES/django.po (Django's makemessages, which keeps what is
translated), drop msgmerge's fuzzy guesses, put French typography's no-break spaces in, compile.

Run after adding or changing interface strings:  .venv/bin/python scripts/translate.py
then translate what it lists as untranslated in the .po (any .po editor or translation platform
will do; `django-admin compilemessages` compiles too) and run it again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "billetterie"


def french_typography(text: str) -> str:
    """A no-break space before « : ; ! ? » and inside guillemets, as French typography wants
    (« Total : 57,00 € »): written once here, every string gets it, the next ones too."""
    text = re.sub(r" ([:;!?»])", "\u00a0\\1", text)
    return text.replace("« ", "«\u00a0")


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billetterie.settings"}
    extracted = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location", "--no-obsolete",
         "-i", "migrations/*"], cwd=PACKAGE, env=env, check=True, capture_output=True, text=True,
    )
    if "used without plural and with plural" in extracted.stderr:
        # one msgid cannot be both: the plain string would lose its translation (give one a context)
        print(extracted.stderr, file=sys.stderr)
        return 2
    po_path = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:  # msgmerge's guess from a look-alike string: never ship a guess
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {index: "" for index in entry.msgstr_plural}
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        entry.msgstr = french_typography(entry.msgstr)
        entry.msgstr_plural = {index: french_typography(text) for index, text in entry.msgstr_plural.items()}
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing.append(entry.msgid)
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
