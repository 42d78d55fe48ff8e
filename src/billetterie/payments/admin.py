from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billetterie.core.admin import OrganizerScopedAdmin

from .models import Payment


@admin.register(Payment)
class PaymentAdmin(OrganizerScopedAdmin):
    organizer_path = "order__organizer"
    list_display = ["order", "provider", "state", "amount_cents", "created_at", "needs_attention"]
    list_filter = ["state", "provider"]
    search_fields = ["order__code", "psp_reference"]
    readonly_fields = ["order", "provider", "state", "amount_cents", "currency", "psp_reference", "failure_reason",
                       "created_at", "confirmed_at", "needs_attention"]
    exclude = ["reference"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
