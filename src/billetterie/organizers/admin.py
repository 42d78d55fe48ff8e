from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billetterie.core.admin import OrganizerScopedAdmin

from .models import Organizer


@admin.register(Organizer)
class OrganizerAdmin(OrganizerScopedAdmin):
    organizer_path = "pk"
    list_display = ["name", "slug", "contact_email", "hold_minutes"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["staff"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if request.user.is_superuser else ["slug", "staff"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser
