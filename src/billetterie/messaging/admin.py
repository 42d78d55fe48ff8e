from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from billetterie.core.admin import OrganizerScopedAdmin

from .models import ContactMessage


@admin.register(ContactMessage)
class ContactMessageAdmin(OrganizerScopedAdmin):
    """Read only for the platform's operators: organisers read and handle their messages in the
    back office (Messages)."""

    list_display = ("created_at", "organizer", "name", "email", "subject", "order", "handled_at")
    list_filter = ("organizer",)
    search_fields = ("name", "email", "subject", "order__code")
    date_hierarchy = "created_at"
    list_select_related = ("organizer", "order")
    fields = ("organizer", "order", "name", "email", "subject", "body", "locale", "client_hash", "created_at",
              "handled_at", "handled_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ContactMessage | None = None) -> bool:
        return False
