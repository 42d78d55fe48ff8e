from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billetterie.core.admin import OrganizerScopedAdmin
from billetterie.core.errors import DomainError
from billetterie.core.money import format_money
from billetterie.payments.models import Payment

from .models import Order, OrderLine
from .services import order_cancel


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ("label", "attendee_name", "attendee_email", "answers", "amount_cents")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "provider", "state", "amount_cents", "psp_reference", "created_at", "confirmed_at", "needs_attention",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(OrganizerScopedAdmin):
    list_display = ["code", "name", "email", "state", "total", "created_at"]
    list_filter = ["state", ("organizer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "email", "name", "lines__attendee_name"]
    readonly_fields = ["code", "organizer", "state", "email", "name", "phone", "locale", "total_cents",
                       "created_at", "expires_at", "paid_at", "cancelled_at"]
    inlines = [OrderLineInline, PaymentInline]
    actions = ["cancel_orders"]

    @admin.display(description=_("total"))
    def total(self, obj: Order) -> str:
        return format_money(obj.total_cents, obj.currency)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Cancel the selected unpaid orders (releases their places)"))
    def cancel_orders(self, request: HttpRequest, queryset: Any) -> None:
        for order in queryset:
            try:
                order_cancel(order_id=order.pk)
            except DomainError as exc:
                self.message_user(request, f"{order.code}: {exc.message}", messages.ERROR)
