"""The books: payouts (« Versements », issue 13 item 8) and the bank statement import.

Reading needs BOOKS; importing (Stripe's fetch, a PayPal or bank service file, matching again, a
bank statement, which records transfers) needs MONEY. The rules are in `billetterie.payouts`
(payouts) and `billetterie.payments.services` (bank statements)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billetterie.core import audit, clock
from billetterie.core.errors import DomainError
from billetterie.core.tabular import csv_bytes, xlsx_bytes
from billetterie.organizers.permissions import Perm
from billetterie.payments.models import StatementImport, StatementImportState, StatementLine
from billetterie.payments.services import statement_import_resume, statement_import_start
from billetterie.payouts import selectors, services
from billetterie.payouts.models import PayoutImportState

from ..access import BackofficeRequest, forbidden, organizer_view
from .forms import BankFileForm, FileForm, PeriodForm, StripeFetchForm

REFRESH_SECONDS = 2
LIST_MAX = 200  # rows shown on the lists of what to check (the export has them all)


def _period(request: BackofficeRequest) -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    return form, start, end


@require_GET
@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    form, start, end = _period(request)
    organizer_id = request.bo.organizer.pk
    payouts = list(selectors.payouts_in_period(organizer_id=organizer_id, start=start, end=end))
    return render(request, "backoffice/payouts/index.html", {
        "form": form, "start": start, "end": end, "payouts": payouts,
        "totals": selectors.payouts_totals(organizer_id=organizer_id, start=start, end=end),
        "labels": {p.provider: selectors.provider_label(p.provider) for p in payouts},
        "can_import": request.bo.can(Perm.MONEY),
    }, status=400 if form.errors else 200)


@require_GET
@organizer_view(Perm.BOOKS)
def detail(request: BackofficeRequest, payout_id: int) -> HttpResponse:
    payout = selectors.payout_of(organizer_id=request.bo.organizer.pk, payout_id=payout_id)
    if payout is None:
        raise Http404
    return render(request, "backoffice/payouts/detail.html", {
        "payout": payout, "items": list(selectors.payout_items(payout=payout)),
        "provider_label": selectors.provider_label(payout.provider),
    })


@require_GET
@organizer_view(Perm.BOOKS)
def to_check(request: BackofficeRequest) -> HttpResponse:
    """The lines that match none of our payments or refunds or disagree with them, and our
    payments that no payout holds yet (confirmed before the end of the period)."""
    form, start, end = _period(request)
    organizer_id = request.bo.organizer.pk
    items = selectors.items_to_check(organizer_id=organizer_id, start=start, end=end)
    waiting = selectors.payments_not_paid_out(organizer_id=organizer_id, before=end)
    return render(request, "backoffice/payouts/to_check.html", {
        "form": form, "start": start, "end": end,
        "items": list(items[:LIST_MAX]), "items_count": items.count(),
        "waiting": list(waiting[:LIST_MAX]), "waiting_count": waiting.count(),
        "labels": {m: selectors.provider_label(m) for m in {p.provider for p in waiting[:LIST_MAX]}},
        "can_import": request.bo.can(Perm.MONEY), "list_max": LIST_MAX,
    }, status=400 if form.errors else 200)


@require_POST
@organizer_view(Perm.MONEY)
def rematch(request: BackofficeRequest) -> HttpResponse:
    audit.bind(audit.staff(request.user))
    fixed = services.payouts_rematch(organizer_id=request.bo.organizer.pk)
    messages.success(request, _("Matched again: %(count)d line(s) now agree with our records.") % {"count": fixed})
    return redirect("backoffice:payouts:to_check", request.bo.organizer.slug)


@require_GET
@organizer_view(Perm.BOOKS)
def export(request: BackofficeRequest) -> HttpResponseBase:
    """The period's payouts report: a payouts sheet and a lines sheet (Excel), or the payouts
    alone (CSV, `;` and a UTF-8 BOM for French Excel)."""
    form, start, end = _period(request)
    if form.errors:
        return redirect("backoffice:payouts:index", request.bo.organizer.slug)
    tables = selectors.payouts_report(organizer_id=request.bo.organizer.pk, start=start, end=end)
    name = f"versements-{start.isoformat()}-{end.isoformat()}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(xlsx_bytes(tables),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(csv_bytes(tables[0]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- imports ---------------------------------------------------------------------------------------


def _imports_page(request: BackofficeRequest, *, stripe_form: StripeFetchForm | None = None,
                  paypal_form: FileForm | None = None, bank_form: BankFileForm | None = None,
                  status: int = 200) -> HttpResponse:
    organizer = request.bo.organizer
    return render(request, "backoffice/payouts/imports.html", {
        "stripe_form": stripe_form or StripeFetchForm(), "paypal_form": paypal_form or FileForm(prefix="paypal"),
        "bank_form": bank_form or BankFileForm(organizer=organizer, prefix="bank"),
        "fetches": selectors.payout_imports_recent(organizer_id=organizer.pk),
        "can_import": request.bo.can(Perm.MONEY),
    }, status=status)


@require_GET
@organizer_view(Perm.BOOKS)
def imports(request: BackofficeRequest) -> HttpResponse:
    return _imports_page(request)


@require_POST
@organizer_view(Perm.MONEY)
def stripe_fetch(request: BackofficeRequest) -> HttpResponse:
    form = StripeFetchForm(request.POST)
    if not form.is_valid():
        return _imports_page(request, stripe_form=form, status=400)
    audit.bind(audit.staff(request.user))
    try:
        job = services.payout_import_start(organizer_id=request.bo.organizer.pk, start=form.cleaned_data["start"],
                                           end=form.cleaned_data["end"], user_id=request.user.pk)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _imports_page(request, stripe_form=form, status=exc.status)
    return redirect("backoffice:payouts:fetch", request.bo.organizer.slug, job.pk)


def _file_import(request: BackofficeRequest, form: FileForm, provider: str, **page: Any) -> HttpResponse:
    if not form.is_valid():
        return _imports_page(request, **page, status=400)
    audit.bind(audit.staff(request.user))
    try:
        result = services.payouts_file_import(organizer_id=request.bo.organizer.pk, provider=provider,
                                              content=form.cleaned_data["file"])
    except DomainError as exc:
        form.add_error("file", exc.message)
        return _imports_page(request, **page, status=exc.status)
    messages.success(request, _(
        "%(file)s: %(new)d payout(s) added (%(lines)d lines, %(check)d to check), %(known)d already imported, "
        "%(skipped)d line(s) not paid out yet or not completed."
    ) % {"file": form.filename or _("The file"), "new": result.payouts_new, "lines": result.items_new,
         "check": result.items_to_check, "known": result.payouts_known, "skipped": result.rows_skipped})
    return redirect("backoffice:payouts:index", request.bo.organizer.slug)


@require_POST
@organizer_view(Perm.MONEY)
def paypal_import(request: BackofficeRequest) -> HttpResponse:
    form = FileForm(request.POST, request.FILES, prefix="paypal")
    return _file_import(request, form, "paypal", paypal_form=form)


@require_POST
@organizer_view(Perm.MONEY)
def bank_import(request: BackofficeRequest) -> HttpResponse:
    form = BankFileForm(request.POST, request.FILES, organizer=request.bo.organizer, prefix="bank")
    provider = str(form.cleaned_data.get("provider", "")) if form.is_valid() else ""
    return _file_import(request, form, provider, bank_form=form)


def _fetch_failure(error: str) -> str:
    if error.startswith(services.TOO_MANY):
        return _("Too many payouts for one fetch: choose a shorter period.")
    if error.startswith(services.UNAVAILABLE):
        return _("Stripe could not be reached, did not answer in time or refused the secret key. The payouts "
                 "read before are kept: start the fetch again.")
    return _("The fetch stopped (the server or the database). Start it again: nothing is imported twice.")


@never_cache
@require_http_methods(["GET", "POST"])
@organizer_view(Perm.BOOKS)
def fetch(request: BackofficeRequest, payout_import_id: int) -> HttpResponseBase:
    """Where a Stripe fetch stands; the page reloads itself (no script) until it ends. A stopped
    fetch can be started again from here (MONEY)."""
    job = selectors.payout_import_of(organizer_id=request.bo.organizer.pk, import_id=payout_import_id)
    if job is None:
        raise Http404
    if request.method == "POST":
        if not request.bo.can(Perm.MONEY):
            return forbidden(request, request.bo)
        audit.bind(audit.staff(request.user))
        services.payout_import_restart(organizer_id=request.bo.organizer.pk, import_id=job.pk)
        return redirect("backoffice:payouts:fetch", request.bo.organizer.slug, job.pk)
    running = job.state in (PayoutImportState.QUEUED, PayoutImportState.RUNNING)
    stalled = running and job.updated_at < clock.now() - services.STALLED_AFTER
    return render(request, "backoffice/payouts/fetch.html", {
        "job": job, "running": running and not stalled, "stalled": stalled, "refresh": REFRESH_SECONDS,
        "failure": _fetch_failure(job.error) if job.state == PayoutImportState.FAILED else "",
        "can_import": request.bo.can(Perm.MONEY),
    })


# --- bank statements (the services stay in payments) ----------------------------------------------


def _statement_summary(job: StatementImport) -> str:
    return _("%(r)d payments recorded, %(a)d lines already imported, %(u)d without an order code, %(p)d to check.") % {
        "r": job.recorded, "a": job.already_imported, "u": job.unmatched, "p": job.problems}


def _statements_page(request: BackofficeRequest, form: FileForm | None = None, status: int = 200) -> HttpResponse:
    organizer_id = request.bo.organizer.pk
    return render(request, "backoffice/payouts/statements.html", {
        "form": form or FileForm(prefix="statement"),
        "imports": list(StatementImport.objects.filter(organizer_id=organizer_id).defer("content")[:10]),
        "lines": list(StatementLine.objects.filter(organizer_id=organizer_id).select_related("payment__order")[:100]),
        "can_import": request.bo.can(Perm.MONEY),
    }, status=status)


@require_http_methods(["GET", "POST"])
@organizer_view(Perm.BOOKS)
def statements(request: BackofficeRequest) -> HttpResponseBase:
    """Upload a bank statement (CSV): each credit naming an order code records a transfer for
    that order, once (`payments.services.statement_import_start`, in the background); then its
    progress page."""
    if request.method == "GET":
        return _statements_page(request)
    if not request.bo.can(Perm.MONEY):
        return forbidden(request, request.bo)
    form = FileForm(request.POST, request.FILES, prefix="statement")
    if not form.is_valid():
        return _statements_page(request, form, status=400)
    audit.bind(audit.staff(request.user))
    try:
        job = statement_import_start(organizer_id=request.bo.organizer.pk, content=form.cleaned_data["file"],
                                     filename=form.filename, user_id=request.user.pk)
    except DomainError as exc:
        form.add_error("file", exc.message)
        return _statements_page(request, form, status=exc.status)
    return redirect("backoffice:payouts:statement", request.bo.organizer.slug, job.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@organizer_view(Perm.BOOKS)
def statement(request: BackofficeRequest, statement_import_id: int) -> HttpResponseBase:
    """Where a statement import stands (reloading itself until it ends); a stopped one can be
    resumed from here (MONEY): it goes on from its progress."""
    job = StatementImport.objects.filter(pk=statement_import_id, organizer=request.bo.organizer).defer(
        "content").first()
    if job is None:
        raise Http404
    if request.method == "POST":
        if not request.bo.can(Perm.MONEY):
            return forbidden(request, request.bo)
        if job.state == StatementImportState.FAILED:
            audit.bind(audit.staff(request.user))
            statement_import_resume(import_id=job.pk)
        return redirect("backoffice:payouts:statement", request.bo.organizer.slug, job.pk)
    finished = job.state in (StatementImportState.DONE, StatementImportState.FAILED)
    percent = int(job.lines_done * 100 / job.total_lines) if job.total_lines else 100
    return render(request, "backoffice/payouts/statement.html", {
        "job": job, "finished": finished, "summary": _statement_summary(job), "refresh": REFRESH_SECONDS,
        "percent": percent, "can_import": request.bo.can(Perm.MONEY),
    })
