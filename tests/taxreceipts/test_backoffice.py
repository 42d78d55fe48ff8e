"""« Reçus fiscaux » in the back office: the year's receipts and the declaration's figures (art.
222 bis du CGI), each PDF, the CSV and Excel table, the yearly summaries, the eligibility
settings and signature (audited, bad input refused in French), each behind its permission."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.core import clock
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role
from billetterie.taxreceipts.models import ReceiptKind, TaxReceipt, TaxReceiptSettings
from tests.factories import Shop, organizer_create, team_member_create

from .helpers import ELIGIBILITY, pdf_text, receipt_issued, receipts_turned_on, signature_image

pytestmark = pytest.mark.django_db


def url(shop: Shop, name: str, *args: Any) -> str:
    return reverse(f"backoffice:receipts:{name}", args=[shop.organizer.slug, *args])


def signed_in(shop: Shop, role: str = Role.ADMIN) -> Client:
    client = Client()
    user: User = team_member_create(shop.organizer, role=role)
    client.force_login(user)
    return client


@pytest.fixture
def receipts(shop: Shop) -> list[TaxReceipt]:
    receipts_turned_on(shop.organizer)
    receipt_issued(shop, cents=12050)
    receipt_issued(shop, cents=5000, method="cash", email="autre@example.org")
    return list(TaxReceipt.objects.order_by("number"))


def test_the_years_receipts_and_declaration_figures(shop: Shop, receipts: list[TaxReceipt]) -> None:
    page = signed_in(shop, Role.TREASURY).get(url(shop, "index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert receipts[0].reference in html and receipts[1].reference in html
    assert page.context["figures"].count == 2 and page.context["figures"].total_cents == 17050
    assert "170,50" in html


def test_each_receipt_pdf_and_no_other_organisers(shop: Shop, receipts: list[TaxReceipt]) -> None:
    client = signed_in(shop)
    response = client.get(url(shop, "pdf", receipts[0].pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "cent vingt euros et cinquante centimes" in pdf_text(response.content)
    other = organizer_create("autre")
    team = Client()
    team.force_login(team_member_create(other, role=Role.ADMIN))
    assert team.get(reverse("backoffice:receipts:pdf", args=["autre", receipts[0].pk])).status_code == 404


def test_the_years_table_in_csv_and_excel(shop: Shop, receipts: list[TaxReceipt]) -> None:
    import openpyxl

    client = signed_in(shop, Role.TREASURY)
    response = client.get(url(shop, "csv", receipts[0].year))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and rows[1][0] == receipts[0].reference and rows[1][9] == "120,50"
    assert rows[1][10] == "cent vingt euros et cinquante centimes"
    book = openpyxl.load_workbook(io.BytesIO(client.get(url(shop, "xlsx", receipts[0].year)).content))
    assert book.active.max_row == 3


def test_pages_need_the_books(shop: Shop, receipts: list[TaxReceipt]) -> None:
    ticketing = signed_in(shop, Role.TICKETING)
    assert ticketing.get(url(shop, "index")).status_code == 403
    assert ticketing.get(url(shop, "pdf", receipts[0].pk)).status_code == 403
    assert ticketing.get(url(shop, "settings")).status_code == 403
    assert ticketing.post(url(shop, "yearly"), {"donation_year": receipts[0].year}).status_code == 403


def test_staff_issue_the_yearly_summaries(shop: Shop) -> None:
    receipts_turned_on(shop.organizer)
    receipt_issued(shop, cents=2000, mode="yearly", email="fidele@example.org")
    receipt_issued(shop, cents=3000, mode="yearly", email="fidele@example.org", method="cash")
    assert not TaxReceipt.objects.exists()
    client = signed_in(shop, Role.TREASURY)
    donation_year = timezone.localdate(clock.now()).year
    page = client.get(url(shop, "index"))
    assert page.status_code == 200
    response = client.post(url(shop, "yearly"), {"donation_year": donation_year})
    assert response.status_code == 302
    summary = TaxReceipt.objects.get()
    assert summary.kind == ReceiptKind.YEARLY and summary.amount_cents == 5000
    assert AuditEntry.objects.filter(action="taxreceipt.issued", subject_id=summary.pk).exists()
    bad = client.post(url(shop, "yearly"), {"donation_year": donation_year + 5})
    assert bad.status_code == 400 and "année déjà commencée" in bad.content.decode()


def test_settings_opt_in_needs_them_complete_and_a_signature(shop: Shop) -> None:
    client = signed_in(shop)
    assert client.get(url(shop, "settings")).status_code == 200
    data = {**ELIGIBILITY, "enabled": "on"}
    refused = client.post(url(shop, "settings"), data)
    assert refused.status_code == 400
    assert "Pour délivrer des reçus fiscaux, complétez" in refused.content.decode()
    assert not TaxReceiptSettings.objects.filter(enabled=True).exists()
    # a file that is not an image, then an image
    not_image = client.post(url(shop, "signature"), {"signature": SimpleUploadedFile("s.png", b"not a png")})
    assert not_image.status_code == 400 and "pas une image" in not_image.content.decode()
    upload = SimpleUploadedFile("signature.png", signature_image(), content_type="image/png")
    assert client.post(url(shop, "signature"), {"signature": upload}).status_code == 302
    assert client.get(url(shop, "signature_image"))["Content-Type"] == "image/png"
    assert client.post(url(shop, "settings"), data).status_code == 302
    settings = TaxReceiptSettings.objects.get(organizer=shop.organizer)
    assert settings.enabled and settings.articles == ["200", "238 bis"]
    actions = set(AuditEntry.objects.filter(organizer_id=shop.organizer.pk).values_list("action", flat=True))
    assert {"taxreceipt.settings_changed", "taxreceipt.signature_set"} <= actions


def test_a_too_large_signature_is_refused(shop: Shop) -> None:
    client = signed_in(shop)
    huge = SimpleUploadedFile("s.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), content_type="image/png")
    response = client.post(url(shop, "signature"), {"signature": huge})
    assert response.status_code == 400 and "trop lourde" in response.content.decode()


def test_another_kind_of_organisation_must_say_which(shop: Shop) -> None:
    client = signed_in(shop)
    response = client.post(url(shop, "settings"), {**ELIGIBILITY, "status": "other", "status_detail": ""})
    assert response.status_code == 400 and "Précisez" in response.content.decode()


def test_settings_changed_later_leave_issued_receipts_as_they_were(shop: Shop, receipts: list[TaxReceipt]) -> None:
    client = signed_in(shop)
    changed = {**ELIGIBILITY, "enabled": "on", "name": "Nouveau nom"}
    assert client.post(url(shop, "settings"), changed).status_code == 302
    receipts[0].refresh_from_db()
    assert receipts[0].beneficiary_name == "Association des étudiants BTS"
    assert "Association des étudiants BTS" in pdf_text(client.get(url(shop, "pdf", receipts[0].pk)).content)
