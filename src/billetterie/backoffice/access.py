"""Who may open a back-office page: the organiser comes from the address, the person's role in
its team from the database, the permission from `organizers.permissions`. Someone outside the
team gets a 404 (an organiser's existence is not revealed), a member whose role lacks the
permission a 403 page saying so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, cast

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from billetterie.organizers.models import Organizer, Role
from billetterie.organizers.permissions import Perm, role_perms
from billetterie.organizers.selectors import role_of, workplaces

from .auth import second_factor_missing

View = Callable[..., HttpResponseBase]


@dataclass
class Backoffice:
    """What every back-office page knows of where it is: `request.bo`."""

    organizer: Organizer
    role: str
    perms: frozenset[Perm]
    # every organiser the person works for and their role there, for the switcher
    workplaces: list[tuple[Organizer, str]] = field(default_factory=list)

    def can(self, perm: Perm | str) -> bool:
        return Perm(perm) in self.perms

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


class BackofficeRequest(HttpRequest):
    bo: Backoffice


def organizer_view(perm: Perm | None) -> Callable[[View], View]:
    """The view takes `request, organizer_slug, …`; it runs with `request.bo` set, only for a
    signed-in member of that organiser's team whose role has `perm` (None: any member)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, organizer_slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "backoffice:login")
            if second_factor_missing(request):  # signed in elsewhere without the code: sign in here
                logout(request)
                return redirect_to_login(request.get_full_path(), "backoffice:login")
            organizer = Organizer.objects.filter(slug=organizer_slug).first()
            role = role_of(user=request.user, organizer=organizer) if organizer else None
            if organizer is None or role is None:
                raise Http404
            bo = Backoffice(organizer, role, role_perms(role), workplaces(user=request.user))
            cast(BackofficeRequest, request).bo = bo
            if perm is not None and perm not in bo.perms:
                return forbidden(request, bo)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def forbidden(request: HttpRequest, bo: Backoffice) -> HttpResponse:
    return render(request, "backoffice/forbidden.html", {"bo": bo}, status=403)


def first_page_for(bo: Backoffice) -> str:
    """Where a member lands: the dashboard, or for a role that sees only one thing, that thing."""
    if bo.can(Perm.VIEW):
        return "backoffice:dashboard:index"
    if bo.can(Perm.BOX_OFFICE):
        return "backoffice:boxoffice:index"
    return "backoffice:checkin:scanner"
