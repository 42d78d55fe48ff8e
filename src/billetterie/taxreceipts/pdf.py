"""A tax receipt as PDF, laid out as the Cerfa n° 11580 (weasyprint, from an HTML template): the
beneficiary, the donor, the amount in figures and in words, the date, the form, nature and way
of the gift, the certification under the articles of the CGI, the date and signature."""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from billetterie.core.money import format_money

from .models import OrganismStatus, PaymentWay, ReceiptKind, TaxReceipt
from .services import PARIS

CERFA = "11580"


def _fetcher() -> Any:
    """Loads the `data:` URL of the signature and nothing else (no file, no network)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)


def _signature_uri(receipt: TaxReceipt) -> str:
    if receipt.signature is None:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(receipt.signature.png)).decode()


def receipt_context(receipt: TaxReceipt) -> dict[str, Any]:
    cancellation = getattr(receipt, "cancellation", None)
    donations = list(receipt.donations.all()) if receipt.kind == ReceiptKind.YEARLY else []
    return {
        "receipt": receipt, "cerfa": CERFA, "statuses": OrganismStatus.choices,
        "ways": PaymentWay.choices, "yearly": receipt.kind == ReceiptKind.YEARLY,
        "amount": format_money(receipt.amount_cents, receipt.currency),
        "donated_on": date_format(receipt.donated_on, "SHORT_DATE_FORMAT"),
        "first_donated_on": date_format(receipt.first_donated_on, "SHORT_DATE_FORMAT"),
        "issued_on": date_format(localtime(receipt.issued_at, PARIS).date(), "SHORT_DATE_FORMAT"),
        "donations": [{"date": date_format(d.donated_on, "SHORT_DATE_FORMAT"),
                       "amount": format_money(d.amount_cents, receipt.currency),
                       "way": PaymentWay(d.payment_way).label} for d in donations],
        "signature_uri": _signature_uri(receipt),
        "cancelled_on": (date_format(localtime(cancellation.cancelled_at, PARIS).date(), "SHORT_DATE_FORMAT")
                         if cancellation is not None else ""),
    }


def receipt_pdf(*, receipt: TaxReceipt) -> bytes:
    """The receipt as it was issued (in French: a French tax form), marked when cancelled or a
    specimen."""
    from weasyprint import HTML  # heavy import, only where PDFs are made

    with translation.override("fr"):
        html = render_to_string("taxreceipts/receipt.html", receipt_context(receipt))
    return bytes(HTML(string=html, url_fetcher=_fetcher()).write_pdf())


def receipt_file_name(*, receipt: TaxReceipt) -> str:
    return f"recu-fiscal-{receipt.reference}.pdf"
