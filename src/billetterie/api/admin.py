from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billetterie.core.admin import CheckedChangeListAdmin
from billetterie.organizers.selectors import organizers_for_user

from .models import ApiToken
from .services import api_token_forget, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(CheckedChangeListAdmin):
    """Tokens are created with `billetterie createtoken` (shown once); here they are listed and revoked."""

    list_display = ["name", "organizer", "prefix", "permissions", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("organizer", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = ["organizer", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = [
        "organizer", "name", "prefix", "can_read", "can_orders", "can_checkin",
        "created_at", "last_used_at", "revoked_at",
    ]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        qs = super().get_queryset(request).select_related("organizer")
        return qs.filter(organizer__in=organizers_for_user(user=request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        api_token_forget(token=obj)  # new rights apply to the next call, not after the cache expires

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        api_token_forget(token=obj)
        super().delete_model(request, obj)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token)
