"""« Reçus fiscaux » (issue 13, item 5; decision 0029): the receipts issued in a year with the
figures of the yearly declaration (art. 222 bis du CGI: total amount and number of receipts),
each receipt's PDF, the year's table (CSV for French Excel, or Excel), the yearly summaries
issued for the donors who asked for one, and the organiser's eligibility settings.

Reading needs BOOKS (downloading the table, EXPORTS too: it lists donors); issuing the yearly
summaries, MONEY; the settings, SETTINGS. The rules are in `taxreceipts.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billetterie.core import audit, clock
from billetterie.core.errors import DomainError
from billetterie.core.tabular import csv_bytes, xlsx_bytes
from billetterie.organizers.permissions import Perm
from billetterie.taxreceipts.exports import receipts_table
from billetterie.taxreceipts.pdf import receipt_file_name, receipt_pdf
from billetterie.taxreceipts.selectors import (
    declaration_figures,
    receipt_of,
    receipt_years,
    receipts_of_year,
    settings_missing,
    settings_of,
)
from billetterie.taxreceipts.services import (
    PARIS,
    SIGNATURE_MAX_BYTES,
    settings_update,
    signature_set,
    yearly_pending_count,
    yearly_receipts_issue,
)

from ..access import BackofficeRequest, forbidden, organizer_view
from .forms import SettingsForm, SignatureForm, YearForm, YearlyIssueForm

PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _this_year() -> int:
    return timezone.localdate(clock.now(), PARIS).year


def _page_number(request: BackofficeRequest, pages: int) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), pages) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    return _index(request, YearlyIssueForm(initial={"donation_year": _this_year() - 1}))


def _index(request: BackofficeRequest, issue_form: YearlyIssueForm, status: int = 200) -> HttpResponse:
    organizer = request.bo.organizer
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or _this_year()
    found = receipts_of_year(organizer_id=organizer.pk, year=year)
    total = found.count()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = _page_number(request, pages)
    settings = settings_of(organizer_id=organizer.pk)
    donation_year = issue_form["donation_year"].value()
    context: dict[str, Any] = {
        "form": form, "year": year, "years": sorted({*receipt_years(organizer_id=organizer.pk), _this_year()},
                                                    reverse=True),
        "receipts": list(found[(page - 1) * PER_PAGE: page * PER_PAGE]), "total": total, "page": page,
        "pages": pages, "figures": declaration_figures(organizer_id=organizer.pk, year=year),
        "specimens": receipts_of_year(organizer_id=organizer.pk, year=year, testmode=True).count(),
        "settings": settings, "missing": settings_missing(settings), "issue_form": issue_form,
        "pending": _pending(organizer.pk, donation_year),
        "can_issue": request.bo.can(Perm.MONEY), "can_export": request.bo.can(Perm.EXPORTS),
        "can_configure": request.bo.can(Perm.SETTINGS),
    }
    return render(request, "backoffice/receipts/index.html", context, status=status)


def _pending(organizer_id: int, donation_year: object) -> int | None:
    try:
        year = int(str(donation_year))
    except ValueError:
        return None
    return yearly_pending_count(organizer_id=organizer_id, donation_year=year) if 2000 <= year <= 2999 else None


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def receipt_download(request: BackofficeRequest, receipt_id: int) -> HttpResponse:
    receipt = receipt_of(organizer_id=request.bo.organizer.pk, receipt_id=receipt_id)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf(receipt=receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt_file_name(receipt=receipt)}"'
    return response


def _table_download(request: BackofficeRequest, year: int, extension: str) -> HttpResponseBase:
    if not request.bo.can(Perm.EXPORTS):
        return forbidden(request, request.bo)
    table = receipts_table(organizer_id=request.bo.organizer.pk, year=year)
    if extension == "csv":
        response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes([table]), content_type=XLSX)
    response["Content-Disposition"] = (f'attachment; filename="recus-fiscaux-{request.bo.organizer.slug}-{year}.'
                                       f'{extension}"')
    return response


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def export_csv(request: BackofficeRequest, year: int) -> HttpResponseBase:
    return _table_download(request, year, "csv")


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def export_xlsx(request: BackofficeRequest, year: int) -> HttpResponseBase:
    return _table_download(request, year, "xlsx")


@require_POST
@organizer_view(Perm.MONEY)
def yearly_issue(request: BackofficeRequest) -> HttpResponseBase:
    """Issue the yearly summaries of a year: one receipt per donor who asked for one."""
    if not request.bo.can(Perm.BOOKS):
        return forbidden(request, request.bo)
    form = YearlyIssueForm(request.POST)
    if form.is_valid():
        audit.bind(audit.staff(request.user))
        try:
            issued = yearly_receipts_issue(organizer_id=request.bo.organizer.pk,
                                           donation_year=form.cleaned_data["donation_year"])
        except DomainError as exc:
            form.add_error("donation_year", exc.message)
        else:
            if issued:
                messages.success(request, ngettext(
                    "%(count)d yearly receipt issued: it is being emailed to its donor.",
                    "%(count)d yearly receipts issued: they are being emailed to their donors.",
                    len(issued)) % {"count": len(issued)})
            else:
                messages.info(request, _("No donor is waiting for a yearly receipt for this year."))
            return redirect("backoffice:receipts:index", request.bo.organizer.slug)
    return _index(request, form, status=400)


# --- settings ------------------------------------------------------------------------------------


def _settings_page(request: BackofficeRequest, form: SettingsForm, signature_form: SignatureForm,
                   status: int = 200) -> HttpResponse:
    settings = settings_of(organizer_id=request.bo.organizer.pk)
    return render(request, "backoffice/receipts/settings.html", {
        "form": form, "signature_form": signature_form, "settings": settings, "missing": settings_missing(settings),
        "max_mb": SIGNATURE_MAX_BYTES // (1024 * 1024),
    }, status=status)


def _field_error(form: Any, exc: DomainError) -> None:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, exc.message)


@never_cache
@organizer_view(Perm.SETTINGS)
def settings_page(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    initial = SettingsForm.initial_of(settings_of(organizer_id=organizer.pk))
    if not initial["name"]:  # a first visit: the organiser's own details as a start
        initial.update(name=organizer.legal_name or organizer.name, address=organizer.address)
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            audit.bind(audit.staff(request.user))
            try:
                settings_update(organizer_id=organizer.pk, values=form.cleaned_data)
            except DomainError as exc:
                _field_error(form, exc)
            else:
                messages.success(request, _("The tax receipts' settings are saved."))
                return redirect("backoffice:receipts:settings", organizer.slug)
        return _settings_page(request, form, SignatureForm(), status=400)
    return _settings_page(request, form, SignatureForm())


@require_POST
@organizer_view(Perm.SETTINGS)
def signature_upload(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    signature_form = SignatureForm(request.POST, request.FILES)
    if signature_form.is_valid():
        audit.bind(audit.staff(request.user))
        try:
            signature_set(organizer_id=organizer.pk,
                          data=signature_form.cleaned_data["signature"].read(SIGNATURE_MAX_BYTES + 1))
        except DomainError as exc:
            _field_error(signature_form, exc)
        else:
            messages.success(request, _("The signature is saved: the receipts issued from now on print it."))
            return redirect("backoffice:receipts:settings", organizer.slug)
    form = SettingsForm(initial=SettingsForm.initial_of(settings_of(organizer_id=organizer.pk)))
    return _settings_page(request, form, signature_form, status=400)


@require_GET
@never_cache
@organizer_view(Perm.SETTINGS)
def signature_image(request: BackofficeRequest) -> HttpResponse:
    settings = settings_of(organizer_id=request.bo.organizer.pk)
    if settings.signature is None:
        raise Http404
    response = HttpResponse(bytes(settings.signature.png), content_type="image/png")
    response["Content-Disposition"] = "inline"
    return response
