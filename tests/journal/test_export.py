"""`billetterie journal verify|export|public-key` from the command line, and the documented
standalone script (docs/dev/journal_verify.py, run as its own process) on an export: it accepts the
intact one and names the first tampered entry of each altered copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from billetterie import cli
from billetterie.journal.models import EntryKind, JournalEntry
from billetterie.journal.selectors import export_lines
from billetterie.journal.services import journal_append
from tests.factories import Shop, order_paid
from tests.journal.helpers import sql

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "dev" / "journal_verify.py"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Management commands run from argv close every connection when done: not the test's one."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def sold(shop: Shop) -> Shop:
    for _ in range(3):
        order_paid(shop, method="cash", tickets=1, meals=1)
    with transaction.atomic():
        journal_append(organizer_id=shop.organizer.pk, kind=EntryKind.SALE,
                       payload={"order": "ÉTÉ-2026", "total_cents": 700, "label": "Buvette « été »"})
    return shop


def _script(*args: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=60, check=False)


def _export(shop: Shop, tmp_path: Path) -> list[str]:
    out = tmp_path / "journal.jsonl"
    assert cli.main(["journal", "export", shop.organizer.slug, "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8").splitlines(keepends=True)


def _written(tmp_path: Path, lines: list[str], name: str = "copy.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_verify_passes_on_an_intact_journal(sold: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["journal", "verify", sold.organizer.slug]) == 0
    out = capsys.readouterr().out
    assert "4 écritures, chaînage et signatures vérifiés" in out and "-----BEGIN PUBLIC KEY-----" in out


def test_verify_fails_with_the_first_broken_entry(sold: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    table = JournalEntry._meta.db_table
    sql(f"UPDATE {table} SET signature = %s WHERE organizer_id = %s AND sequence = 2",
        ["00" * 64, sold.organizer.pk])
    with pytest.raises(SystemExit) as exit_:
        cli.main(["journal", "verify", sold.organizer.slug])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "2" in err and "signature" in err.lower()


def test_verify_of_an_unknown_organiser_fails(db: None) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["journal", "verify", "personne"])
    assert exit_.value.code != 0


def test_the_standalone_script_accepts_an_intact_export(sold: Shop, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _written(tmp_path, _export(sold, tmp_path), "intact.jsonl")
    assert cli.main(["journal", "public-key", sold.organizer.slug]) == 0
    key = tmp_path / "public.pem"
    key.write_text(capsys.readouterr().out, encoding="ascii")
    done = _script(path, key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: 4 entries")


def _tampered(lines: list[str], number: int, change: str) -> list[str]:
    copy = list(lines)
    entry = json.loads(copy[number])
    if change == "amount":
        entry["body"] = entry["body"].replace('"total_cents":', '"total_cents":1', 1)
    elif change == "delete":
        del copy[number]
        return copy
    elif change == "swap":
        copy[number], copy[number + 1] = copy[number + 1], copy[number]
        return copy
    elif change == "signature":
        entry["signature"] = entry["signature"][::-1]
    copy[number] = json.dumps(entry) + "\n"
    return copy


@pytest.mark.parametrize(("change", "number", "message"), [
    ("amount", 2, "entry 2: hash mismatch"),
    ("signature", 3, "entry 3: signature invalid"),
    ("delete", 2, "entry 2: missing"),
    ("delete", 4, "entry 4: missing"),
    ("swap", 1, "entry 1: missing"),  # numbered 2 where 1 is due
])
def test_the_standalone_script_rejects_a_tampered_export(sold: Shop, tmp_path: Path, change: str, number: int,
                                                         message: str) -> None:
    lines = _export(sold, tmp_path)
    done = _script(_written(tmp_path, _tampered(lines, number, change)))
    assert done.returncode == 1
    assert message in done.stdout, done.stdout


def test_the_standalone_script_refuses_a_key_that_is_not_the_organisers(sold: Shop, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = tmp_path / "other.pem"
    key.write_bytes(other)
    done = _script(_written(tmp_path, _export(sold, tmp_path)), key)
    assert done.returncode == 1 and "public key" in done.stdout


def test_the_export_is_the_selector_s_lines(sold: Shop, tmp_path: Path) -> None:
    lines = _export(sold, tmp_path)
    assert lines[1:] == list(export_lines(organizer=sold.organizer))[1:]  # the header has the time of export
    header = json.loads(lines[0])
    assert header["last_sequence"] == 4 and len(lines) == 5
    assert "Buvette « été »" in lines[4]  # UTF-8 as is, not escaped


def test_the_documentation_includes_the_script_as_it_is() -> None:
    doc = (SCRIPT.parent / "journal.md").read_text(encoding="utf-8")
    assert f"```python\n{SCRIPT.read_text(encoding='utf-8')}```" in doc
