"""A donor downloads their tax receipt from the order page (issue 13): the receipt's PDF, behind
the order's secret link, for a receipt that covers this order's donation."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from billetterie.core.ratelimit import answer_429
from billetterie.taxreceipts.pdf import receipt_file_name, receipt_pdf
from billetterie.taxreceipts.selectors import receipts_of_order

from .views import _order_or_404


@require_GET
@answer_429
def tax_receipt_download(request: HttpRequest, organizer_slug: str, code: str, secret: str,
                         receipt_id: int) -> HttpResponse:
    order = _order_or_404(request, organizer_slug, code, secret)
    receipt = next((r for r in receipts_of_order(order_id=order.pk) if r.pk == receipt_id), None)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf(receipt=receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_file_name(receipt=receipt)}"'
    response["Cache-Control"] = "private, no-store"
    return response
