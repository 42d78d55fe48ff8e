"""Who acts in a request, for the audit trail (core/audit.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from billetterie.core import audit

from .selectors import organizers_for_user


class AuditActorMiddleware:
    """A request acts as the signed-in team member for the organisers whose team they are in, and as
    a buyer everywhere else (their own purchase in another organiser's shop); the API's token
    check and the payment notice view say better when they know (`audit.bind`). The user is
    looked up only when an entry is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def actor(organizer_id: int | None) -> audit.Actor:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return audit.BUYER
            if organizer_id is not None and not organizers_for_user(user=user).filter(pk=organizer_id).exists():
                return audit.BUYER
            return audit.staff(user)

        with audit.acting_as(actor):
            return self.get_response(request)
