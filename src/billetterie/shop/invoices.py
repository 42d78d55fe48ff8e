"""A buyer downloads their invoice, credit notes and contract from the order page and their
account (issue 13): the PDFs behind the order's secret link, for documents of this very order."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from billetterie.core.ratelimit import answer_429
from billetterie.invoicing.contract import contract_filename, contract_pdf, order_contract
from billetterie.invoicing.models import CreditNote, Invoice
from billetterie.invoicing.pdf import document_filename, document_pdf
from billetterie.invoicing.selectors import order_documents

from .views import _order_or_404


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@answer_429
def invoice_download(request: HttpRequest, organizer_slug: str, code: str, secret: str, kind: str,
                     document_id: int) -> HttpResponse:
    order = _order_or_404(request, organizer_slug, code, secret)
    documents = order_documents(order_id=order.pk)
    found: Invoice | CreditNote | None = None
    if kind == "facture" and documents.invoice is not None and documents.invoice.pk == document_id:
        found = documents.invoice
    elif kind == "avoir":
        found = next((note for note in documents.credit_notes if note.pk == document_id), None)
    if found is None:
        raise Http404
    return _pdf(document_pdf(found), document_filename(found))


@require_GET
@answer_429
def contract_download(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> HttpResponse:
    order = _order_or_404(request, organizer_slug, code, secret)
    if not order_contract(order=order).part_paid:
        raise Http404
    return _pdf(contract_pdf(order=order), contract_filename(order=order))
