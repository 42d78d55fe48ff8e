"""« Relevé de billetterie » (issue 13, item 6; decision 0028): the daily ticketing summary per
event and price category, with the cancelled tickets; viewable and downloadable (CSV for French
Excel, or an Excel workbook with the cancellations on a second sheet).

Reading and downloading need BOOKS: it is the books' record of the takings (the treasurer and the
administrators have it; a ticketing role sees each ticket's number on the order's page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billetterie.core.tabular import csv_bytes, xlsx_bytes
from billetterie.organizers.permissions import Perm
from billetterie.tickets.summary import (
    cancellations_table,
    cancelled_tickets,
    reason_label,
    summary_days,
    summary_rows,
    summary_table,
)

from ..access import BackofficeRequest, organizer_view
from .forms import SummaryFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request: BackofficeRequest) -> SummaryFilterForm:
    return SummaryFilterForm(request.GET or None, organizer=request.bo.organizer)


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    return _page(request, _form(request))


def _page(request: BackofficeRequest, form: SummaryFilterForm) -> HttpResponse:
    """The summary; filters that are not valid show their errors and no rows (400)."""
    invalid = form.is_bound and not form.is_valid()
    filters = form.filters()
    rows = [] if invalid else summary_rows(filters)
    cancelled = [] if invalid else cancelled_tickets(filters)
    context: dict[str, Any] = {
        "form": form, "days": summary_days(rows), "cancelled": [(c, reason_label(c.reason)) for c in cancelled],
        "totals": _totals(rows), "query": request.GET.urlencode(),
    }
    return render(request, "backoffice/ticketing/index.html", context, status=400 if invalid else 200)


def _totals(rows: list[Any]) -> dict[str, Any]:
    return {"count": sum(r.count for r in rows), "takings_cents": sum(r.takings_cents for r in rows),
            "cancelled": sum(r.cancelled for r in rows), "cancelled_cents": sum(r.cancelled_cents for r in rows),
            "net_cents": sum(r.net_cents for r in rows)}


def _file_name(request: BackofficeRequest, form: SummaryFilterForm, extension: str) -> str:
    filters = form.filters()
    parts = ["releve-billetterie", request.bo.organizer.slug]
    parts += [value.isoformat() for value in (filters.start, filters.end) if value is not None]
    return f"{slugify('-'.join(parts))}.{extension}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def export_csv(request: BackofficeRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return _page(request, form)
    return _download(csv_bytes(summary_table(summary_rows(form.filters()))), "text/csv; charset=utf-8",
                     _file_name(request, form, "csv"))


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def export_xlsx(request: BackofficeRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return _page(request, form)
    filters = form.filters()
    book = xlsx_bytes([summary_table(summary_rows(filters)), cancellations_table(cancelled_tickets(filters))])
    return _download(book, XLSX, _file_name(request, form, "xlsx"))
