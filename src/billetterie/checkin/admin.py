from __future__ import annotations

import segno
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from billetterie.api.services import scanner_link_create
from billetterie.core.admin import SCOPED_FK_PATHS, OrganizerScopedAdmin

from .models import CheckinList, Scan

SCOPED_FK_PATHS.setdefault("products", "event__organizer__in")
SCOPED_FK_PATHS.setdefault("dates", "event__organizer__in")


@admin.register(CheckinList)
class CheckinListAdmin(OrganizerScopedAdmin):
    organizer_path = "event__organizer"
    list_display = ["name", "event", "all_products", "accept_test_tickets", "dashboard_link"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event"]
    filter_horizontal = ["products", "dates"]
    search_fields = ["name", "event__title"]
    actions = ["scanner_link"]

    @admin.action(description=_("Create a scanner link (phone or laptop)"), permissions=["change"])
    def scanner_link(self, request: HttpRequest, queryset: QuerySet[CheckinList]) -> HttpResponse:
        """A new check-in token per list, shown once as a link and its QR code to open on a phone."""
        links = []
        for checkin_list in queryset.select_related("event__organizer"):
            url = scanner_link_create(checkin_list=checkin_list, base_url=request.build_absolute_uri("/"))
            qr = segno.make(url, error="m").svg_inline(scale=4, border=2)
            links.append((checkin_list, url, mark_safe(qr)))  # noqa: S308 - segno's own SVG
        return render(request, "checkin/scanner_links.html", {
            **self.admin_site.each_context(request), "links": links, "title": _("Scanner links"),
        })

    @admin.display(description=_("live check-in"))
    def dashboard_link(self, obj: CheckinList) -> str:
        return format_html('<a href="{}">{}</a>', reverse("checkin:dashboard_list", args=[obj.pk]), _("Open"))


@admin.register(Scan)
class ScanAdmin(OrganizerScopedAdmin):
    """The scan log, read only: scans are made by the scanners and the API."""

    organizer_path = "checkin_list__event__organizer"
    list_display = ["scanned_at", "checkin_list", "line", "kind", "result", "device_id", "offline", "conflict"]
    list_filter = ["result", "kind", "offline", "conflict", ("checkin_list", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["checkin_list__event", "line"]
    search_fields = ["line__attendee_name", "line__order__code", "device_id"]
    date_hierarchy = "scanned_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Scan | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Scan | None = None) -> bool:
        return False
