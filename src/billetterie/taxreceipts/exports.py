"""The receipts of a year as a table (core.tabular: CSV for French Excel, or XLSX): what the
organisation keeps with its books and what its yearly declaration adds up (art. 222 bis du CGI)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from billetterie.core.tabular import Column, Kind, Table

from .models import PaymentWay, ReceiptKind, TaxReceipt
from .selectors import receipts_of_year


def receipts_table(*, organizer_id: int, year: int) -> Table:
    columns = [
        Column(_("Receipt number"), width=14), Column(_("Kind"), width=16), Column(_("Issued at"), Kind.DATETIME, 17),
        Column(_("Donor"), width=26), Column(_("Email"), width=28), Column(_("Address"), width=30),
        Column(_("Postcode"), width=10), Column(_("City"), width=20), Column(_("Country"), width=12),
        Column(_("Amount"), Kind.MONEY, 12), Column(_("Amount in words"), width=50),
        Column(_("First donation"), Kind.DATE, 12), Column(_("Last donation"), Kind.DATE, 12),
        Column(_("Payment way"), width=24), Column(_("Cancelled at"), Kind.DATETIME, 17),
        Column(_("Orders"), width=20),
    ]
    receipts = receipts_of_year(organizer_id=organizer_id, year=year).prefetch_related("donations__order")

    def values() -> Iterator[list[object]]:
        for r in receipts.order_by("number").iterator(chunk_size=500):
            yield _row(r)

    return Table(_("Tax receipts %(year)d") % {"year": year}, columns, values())


def _row(r: TaxReceipt) -> list[object]:
    cancellation = getattr(r, "cancellation", None)
    return [
        r.reference, str(ReceiptKind(r.kind).label), r.issued_at, r.donor_name, r.donor_email, r.donor_address,
        r.donor_postcode, r.donor_city, r.donor_country, r.amount_cents, r.amount_words, r.first_donated_on,
        r.donated_on, ", ".join(str(PaymentWay(w).label) for w in r.payment_ways),
        cancellation.cancelled_at if cancellation is not None else None,
        " ".join(d.order.code for d in r.donations.all()),
    ]
