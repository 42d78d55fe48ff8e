"""The back office's menu, from the person's permissions (a template context processor)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billetterie.organizers.permissions import Perm

# (url name, label, permission): a section shows only to roles that may open it
MENU = [
    ("backoffice:dashboard:index", _("Dashboard"), Perm.VIEW),
    ("backoffice:catalog:index", _("Catalogue"), Perm.VIEW),
    ("backoffice:orders:index", _("Orders"), Perm.VIEW),
    ("backoffice:members:index", _("Members"), Perm.VIEW),
    ("backoffice:inbox:index", _("Messages"), Perm.VIEW),
    ("backoffice:refunds:index", _("Cancel a date"), Perm.MONEY),
    ("backoffice:exports:index", _("Exports"), Perm.EXPORTS),
    ("backoffice:books:index", _("Books"), Perm.BOOKS),
    ("backoffice:boxoffice:index", _("Box office"), Perm.BOX_OFFICE),
    ("backoffice:checkin:index", _("Check-in"), Perm.CHECKIN),
    ("backoffice:checkin:scanner", _("Scanner"), Perm.SCAN),
    ("backoffice:settings:index", _("Settings"), Perm.SETTINGS),
    ("backoffice:team:index", _("Team"), Perm.TEAM),
]


def backoffice(request: HttpRequest) -> dict[str, Any]:
    bo = getattr(request, "bo", None)
    if bo is None:
        return {}
    current = request.resolver_match.view_name if request.resolver_match else ""
    menu = []
    for name, label, perm in MENU:
        if not bo.can(perm):
            continue
        url = reverse(name, args=[bo.organizer.slug])
        section = name.split(":")[1]
        menu.append({"url": url, "label": label, "active": current.split(":")[1:2] == [section]})
    return {"bo": bo, "bo_menu": menu}
