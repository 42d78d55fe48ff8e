"""Check-in from the back office: the lists (who enters through which door), their live
dashboard, the scanner links handed to door staff with their QR code, and the door staff's own
page, which opens the scanner and nothing else."""

from __future__ import annotations

from typing import Any, cast

import segno
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from billetterie.api.selectors import scanner_token_live, scanner_tokens_of
from billetterie.api.services import api_token_revoke, scanner_token_create, scanner_url
from billetterie.catalog.models import Event
from billetterie.checkin.messages import RESULT_MESSAGES
from billetterie.checkin.models import CheckinList
from billetterie.checkin.selectors import (
    checkin_counts,
    checkin_counts_by_date,
    checkin_list_scope,
    recent_scans,
)
from billetterie.checkin.services import checkin_list_create, checkin_list_delete, checkin_list_update
from billetterie.core.errors import DomainError
from billetterie.organizers.permissions import Perm
from billetterie.tickets.membership_card import card_check

from ..access import BackofficeRequest, organizer_view
from .forms import CardCheckForm, CheckinListForm

# the scanner token each signed-in person's session opened the scanner with, per organiser: the
# same browser opens the scanner again with it (the token is stored only as a hash; a session
# already gives the power to make one)
SESSION_KEY = "backoffice.scanner_tokens"


def _lists(request: BackofficeRequest) -> list[CheckinList]:
    return list(
        CheckinList.objects.filter(event__organizer=request.bo.organizer)
        .select_related("event").order_by("event__title", "name", "id")
    )


def _list_of(request: BackofficeRequest, list_id: int) -> CheckinList:
    """A list of this organiser; another organiser's is not found."""
    found = (CheckinList.objects.filter(pk=list_id, event__organizer=request.bo.organizer)
             .select_related("event").first())
    if found is None:
        raise Http404
    return found


def _event_of(request: BackofficeRequest, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id, organizer=request.bo.organizer).first()
    if event is None:
        raise Http404
    return event


def _qr_svg(url: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))  # noqa: S308 - segno's own SVG


@organizer_view(Perm.CHECKIN)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    rows = []
    for checkin_list in _lists(request):
        scope = checkin_list_scope(list_id=checkin_list.pk, organizer_id=organizer.pk)
        rows.append((checkin_list, checkin_counts(scope=scope)))
    events = list(Event.objects.filter(organizer=organizer).order_by("title", "id"))
    return render(request, "backoffice/checkin/index.html", {
        "rows": rows, "events": events, "tokens": scanner_tokens_of(organizer_id=organizer.pk),
    })


@organizer_view(Perm.CHECKIN)
def create(request: BackofficeRequest, event_id: int) -> HttpResponseBase:
    event = _event_of(request, event_id)
    form = CheckinListForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            checkin_list = checkin_list_create(event=event, **form.scope())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The list “%(name)s” was created.") % {"name": checkin_list.name})
            return redirect("backoffice:checkin:index", request.bo.organizer.slug)
    status = 400 if form.errors else 200
    return render(request, "backoffice/checkin/list_form.html", {"form": form, "event": event}, status=status)


@organizer_view(Perm.CHECKIN)
def edit(request: BackofficeRequest, list_id: int) -> HttpResponseBase:
    checkin_list = _list_of(request, list_id)
    form = CheckinListForm(request.POST or None, event=checkin_list.event, instance=checkin_list)
    if request.method == "POST" and form.is_valid():
        try:
            checkin_list_update(checkin_list=checkin_list, **form.scope())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The list “%(name)s” was saved.") % {"name": form.cleaned_data["name"]})
            return redirect("backoffice:checkin:index", request.bo.organizer.slug)
    status = 400 if form.errors else 200
    return render(request, "backoffice/checkin/list_form.html", {
        "form": form, "event": checkin_list.event, "checkin_list": checkin_list,
    }, status=status)


@require_POST
@organizer_view(Perm.CHECKIN)
def delete(request: BackofficeRequest, list_id: int) -> HttpResponseBase:
    checkin_list = _list_of(request, list_id)
    try:
        checkin_list_delete(checkin_list=checkin_list)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("backoffice:checkin:edit", request.bo.organizer.slug, checkin_list.pk)
    messages.success(request, _("The list “%(name)s” was deleted.") % {"name": checkin_list.name})
    return redirect("backoffice:checkin:index", request.bo.organizer.slug)


