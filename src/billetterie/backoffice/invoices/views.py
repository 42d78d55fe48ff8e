"""Invoices (« Factures », issue 13 item 2): the organiser's invoices and credit notes with their
PDFs (BOOKS), the invoicing settings (SETTINGS), and the documents of one order and its contract,
downloaded from the order's page (VIEW, as the order itself). The rules are in `invoicing`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from billetterie.core.errors import DomainError
from billetterie.invoicing.contract import contract_filename, contract_pdf
from billetterie.invoicing.models import CreditNote, Invoice
from billetterie.invoicing.pdf import document_filename, document_pdf
from billetterie.invoicing.selectors import (
    credit_note_of,
    invoice_of,
    organizer_credit_notes,
    organizer_invoices,
)
from billetterie.invoicing.services import SETTINGS_FIELDS, invoicing_settings_of, invoicing_settings_set
from billetterie.orders.models import Order
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view
from .forms import FIELD_OF, InvoicingSettingsForm

PER_PAGE = 100


@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer_id = request.bo.organizer.pk
    config = invoicing_settings_of(organizer_id=organizer_id)
    return render(request, "backoffice/invoices/index.html", {
        "config": config,
        "invoices": list(organizer_invoices(organizer_id=organizer_id)[:PER_PAGE]),
        "credit_notes": list(organizer_credit_notes(organizer_id=organizer_id)[:PER_PAGE]),
        "can_settings": request.bo.can(Perm.SETTINGS),
    })


@organizer_view(Perm.SETTINGS)
def settings(request: BackofficeRequest) -> HttpResponseBase:
    organizer = request.bo.organizer
    config = invoicing_settings_of(organizer_id=organizer.pk)
    form = InvoicingSettingsForm(request.POST or None,
                                 initial={FIELD_OF.get(name, name): getattr(config, name) for name in SETTINGS_FIELDS})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invoicing_settings_set(organizer=organizer,
                                       values={name: form.cleaned_data[FIELD_OF.get(name, name)]
                                               for name in SETTINGS_FIELDS})
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The invoicing settings are saved."))
                return redirect("backoffice:invoices:settings", organizer.slug)
    return render(request, "backoffice/invoices/settings.html", {"form": form}, status=status)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _document(document: Invoice | CreditNote | None) -> HttpResponse:
    if document is None:  # another organiser's, or none
        raise Http404
    return _pdf(document_pdf(document), document_filename(document))


@organizer_view(Perm.VIEW)
def invoice_download(request: BackofficeRequest, invoice_id: int) -> HttpResponse:
    return _document(invoice_of(organizer_id=request.bo.organizer.pk, invoice_id=invoice_id))


@organizer_view(Perm.VIEW)
def credit_note_download(request: BackofficeRequest, credit_note_id: int) -> HttpResponse:
    return _document(credit_note_of(organizer_id=request.bo.organizer.pk, credit_note_id=credit_note_id))


@organizer_view(Perm.VIEW)
def contract_download(request: BackofficeRequest, code: str) -> HttpResponse:
    order = Order.objects.select_related("organizer").filter(organizer=request.bo.organizer, code=code).first()
    if order is None:
        raise Http404
    return _pdf(contract_pdf(order=order), contract_filename(order=order))
