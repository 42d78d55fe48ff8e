"""The books (« Grand livre », issue 13 items 1 and 7): each account's balance for a period, an
account's lines, and the period's FEC and journal CSV, streamed. Test money is left out
(decision 0010). Reading and exporting need BOOKS; nothing here changes the books."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billetterie.ledger import exports
from billetterie.ledger.selectors import account_balances, account_lines, account_of
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view
from .forms import PeriodForm

LINES_SHOWN = 500  # an account's page shows its first lines of the period; the CSV has them all


def _period(request: BackofficeRequest) -> tuple[PeriodForm, int]:
    form = PeriodForm(request.GET or None)
    return form, 400 if request.GET and not form.is_valid() else 200


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    form, status = _period(request)
    start, end = form.period()
    balances = account_balances(organizer_id=request.bo.organizer.pk, start=start, end=end)
    return render(request, "backoffice/ledger/index.html", {
        "form": form, "start": start, "end": end, "balances": balances,
        "debit_total": sum(b.debit_cents for b in balances), "credit_total": sum(b.credit_cents for b in balances),
        "query": f"du={start:%Y-%m-%d}&au={end:%Y-%m-%d}", "siren": request.bo.organizer.siret[:9],
    }, status=status)


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def account(request: BackofficeRequest, account_id: int) -> HttpResponse:
    found = account_of(organizer_id=request.bo.organizer.pk, account_id=account_id)
    if found is None:
        raise Http404
    form, status = _period(request)
    start, end = form.period()
    opening = next((b.opening_cents for b in account_balances(organizer_id=request.bo.organizer.pk, start=start,
                                                               end=end) if b.account_id == found.pk), 0)
    rows, running = [], opening
    lines = list(account_lines(organizer_id=request.bo.organizer.pk, account_id=found.pk, start=start,
                               end=end)[:LINES_SHOWN + 1])
    for line in lines[:LINES_SHOWN]:
        running += line.debit_cents - line.credit_cents
        rows.append((line, running))
    return render(request, "backoffice/ledger/account.html", {
        "form": form, "account": found, "start": start, "end": end, "opening": opening, "rows": rows,
        "more": len(lines) > LINES_SHOWN, "query": f"du={start:%Y-%m-%d}&au={end:%Y-%m-%d}",
    }, status=status)


def _download(chunks: Iterator[bytes], filename: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@organizer_view(Perm.BOOKS)
def fec(request: BackofficeRequest) -> HttpResponseBase:
    form, status = _period(request)
    if status != 200:
        return index(request, request.bo.organizer.slug)
    start, end = form.period()
    organizer = request.bo.organizer
    return _download(exports.fec_chunks(organizer_id=organizer.pk, start=start, end=end),
                     exports.fec_filename(siren=organizer.siret, end=end), "text/plain; charset=iso-8859-15")


@require_GET
@organizer_view(Perm.BOOKS)
def journal_csv(request: BackofficeRequest) -> HttpResponseBase:
    form, status = _period(request)
    if status != 200:
        return index(request, request.bo.organizer.slug)
    start, end = form.period()
    organizer = request.bo.organizer
    return _download(exports.journal_chunks(organizer_id=organizer.pk, start=start, end=end),
                     exports.journal_filename(slug=organizer.slug, start=start, end=end), "text/csv; charset=utf-8")
