"""Invoices and credit notes as Factur-X: a PDF/A-3 (weasyprint) with the document's CII XML
embedded by the `factur-x` library, which checks the XML against the Factur-X schema first.

Rendered from the issued snapshot only, in French (the law's mentions and the document's
language), whatever the buyer's language: the same document every time it is downloaded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from billetterie.core.money import format_money
from billetterie.tickets.layout import data_only_url_fetcher

from .cii import FACTURX_LEVEL, document_xml
from .models import CreditNote, Invoice


def _rate(rate_bp: int) -> str:
    text = f"{Decimal(rate_bp) / 100:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "\u00a0%"


def _context(document: Invoice | CreditNote) -> dict[str, Any]:
    money = document.currency

    def fmt(cents: int) -> str:
        return format_money(cents, money)

    credit = isinstance(document, CreditNote)
    context: dict[str, Any] = {
        "doc": document, "seller": document.seller, "buyer": document.buyer, "mentions": document.mentions,
        "kind_label": "Avoir" if credit else "Facture", "is_credit_note": credit,
        "issued_on": date_format(timezone.localdate(document.issued_at), "DATE_FORMAT"),
        "lines": [{"label": row["label"], "quantity": row["quantity"], "unit": fmt(row["unit_cents"]),
                   "rate": _rate(row["vat_rate_bp"]), "net": fmt(row["net_cents"]), "vat": fmt(row["vat_cents"]),
                   "gross": fmt(row["gross_cents"])} for row in document.lines],
        "breakdown": [{"rate": _rate(row["vat_rate_bp"]), "net": fmt(row["net_cents"]), "vat": fmt(row["vat_cents"])}
                      for row in document.vat_breakdown],
        "net": fmt(document.net_cents), "vat": fmt(document.vat_cents), "gross": fmt(document.gross_cents),
    }
    if isinstance(document, CreditNote):
        context["invoice_number"] = document.invoice.number
        context["invoice_date"] = date_format(timezone.localdate(document.invoice.issued_at), "DATE_FORMAT")
    elif document.due_on is not None and not document.mentions.get("paid_on_issue"):
        context["due_on"] = date_format(document.due_on, "DATE_FORMAT")
    return context


def document_pdf_plain(document: Invoice | CreditNote) -> bytes:
    """The PDF/A-3b alone, before the XML is embedded."""
    from weasyprint import HTML  # heavy import, only where PDFs are made

    with translation.override("fr"):
        html = render_to_string("invoicing/document.html", _context(document))
    return bytes(HTML(string=html, url_fetcher=data_only_url_fetcher()).write_pdf(pdf_variant="pdf/a-3b"))


def document_pdf(document: Invoice | CreditNote) -> bytes:
    """The Factur-X PDF of an issued invoice or credit note (the XML checked against the schema)."""
    from facturx import generate_from_binary

    kind = "Avoir" if isinstance(document, CreditNote) else "Facture"
    metadata = {"author": document.seller.get("name", ""), "keywords": "Factur-X",
                "title": f"{kind} {document.number}", "subject": f"{kind} {document.number}"}
    return bytes(generate_from_binary(document_pdf_plain(document), document_xml(document), flavor="factur-x",
                                      level=FACTURX_LEVEL, check_xsd=True, pdf_metadata=metadata, lang="fr-FR"))


def document_filename(document: Invoice | CreditNote) -> str:
    kind = "avoir" if isinstance(document, CreditNote) else "facture"
    return f"{kind}-{document.number}.pdf"
