"""Session-wide refunds (issue 11, item 5): cancel a date and refund every holder, or refund a part
of every ticket of a date; then follow the batch's progress and read its report. The rules are the
payments domain's (`payments.batch`); these views parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billetterie.catalog.models import EventDate
from billetterie.core.errors import DomainError
from billetterie.core.ids import new_secret
from billetterie.organizers.permissions import Perm
from billetterie.payments.batch import (
    Outcome,
    refund_batch_latest_id,
    refund_batch_preview,
    refund_batch_report,
    refund_batch_resume,
    refund_batch_start,
    refund_dates,
)
from billetterie.payments.models import Refund, RefundBatch, RefundBatchKind, RefundBatchState, RefundState
from billetterie.payments.services import refund_mark_done

from ..access import BackofficeRequest, organizer_view
from .forms import ConfirmForm, PartForm

# the batch page reloads itself this often while the worker refunds (no script: the CSP allows none inline)
REFRESH_SECONDS = 2


def _date(request: BackofficeRequest, date_id: int) -> EventDate:
    return get_object_or_404(EventDate.objects.select_related("event"), pk=date_id,
                             event__organizer=request.bo.organizer)


def _batch_url(request: BackofficeRequest, batch: RefundBatch) -> str:
    return reverse("backoffice:refunds:batch", args=[request.bo.organizer.slug, batch.pk])


@organizer_view(Perm.MONEY)
def index(request: BackofficeRequest) -> HttpResponse:
    return render(request, "backoffice/refunds/index.html", {
        "rows": refund_dates(organizer_id=request.bo.organizer.pk),
    })


def _start(request: BackofficeRequest, date: EventDate, form: ConfirmForm, kind: str,
           **part: Any) -> HttpResponse | None:
    """Start the batch from a valid confirmation; None (the error added to the form) when refused."""
    try:
        batch = refund_batch_start(
            organizer_id=request.bo.organizer.pk, date_id=date.pk, kind=kind, key=form.cleaned_data["key"],
            reason=form.cleaned_data.get("reason") or "", user_id=request.user.pk, **part,
        )
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return None
    return HttpResponseRedirect(_batch_url(request, batch))


@organizer_view(Perm.MONEY)
def cancel_date(request: BackofficeRequest, date_id: int) -> HttpResponse:
    """What cancelling the date concerns (orders, tickets, money, what must be paid back by hand),
    then the confirmation that cancels it and refunds every holder."""
    date = _date(request, date_id)
    status = 200
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        status = 400
        if form.is_valid():
            done = _start(request, date, form, RefundBatchKind.CANCEL_DATE)
            if done is not None:
                return done
            status = 409
    else:
        form = ConfirmForm(initial={"key": new_secret()})
    return render(request, "backoffice/refunds/cancel.html", {
        "date": date, "form": form, "batches": _batches(request, date),
        "preview": refund_batch_preview(date=date, kind=RefundBatchKind.CANCEL_DATE),
    }, status=status)


@organizer_view(Perm.MONEY)
def part_refund(request: BackofficeRequest, date_id: int) -> HttpResponse:
    """A part of every ticket of the date (a show stopped halfway): the amount or percentage, then
    what it comes to, then the confirmation."""
    date = _date(request, date_id)
    if date.cancelled_at is not None:
        messages.error(request, _("This date is cancelled: its holders were refunded in full."))
        return redirect("backoffice:refunds:index", request.bo.organizer.slug)
    preview = None
    status = 200
    seen = ""
    if request.method == "POST":
        form = PartForm(request.POST)
        if form.is_valid():
            per_ticket_cents, percent = form.part()
            # what the figures shown were for: the part, and the date's latest batch then (another
            # one started since, from another tab or by a colleague, would make them stale)
            amount_seen, _sep, latest_seen = str(request.POST.get("seen", "")).rpartition("|")
            if request.POST.get("confirm") and amount_seen != f"{per_ticket_cents}:{percent}":
                # changed since the figures shown: show the new ones before anything is refunded
                messages.warning(request, _("The amount changed: check what it comes to, then confirm."))
            elif request.POST.get("confirm"):
                known = latest_seen.isascii() and latest_seen.isdigit() and len(latest_seen) <= 18
                after = int(latest_seen) if known else -1
                done = _start(request, date, form, RefundBatchKind.PART, per_ticket_cents=per_ticket_cents,
                              percent=percent, after_batch_id=after)
                if done is not None:
                    return done
                status = 409
            seen = f"{per_ticket_cents}:{percent}|{refund_batch_latest_id(date_id=date.pk)}"
            preview = refund_batch_preview(date=date, kind=RefundBatchKind.PART, per_ticket_cents=per_ticket_cents,
                                           percent=percent)
        else:
            status = 400
    else:
        form = PartForm(initial={"key": new_secret()})
    return render(request, "backoffice/refunds/part.html", {
        "date": date, "form": form, "preview": preview, "batches": _batches(request, date),
        "seen": seen if preview is not None else "",
    }, status=status)


def _batches(request: BackofficeRequest, date: EventDate) -> list[RefundBatch]:
    return list(RefundBatch.objects.filter(organizer=request.bo.organizer, date=date).order_by("-pk"))


@organizer_view(Perm.MONEY)
def batch(request: BackofficeRequest, batch_id: int) -> HttpResponse:
    """The batch's progress (the page reloads itself while it runs) and its report: refunded,
    being sent, to pay back by hand (buyer, amount, method), failed, unpaid orders cancelled."""
    found = get_object_or_404(RefundBatch.objects.select_related("date__event", "created_by"), pk=batch_id,
                              organizer=request.bo.organizer)
    report = refund_batch_report(batch=found)
    running = found.state in (RefundBatchState.QUEUED, RefundBatchState.RUNNING)
    return render(request, "backoffice/refunds/batch.html", {
        "batch": found, "report": report, "running": running, "refresh": REFRESH_SECONDS, "Outcome": Outcome,
        "sections": [
            (Outcome.FAILED, _("Failed"), "bad", report.of(Outcome.FAILED)),
            (Outcome.BY_HAND, _("To pay back by hand"), "warn", report.of(Outcome.BY_HAND)),
            (Outcome.SENDING, _("Being sent to the payment service"), "warn", report.of(Outcome.SENDING)),
            (Outcome.REFUNDED, _("Refunded"), "ok", report.of(Outcome.REFUNDED)),
            (Outcome.CANCELLED, _("Unpaid orders cancelled"), "", report.of(Outcome.CANCELLED)),
            (Outcome.NOTHING, _("Nothing to refund"), "", report.of(Outcome.NOTHING)),
            (Outcome.WAITING, _("Waiting"), "", report.of(Outcome.WAITING)),
        ],
    })


@require_POST
@organizer_view(Perm.MONEY)
def resume(request: BackofficeRequest, batch_id: int) -> HttpResponse:
    found = get_object_or_404(RefundBatch, pk=batch_id, organizer=request.bo.organizer)
    if found.state == RefundBatchState.FAILED:
        refund_batch_resume(batch_id=found.pk)
        messages.success(request, _("The refunds go on from where they stopped."))
    return HttpResponseRedirect(_batch_url(request, found))


@require_POST
@organizer_view(Perm.MONEY)
def mark_done(request: BackofficeRequest, batch_id: int, refund_id: int) -> HttpResponse:
    """Staff paid a buyer back by hand (cash, cheque, transfer): the refund is closed and the buyer
    gets the refund email."""
    found = get_object_or_404(RefundBatch, pk=batch_id, organizer=request.bo.organizer)
    refund = Refund.objects.filter(pk=refund_id, batch_item__batch=found).first()
    if refund is None:
        raise Http404
    paid_back(request, refund)
    return HttpResponseRedirect(_batch_url(request, found))


def paid_back(request: BackofficeRequest, refund: Refund) -> None:
    """Close a refund staff made by hand (the buyer gets the refund email) and say so; a second
    click says it was done already and changes nothing. Shared with the order's page."""
    if refund.state != RefundState.MANUAL:
        messages.info(request, _("This refund was already marked as paid back."))
        return
    try:
        refund_mark_done(refund_id=refund.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as paid back: the buyer is told by email."))