@never_cache
@organizer_view(Perm.CHECKIN)
def live(request: BackofficeRequest, list_id: int) -> HttpResponse:
    """The live dashboard of one list; its page refreshes from the check-in app's live.json,
    which applies the same role rule."""
    checkin_list = _list_of(request, list_id)
    scope = checkin_list_scope(list_id=checkin_list.pk, organizer_id=request.bo.organizer.pk)
    counts = checkin_counts(scope=scope)
    recent = recent_scans(scope=scope, limit=20)
    return render(request, "backoffice/checkin/live.html", {
        "checkin_list": checkin_list, "scope": scope, "counts": counts,
        "percent": round(100 * counts.checked_in / counts.sold) if counts.sold else 0,
        "dates": checkin_counts_by_date(scope=scope),
        "recent": [(s, RESULT_MESSAGES.get(s.result, s.result)) for s in recent],
    })


@never_cache
@require_POST
@organizer_view(Perm.CHECKIN)
def link_create(request: BackofficeRequest, list_id: int) -> HttpResponse:
    """A new scanner link for the list, shown once with its QR code, to open on a door phone."""
    checkin_list = _list_of(request, list_id)
    label = request.POST.get("label", "").strip()
    name = _("Scanner — %(list)s") % {"list": checkin_list.name}
    if label:
        name = f"{name} — {label}"
    # the link is the person's: it stops when they leave the team or their role may no longer scan
    _row, token = scanner_token_create(organizer=request.bo.organizer, name=name[:100],
                                       created_by=cast(User, request.user))
    url = scanner_url(base_url=request.build_absolute_uri("/"), list_id=checkin_list.pk, token=token)
    response = render(request, "backoffice/checkin/link.html", {
        "checkin_list": checkin_list, "url": url, "qr": _qr_svg(url), "name": name[:100],
    })
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@organizer_view(Perm.CHECKIN)
def link_revoke(request: BackofficeRequest, token_id: int) -> HttpResponseBase:
    token = next((t for t in scanner_tokens_of(organizer_id=request.bo.organizer.pk) if t.pk == token_id), None)
    if token is None:
        raise Http404
    api_token_revoke(token=token)
    messages.success(request, _("The scanner link “%(name)s” was revoked: it no longer checks tickets in.")
                     % {"name": token.name})
    return redirect("backoffice:checkin:index", request.bo.organizer.slug)


@organizer_view(Perm.SCAN)
def scanner(request: BackofficeRequest) -> HttpResponse:
    """Door staff choose their entrance and open the scanner."""
    return render(request, "backoffice/checkin/scanner.html", {"lists": _lists(request)})


@never_cache
@require_POST
@organizer_view(Perm.SCAN)
def scanner_open(request: BackofficeRequest, list_id: int) -> HttpResponseBase:
    """Open the scanner page for the list with this person's scanner token: the one this browser's
    session opened it with before, while it is live, else a new one named after the person."""
    checkin_list = _list_of(request, list_id)
    organizer = request.bo.organizer
    kept: dict[str, Any] = dict(request.session.get(SESSION_KEY) or {})
    mine = kept.get(str(organizer.pk))
    if not (isinstance(mine, dict) and scanner_token_live(
        organizer_id=organizer.pk, token_id=int(mine.get("id", 0)), token=str(mine.get("token", ""))
    )):
        user = cast(User, request.user)  # signed in: organizer_view saw to it
        full_name = user.get_full_name()
        who = f"{full_name} ({user.get_username()})" if full_name else user.get_username()
        row, token = scanner_token_create(organizer=organizer, name=(_("Scanner — %(person)s") % {"person": who})[:100],
                                          created_by=user)
        mine = {"id": row.pk, "token": token}
        kept[str(organizer.pk)] = mine
        request.session[SESSION_KEY] = kept
    url = scanner_url(base_url="", list_id=checkin_list.pk, token=str(mine["token"]))
    response = redirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@organizer_view(Perm.SCAN)
def membership_card_check(request: BackofficeRequest) -> HttpResponse:
    """« Vérifier une carte d'adhérent »: the QR text of a membership card (typed by a barcode
    reader into the field, or pasted) against the register: valid, expired, cancelled, not
    started yet, or unknown (not a card of this organiser, or altered). Nothing is written."""
    form = CardCheckForm(request.POST or None)
    check = None
    if request.method == "POST" and form.is_valid():
        check = card_check(organizer=request.bo.organizer, text=form.cleaned_data["text"])
        form = CardCheckForm()  # an empty field for the next card
    status = 400 if form.errors else 200
    return render(request, "backoffice/checkin/card_check.html", {
        "form": form, "check": check, "can_view": request.bo.can(Perm.VIEW),
    }, status=status)
