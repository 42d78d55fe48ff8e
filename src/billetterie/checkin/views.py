"""The scanner page (any phone or laptop browser) and the staff's live check-in dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billetterie.core.csp import Sources, allow
from billetterie.core.errors import NotFound
from billetterie.organizers.models import Organizer
from billetterie.organizers.permissions import Perm
from billetterie.organizers.second_factor import second_factor_missing
from billetterie.organizers.selectors import organizers_where_user_can

from .exports import tickets_csv, tickets_xlsx
from .messages import RESULT_MESSAGES
from .selectors import (
    Counts,
    DateCounts,
    ListScope,
    RecentScan,
    checkin_counts,
    checkin_counts_by_date,
    checkin_list_scope,
    checkin_list_scope_for,
    lists_of_organizers,
    recent_scans,
)

SCANNER_VERSION = "5"  # bump to make the offline cache take new files


def _scanner_strings() -> dict[str, str]:
    strings = {key: str(value) for key, value in RESULT_MESSAGES.items()}
    strings.update({
        "online": _("Online"),
        "offline": _("Offline"),
        "queued": _("to sync"),
        "checked_in": _("Checked in"),
        "sold": _("Tickets"),
        "first_scan": _("First scan: %(time)s on %(device)s"),
        "no_token": _("Open this page with the check-in link given by the organiser."),
        "choose_list": _("Choose the entrance"),
        "camera_start": _("Start the camera"),
        "camera_stop": _("Stop the camera"),
        "camera_error": _("The camera could not start."),
        "conflict": _("Double entry found at sync: %(name)s, first scan %(time)s on %(device)s"),
        "ready": _("Ready: scan a ticket"),
        "undone": _("Entry cancelled"),
        "undo_failed": _("Could not cancel the entry"),
        "not_found": _("No ticket found"),
        "offline_check": _("checked offline"),
        "auth_failed": _("This check-in link is no longer valid."),
        "synced": _("Offline scans sent"),
        "not_kept": _("Not saved on this device: scan again"),
        "storage_fallback": _(
            "This browser refuses the offline database: scans made offline are kept in a smaller "
            "storage. Sync often."
        ),
        "storage_memory": _(
            "This browser keeps nothing for the scanner: do not reload the page while offline."
        ),
    })
    return strings


@require_GET
def scanner(request: HttpRequest) -> HttpResponse:
    """The page itself holds no secret: the check-in token comes in the URL's fragment (never sent
    to the server nor logged) and is kept in the browser.

    The service worker serves the last copy of this page when offline, whatever the query string
    (`?list=N`): so the page holds nothing per request (no CSRF token, no session, no list; only
    the language varies) and everything per device comes from the browser's storage. A test
    checks that two requests get the same page."""
    config = {
        "api": "/api/v1/checkin",
        "strings": _scanner_strings(),
        "version": SCANNER_VERSION,
        "serviceWorker": reverse("checkin:service_worker"),
        "nobleUrl": static("checkin/vendor/noble-ed25519.js"),
    }
    response = render(request, "checkin/scanner.html", {"config": config})
    # the QR decoder (qr-scanner) runs in a worker it builds from a blob: URL where the browser
    # has no BarcodeDetector (Chromium on Linux and Windows, Firefox)
    allow(response, Sources(worker_src=("blob:",)))
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    files = [
        reverse("checkin:scanner"),
        static("checkin/scanner.js"),
        static("checkin/storage.js"),
        static("checkin/scanner.css"),
        static("checkin/vendor/qr-scanner.umd.min.js"),
        static("checkin/vendor/qr-scanner-worker.min.js"),
        static("checkin/vendor/noble-ed25519.js"),
    ]
    body = render(request, "checkin/sw.js", {"files_json": json.dumps(files), "version": SCANNER_VERSION}).content
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/checkin/"
    return response


def staff_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A staff page: signed in, and past the two-factor code for those who turned it on (the back
    office's rule): a session that skipped the code is signed out and sent to the back office's
    sign-in, which asks it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and second_factor_missing(request):
            logout(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "backoffice:login")
        return view(request, *args, **kwargs)

    return wrapped


def _checkin_organizers(request: HttpRequest) -> QuerySet[Organizer]:
    """The organisers whose check-in the person may follow: those in whose team their role has the
    check-in permission (the back office's rule; a door scanner's role has not)."""
    return organizers_where_user_can(user=request.user, perm=Perm.CHECKIN)


def _staff_scope(request: HttpRequest, list_id: int) -> ListScope:
    """A list of one of those organisers; another organiser's list is not found."""
    try:
        return checkin_list_scope_for(list_id=list_id, organizers=_checkin_organizers(request))
    except NotFound as exc:
        raise Http404 from exc


@staff_page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = []
    for checkin_list in lists_of_organizers(organizers=_checkin_organizers(request)):
        scope = checkin_list_scope(list_id=checkin_list.pk, organizer_id=checkin_list.event.organizer_id)
        rows.append((checkin_list, checkin_counts(scope=scope)))
    return render(request, "checkin/dashboard.html", {**admin.site.each_context(request), "rows": rows,
                                                     "title": _("Live check-in")})


@staff_page
@never_cache
@require_GET
def dashboard_list(request: HttpRequest, list_id: int) -> HttpResponse:
    scope = _staff_scope(request, list_id)
    data = _live(scope)
    return render(request, "checkin/dashboard_list.html", {
        **admin.site.each_context(request), "scope": scope, "title": f"{scope.event_title} — {scope.name}",
        "counts": data.counts, "dates": data.dates, "recent": data.recent,
    })


@staff_page
@never_cache
@require_GET
def dashboard_live(request: HttpRequest, list_id: int) -> JsonResponse:
    """The dashboard's figures, polled by its page every few seconds."""
    scope = _staff_scope(request, list_id)
    data = _live(scope)
    return JsonResponse({
        "checked_in": data.counts.checked_in,
        "sold": data.counts.sold,
        "dates": [
            {"date_id": d.date_id, "checked_in": d.checked_in, "sold": d.sold} for d in data.dates
        ],
        "recent": [
            {"at": s.at.isoformat(), "name": s.name, "kind": s.kind, "result": s.result, "device": s.device_id,
             "conflict": s.conflict, "message": str(RESULT_MESSAGES.get(s.result, s.result))}
            for s in data.recent
        ],
    })


@dataclass(frozen=True)
class _Live:
    counts: Counts
    dates: list[DateCounts]
    recent: list[RecentScan]


def _live(scope: ListScope) -> _Live:
    return _Live(checkin_counts(scope=scope), checkin_counts_by_date(scope=scope), recent_scans(scope=scope, limit=20))


@staff_page
@require_GET
def dashboard_export(request: HttpRequest, list_id: int, fmt: str) -> HttpResponse:
    scope = _staff_scope(request, list_id)
    which = request.GET.get("scanned", "")
    scanned = {"1": True, "0": False}.get(which)
    stem = {True: _("scanned"), False: _("not-scanned"), None: _("tickets")}[scanned]
    name = f"{stem}-{scope.id}"
    if fmt == "csv":
        response = HttpResponse(tickets_csv(scope=scope, scanned=scanned), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            tickets_xlsx(scope=scope, scanned=scanned),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response

