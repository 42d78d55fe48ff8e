"""Tax receipts in tests: an organiser that issues them, the text of a receipt's PDF."""

from __future__ import annotations

import io

from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer
from billetterie.taxreceipts.models import OrganismStatus, TaxReceiptSettings
from billetterie.taxreceipts.services import settings_update, signature_set
from tests.factories import Shop

ELIGIBILITY = {
    "enabled": True, "name": "Association des étudiants BTS", "address": "1 rue de la Gare\n46200 Souillac",
    "purpose": "Favoriser la vie étudiante et culturelle du lycée", "status": OrganismStatus.GENERAL_INTEREST,
    "status_detail": "", "articles": ["200", "238 bis"], "signatory_name": "Claire Dupont",
    "signatory_quality": "Présidente",
}


def signature_image(size: tuple[int, int] = (300, 100), fmt: str = "PNG") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (200, 70), (290, 30)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def receipts_turned_on(organizer: Organizer, **values: object) -> TaxReceiptSettings:
    signature_set(organizer_id=organizer.pk, data=signature_image())
    return settings_update(organizer_id=organizer.pk, values={**ELIGIBILITY, **values})


def pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def pdf_pages(data: bytes) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def receipt_issued(shop: Shop, *, cents: int = 12050, method: str = "cheque", email: str = "donatrice@example.org",
                   mode: str = "single") -> Order:
    """An order of one ticket and a donation whose buyer asked for a receipt (per donation, or
    `mode="yearly"`), paid by `method`: its receipt is issued (per donation). The organiser must
    issue receipts (`receipts_turned_on`)."""
    from billetterie.payments.services import payment_record_external
    from billetterie.taxreceipts.services import DonorAddress, request_record
    from tests.factories import order_placed

    order = order_placed(shop, tickets=1, meals=0, donation_cents=cents, email=email, name="Camille Durand")
    assert request_record(order=order, mode=mode, donor=DonorAddress("12 avenue Jean Jaurès", "46200", "Souillac"))
    payment_record_external(order_id=order.pk, method=method, amount_cents=order.total_cents)
    return order
