"""Exports: sales (VENTES and PRODUITS), payments and refunds, members, check-ins. Each file is
written in the background (`reporting.services`); its page follows the progress (refreshing
itself, no script) and gives the download once ready. Files are served from a private folder,
only to the organiser's team members whose role may export."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billetterie.core.errors import NotFound
from billetterie.organizers.permissions import Perm
from billetterie.reporting import services as exports
from billetterie.reporting.models import ExportFormat, ExportJob, ExportKind, ExportState

from ..access import BackofficeRequest, organizer_view
from .forms import FORMS, CheckinsForm, ExportForm

RUNNING = (ExportState.QUEUED, ExportState.RUNNING)
REFRESH_SECONDS = 2


def _cards(request: BackofficeRequest, bound: ExportForm | None = None) -> list[dict[str, Any]]:
    helps = {
        ExportKind.SALES: _("Excel: a VENTES sheet (one row per order) and a PRODUITS sheet (one row per item, "
                            "with the attendees' answers in the FORMULAIRES column). Test orders are left out."),
        ExportKind.PAYMENTS: _("One row per payment and per refund (refunds as negative amounts), by date."),
        ExportKind.MEMBERS: _("The member register: each membership with the member's number and details, its type, "
                              "validity, state and payment."),
        ExportKind.CHECKINS: _("A check-in list's tickets, with when and where each was scanned."),
    }
    buttons = {
        ExportKind.SALES: _("Export the sales"), ExportKind.PAYMENTS: _("Export the payments"),
        ExportKind.MEMBERS: _("Export the members"), ExportKind.CHECKINS: _("Export the check-ins"),
    }
    cards = []
    for kind, form_class in FORMS.items():
        form = bound if bound is not None and bound.kind == kind else form_class(organizer=request.bo.organizer)
        cards.append({
            "kind": kind, "title": ExportKind(kind).label, "help": helps[ExportKind(kind)], "form": form,
            "button": buttons[ExportKind(kind)], "action": reverse("backoffice:exports:start",
                                                                    args=[request.bo.organizer.slug, kind]),
            "available": not isinstance(form, CheckinsForm) or form.available,
        })
    return cards


def _index(request: BackofficeRequest, bound: ExportForm | None = None, status: int = 200) -> HttpResponse:
    jobs = exports.export_jobs_recent(organizer_id=request.bo.organizer.pk)
    return render(request, "backoffice/exports/index.html",
                  {"cards": _cards(request, bound), "jobs": jobs, "running": RUNNING}, status=status)


@require_GET
@organizer_view(Perm.EXPORTS)
def index(request: BackofficeRequest) -> HttpResponse:
    return _index(request)


@require_POST
@organizer_view(Perm.EXPORTS)
def start(request: BackofficeRequest, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, organizer=request.bo.organizer)
    if not form.is_valid():
        return _index(request, form, status=400)
    job = exports.export_start(
        organizer_id=request.bo.organizer.pk, user_id=request.user.pk, kind=kind, fmt=form.cleaned_data["format"],
        params=form.params(), description=form.description(),
    )
    return redirect("backoffice:exports:job", request.bo.organizer.slug, job.pk)


def _job(request: BackofficeRequest, job_id: int) -> ExportJob:
    try:
        return exports.export_job_get(organizer_id=request.bo.organizer.pk, job_id=job_id)
    except NotFound as exc:
        raise Http404 from exc


def _failure(job: ExportJob) -> str:
    if job.error == exports.STOPPED:
        return _("The export stopped before the end (the server restarted). Please ask for it again.")
    if job.error == "list_not_found":
        return _("The check-in list no longer exists.")
    return _("The file could not be written. Please ask for it again; if it fails again, tell the platform's team.")


@never_cache
@require_GET
@organizer_view(Perm.EXPORTS)
def job(request: BackofficeRequest, job_id: int) -> HttpResponse:
    item = _job(request, job_id)
    context = {
        "job": item, "running": item.state in RUNNING, "refresh": REFRESH_SECONDS,
        "failure": _failure(item) if item.state == ExportState.FAILED else "",
        "download_name": exports.export_download_name(item),
        "kind_label": ExportKind(item.kind).label, "format_label": ExportFormat(item.format).label,
    }
    return render(request, "backoffice/exports/job.html", context)


@never_cache
@require_GET
@organizer_view(Perm.EXPORTS)
def job_status(request: BackofficeRequest, job_id: int) -> JsonResponse:
    """The job's progress, for a script that would rather poll than reload the page."""
    item = _job(request, job_id)
    url = reverse("backoffice:exports:download", args=[request.bo.organizer.slug, item.pk])
    return JsonResponse({"state": item.state, "percent": item.percent, "rows_done": item.rows_done,
                         "rows_total": item.rows_total, "download": url if item.state == ExportState.DONE else None})


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@never_cache
@require_GET
@organizer_view(Perm.EXPORTS)
def download(request: BackofficeRequest, job_id: int) -> FileResponse:
    item = _job(request, job_id)
    try:
        path = exports.export_file(job=item)
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(path.open("rb"), as_attachment=True, filename=exports.export_download_name(item),
                            content_type=CONTENT_TYPES[item.extension])
    response["Cache-Control"] = "private, no-store"
    return response
