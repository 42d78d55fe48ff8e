from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billetterie.core.admin import OrganizerScopedAdmin

from .models import OutboxMessage
from .services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OrganizerScopedAdmin):
    """Read only: messages are written by the services; staff can only ask for a retry."""

    organizer_path = "order__organizer"

    list_display = ("kind", "to", "state", "attempts", "created_at", "next_attempt_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("to", "dedup_key", "order__code")
    date_hierarchy = "created_at"
    list_select_related = ("order",)
    fields = (
        "kind", "order", "line", "dedup_key", "to", "state", "attempts", "next_attempt_at", "last_error",
        "created_at", "sent_at",
    )
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_retry(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d email queued again.", "%(n)d emails queued again.", count) % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """The messages themselves are never edited: sending one again takes the change permission."""
        return request.user.has_perm("notifications.change_outboxmessage")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False
