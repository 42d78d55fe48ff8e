from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.http import HttpRequest

from billetterie.core.admin import OrganizerScopedAdmin

from .models import Organizer, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organizer)
class OrganizerAdmin(OrganizerScopedAdmin):
    organizer_path = "pk"
    list_display = ["name", "slug", "contact_email", "hold_minutes"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamMemberInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if request.user.is_superuser else ["slug"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[InlineModelAdmin[Any, Any]]]:
        # the team is the platform operators' to change here; organisers manage it in the back office
        return [TeamMemberInline] if request.user.is_superuser else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser
