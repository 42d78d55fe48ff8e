"""A treasurer exports the sales (issue 11, must show): signed in to the back office, she asks for
the sales of the event in Excel from the Exports page, follows the job to its download link, and
the file she downloads opens (openpyxl) with its VENTES and PRODUITS sheets, one row per order and
per item, and the attendees' answers in the FORMULAIRES column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from billetterie.catalog.models import Question
from billetterie.organizers.models import Role
from tests.factories import PASSWORD, Shop, order_paid, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_treasurer_exports_ventes_and_produits_and_opens_the_file(page: Page, live_server: Any, shop: Shop,
                                                                    settings: Any, tmp_path: Path) -> None:
    settings.EXPORTS_DIR = str(tmp_path / "exports")
    diet = Question.objects.create(product=shop.ticket, label="Régime alimentaire")
    first = order_paid(shop, method="cash", name="Martine Lefèvre", email="martine@example.org",
                       answers={str(diet.pk): "végétarien"})
    second = order_paid(shop, method="cheque", tickets=1, meals=0, name="Paul Girard", email="paul@example.org",
                        answers={str(diet.pk): "sans gluten"})
    team_member_create(shop.organizer, role=Role.TREASURY, email="tresoriere@assoc.example")

    page.goto(f"{live_server.url}/gestion/connexion/")
    page.get_by_label("E-mail").fill("tresoriere@assoc.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("nav.menu").get_by_role("link", name="Exports").click()

    sales = page.locator("#export-sales")
    expect(sales).to_contain_text("VENTES")
    sales.get_by_label("Événement").select_option(label="JIP 2027")
    expect(sales.get_by_label("Excel")).to_be_checked()
    sales.get_by_role("button", name="Exporter les ventes").click()

    # the job's page: ready (the tests' task queue runs at once), with its download link
    expect(page.locator("h1")).to_contain_text("Ventes")
    expect(page.locator("#export-job")).to_contain_text("Prêt")
    expect(page.locator("#export-job")).to_contain_text(re.compile(r"6\s*lignes"))
    with page.expect_download() as download_info:
        page.locator("#export-download").click()
    download = download_info.value
    assert re.fullmatch(r"ventes-assoc-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["VENTES", "PRODUITS"]
    header, *orders = list(book["VENTES"].iter_rows(values_only=True))
    by_order = {row[header.index("Commande")]: dict(zip(header, row, strict=True)) for row in orders}
    assert set(by_order) == {first.code, second.code}
    assert by_order[first.code]["Acheteur"] == "Martine Lefèvre" and by_order[first.code]["Total"] == 42.0
    assert by_order[second.code]["Total"] == 15.0
    header, *lines = list(book["PRODUITS"].iter_rows(values_only=True))
    assert header[-1] == "FORMULAIRES" and len(lines) == 4
    answers = {(row[header.index("Commande")], row[header.index("Participant")]): row[-1] for row in lines
               if row[header.index("Produit")] == "Entrée"}
    assert answers == {
        (first.code, "Camille Durand"): "Régime alimentaire : végétarien",
        (first.code, "Léo Martin"): "Régime alimentaire : végétarien",
        (second.code, "Camille Durand"): "Régime alimentaire : sans gluten",
    }

    # the list of exports keeps it
    page.locator("nav.menu").get_by_role("link", name="Exports").click()
    expect(page.get_by_text("Exports récents")).to_be_visible()
    expect(page.locator("table")).to_contain_text("JIP 2027")
