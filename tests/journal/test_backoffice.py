"""The sales journal's page in the back office (BOOKS): entries newest first a page at a time,
the closures, « Vérifier maintenant » (intact, then after tampering), the export and the public
key downloads; a role without BOOKS gets 403, someone of another organiser 404; no page changes
the journal."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from billetterie.journal.closures import closures_write
from billetterie.journal.models import EntryKind, JournalEntry
from billetterie.journal.services import journal_append
from billetterie.organizers.models import Role
from tests.factories import Shop, order_paid, shop_create, team_member_create
from tests.journal.helpers import sql

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "dev" / "journal_verify.py"


def client_for(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def url(shop: Shop, name: str) -> str:
    return reverse(f"backoffice:journal:{name}", args=[shop.organizer.slug])


def text(response: object) -> str:
    """The page's text, its non-breaking spaces (French typography) as plain ones."""
    body = html.unescape(response.content.decode())  # type: ignore[attr-defined]
    return body.replace("\u00a0", " ").replace("\u202f", " ")


def test_the_page_lists_entries_and_closures_in_euros(shop: Shop) -> None:
    with time_machine.travel("2026-10-15 10:00 +0200", tick=False):
        order = order_paid(shop, method="cash")  # 42 €
    with time_machine.travel("2026-10-16 09:00 +0200", tick=False):
        closures_write(organizer_id=shop.organizer.pk)
        page = client_for(shop).get(url(shop, "index"))
    assert page.status_code == 200
    body = text(page)
    assert "Journal des ventes" in body and order.code in body
    assert "42,00 €" in body and "Clôture journalière" in body and "2026-10-15" in body
    assert 'id="entry-1"' in body and 'id="closure-2"' in body


def test_entries_are_paged_newest_first(shop: Shop) -> None:
    with transaction.atomic():
        for number in range(60):
            journal_append(organizer_id=shop.organizer.pk, kind=EntryKind.SALE,
                           payload={"order": f"C{number:04}", "total_cents": 100, "currency": "EUR", "vat": {}})
    client = client_for(shop)
    first, second = client.get(url(shop, "index")), client.get(url(shop, "index") + "?page=2")
    assert 'id="entry-60"' in text(first) and 'id="entry-11"' in text(first) and 'id="entry-10"' not in text(first)
    assert 'id="entry-10"' in text(second) and 'id="entry-1"' in text(second)
    assert client.get(url(shop, "index") + "?page=abc").status_code == 200


def test_verify_now_says_intact_then_names_the_altered_entry(shop: Shop) -> None:
    order_paid(shop, method="cash")
    order_paid(shop, method="cash")
    client = client_for(shop)
    intact = text(client.post(url(shop, "verify")))
    assert "Journal intact : 2 écritures vérifiées" in intact
    table = JournalEntry._meta.db_table
    sql(f"UPDATE {table} SET body = replace(body, '4200', '4300') WHERE organizer_id = %s "
        "AND sequence = 1", [shop.organizer.pk])
    broken = text(client.post(url(shop, "verify")))
    assert "n° 1 ne correspond pas : empreinte différente" in broken
    assert "exploitant de votre plateforme" in broken and "précède" not in broken  # nothing right before n° 1
    assert client.get(url(shop, "verify")).status_code == 405  # a check is asked for, never linked


def test_the_export_and_public_key_downloads_check_out_with_the_script(shop: Shop, tmp_path: Path) -> None:
    order_paid(shop, method="cash")
    client = client_for(shop)
    export = client.get(url(shop, "export"))
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    lines = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert json.loads(lines.splitlines()[0])["last_sequence"] == 1
    key = client.get(url(shop, "public_key"))
    assert key.status_code == 200 and key.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    (tmp_path / "j.jsonl").write_text(lines, encoding="utf-8")
    (tmp_path / "k.pem").write_bytes(key.content)
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "j.jsonl"), str(tmp_path / "k.pem")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout


def test_no_public_key_before_the_first_entry(shop: Shop) -> None:
    client = client_for(shop)
    assert client.get(url(shop, "public_key")).status_code == 404
    assert "Aucune écriture" in text(client.get(url(shop, "index")))


@pytest.mark.parametrize("role", [Role.TICKETING, Role.BOX_OFFICE, Role.CHECKIN, Role.READ_ONLY])
def test_roles_without_books_are_refused(shop: Shop, role: str) -> None:
    client = client_for(shop, role)
    for name in ("index", "export", "public_key"):
        assert client.get(url(shop, name)).status_code == 403
    assert client.post(url(shop, "verify")).status_code == 403


def test_another_organisers_team_gets_404(shop: Shop) -> None:
    other = shop_create(slug="autre")
    client = client_for(other, Role.ADMIN)
    assert client.get(url(shop, "index")).status_code == 404
