from __future__ import annotations

import base64

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import EventKey


@admin.register(EventKey)
class EventKeyAdmin(admin.ModelAdmin):
    """Read only: keys are made by the ticketing code; the private half is never shown."""

    list_display = ("event", "public_key_b64", "created_at")
    list_select_related = ("event",)
    search_fields = ("event__title",)
    fields = ("event", "public_key_b64", "created_at")
    readonly_fields = fields

    @admin.display(description=_("public key (base64)"))
    def public_key_b64(self, obj: EventKey) -> str:
        return base64.b64encode(bytes(obj.public_key)).decode()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EventKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EventKey | None = None) -> bool:
        return False
