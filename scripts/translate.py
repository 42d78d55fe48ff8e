"""Refresh the French catalogue: extract strings, fill them from scripts/fr_strings.py, compile.

Run after adding or changing interface strings:  .venv/bin/python scripts/translate.py
It lists the strings still untranslated, so they can be added to fr_strings.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "billetterie"
sys.path.insert(0, str(ROOT / "scripts"))
from fr_strings import FR, PLURALS  # noqa: E402


def french_typography(text: str) -> str:
    """A no-break space before « : ; ! ? » and inside guillemets, as French typography wants
    (« Total : 57,00 € »): written once here, every string gets it, the next ones too."""
    text = re.sub(r" ([:;!?»])", "\u00a0\\1", text)
    return text.replace("« ", "«\u00a0")


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billetterie.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location", "--no-obsolete",
         "-i", "migrations/*"], cwd=PACKAGE, env=env, check=True,
    )
    po_path = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:  # msgmerge's guess from a look-alike string: never ship a guess
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {index: "" for index in entry.msgstr_plural}
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if entry.msgid_plural:
            forms = PLURALS.get(entry.msgid)
            if forms:
                entry.msgstr_plural = {0: french_typography(forms[0]), 1: french_typography(forms[1])}
        elif entry.msgctxt and (entry.msgctxt, entry.msgid) in FR:  # pgettext: keyed (context, msgid)
            entry.msgstr = french_typography(FR[(entry.msgctxt, entry.msgid)])
        elif entry.msgid in FR and not entry.msgctxt:
            entry.msgstr = french_typography(FR[entry.msgid])
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
