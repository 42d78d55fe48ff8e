"""Messages: what buyers wrote to the organiser from the shop's contact form, those to handle
first; a message's page (with its order, when the buyer wrote from their order's page) and
« marquer comme traité ». Reading needs VIEW; marking handled, ORDERS (it is answering buyers).
The rules and the audit entry are in `messaging.services`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billetterie.core.errors import DomainError
from billetterie.messaging.selectors import contact_message_get, contact_messages_find, contact_messages_open_count
from billetterie.messaging.services import contact_message_mark_handled
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, forbidden, organizer_view
from .forms import InboxFilterForm

PER_PAGE = 50


@organizer_view(Perm.VIEW)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    form = InboxFilterForm(request.GET or None)
    found = contact_messages_find(organizer=organizer, **form.filters())
    total = found.count()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    shown = list(found[(page - 1) * PER_PAGE: page * PER_PAGE])
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    base = urlencode(query)
    return render(request, "backoffice/inbox/index.html", {
        "form": form, "rows": shown, "total": total, "open_count": contact_messages_open_count(organizer=organizer),
        "page": page, "pages": pages, "filtered": bool(query),
        "previous_url": f"?{base}&page={page - 1}" if page > 1 else "",
        "next_url": f"?{base}&page={page + 1}" if page < pages else "",
    })


@organizer_view(Perm.VIEW)
def detail(request: BackofficeRequest, message_id: int) -> HttpResponse:
    message = contact_message_get(organizer=request.bo.organizer, message_id=message_id)
    if message is None:
        raise Http404
    return render(request, "backoffice/inbox/detail.html", {
        "message": message, "can_handle": request.bo.can(Perm.ORDERS),
        "can_see_orders": request.bo.can(Perm.VIEW),
    })


@organizer_view(Perm.VIEW)
@require_POST
def mark_handled(request: BackofficeRequest, message_id: int) -> HttpResponseBase:
    organizer = request.bo.organizer
    if contact_message_get(organizer=organizer, message_id=message_id) is None:
        raise Http404
    if not request.bo.can(Perm.ORDERS):
        return forbidden(request, request.bo)
    handled = request.POST.get("handled", "1") != "0"
    try:
        contact_message_mark_handled(organizer=organizer, message_id=message_id, user_id=request.user.pk,
                                     handled=handled)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("backoffice:inbox:index", organizer.slug)
    messages.success(request, _("Message marked as handled.") if handled else _("Message marked as to handle."))
    return redirect("backoffice:inbox:detail", organizer.slug, message_id)
