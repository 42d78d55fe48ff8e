from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import ProductKind
from billetterie.core.admin import CheckedChangeList, OrganizerScopedAdmin, timeline_html
from billetterie.core.audit import audit_timeline
from billetterie.core.errors import DomainError
from billetterie.core.money import format_money
from billetterie.payments.balance import OrderBalance, OrderStatus, order_balance, order_balances
from billetterie.payments.models import REFUND_COUNTING_STATES, Payment, Refund
from billetterie.tickets.models import RevokedTicket
from billetterie.tickets.services import REVOKED_REFUNDED, ticket_reissue, ticket_reissue_check

from .models import Order, OrderLine, OrderState
from .services import order_cancel


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ("label", "attendee_name", "attendee_email", "answers", "amount_cents", "ticket")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("order").prefetch_related("revoked_tickets__revoked_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("ticket"))
    def ticket(self, obj: OrderLine) -> str:
        """The ticket's serial, for an issued ticket of a paid order the reissue button, and the
        ticket's earlier reissues (when, by whom, why)."""
        if obj.kind != ProductKind.TICKET:
            return "—"
        try:
            ticket_reissue_check(line=obj)
        except DomainError:
            button = ""
        else:
            url = reverse("admin:orders_order_reissue_ticket", args=[obj.order_id, obj.pk])
            button = format_html(' <a class="button reissue-ticket" href="{}">{}</a>', url, _("Reissue ticket"))
        history = format_html_join("", '<li class="reissued">{}</li>', (
            (_reissue_text(revoked),) for revoked in sorted(obj.revoked_tickets.all(), key=lambda r: r.revoked_at)
        ))
        return format_html("{}{}{}", obj.serial, button, format_html("<ul>{}</ul>", history) if history else "")


def _reissue_text(revoked: RevokedTicket) -> str:
    when = date_format(localtime(revoked.revoked_at), "SHORT_DATETIME_FORMAT")
    if revoked.reason == REVOKED_REFUNDED:
        return _("Cancelled on %(when)s: refunded") % {"when": when}
    by = revoked.revoked_by.get_username() if revoked.revoked_by else "—"
    return _("Reissued on %(when)s by %(by)s: %(reason)s") % {"when": when, "by": by, "reason": revoked.reason}


class TicketReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=40, help_text=_("For example: lost, stolen, sent to the wrong person.")
    )
    notify_buyer = forms.BooleanField(
        label=_("Email the new ticket to the buyer"), required=False, initial=True,
        help_text=_("In the buyer's language, with the new ticket attached as a PDF."),
    )
    # the nonce the page showed: a second submit, or a colleague's reissue meanwhile, is refused
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=16)

    def clean_nonce(self) -> bytes:
        try:
            return bytes.fromhex(self.cleaned_data["nonce"])
        except ValueError:
            raise forms.ValidationError(_("This page is out of date: open it again from the order.")) from None


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "provider", "state", "amount_cents", "testmode", "psp_reference", "created_at", "confirmed_at",
        "needs_attention",
    )


TEST_BADGE = '<span class="test-order">{}</span>'  # styled by orders/admin.css (no inline style: CSP)


def status_text(balance: OrderBalance) -> str:
    """The order's status as staff read it, with the amounts once something was refunded:
    « Partiellement remboursée : 5,00 € sur 30,00 € »."""
    if balance.status in (OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED) or balance.refunded_cents:
        return str(_("%(status)s: %(refunded)s refunded of %(received)s") % {
            "status": balance.status.label, "refunded": format_money(balance.refunded_cents),
            "received": format_money(balance.received_cents)})
    return str(balance.status.label)


class OrderChangeList(CheckedChangeList):
    """The list of orders, each with its balance (two queries for the page, not two per order)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        balances = order_balances(orders=self.result_list)
        for order in self.result_list:
            order.balance = balances[order.pk]


class RefundStatusFilter(admin.SimpleListFilter):
    """Orders given back all or part of their money."""

    title = _("refunds")
    parameter_name = "refunds"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(OrderStatus.PARTLY_REFUNDED.value, OrderStatus.PARTLY_REFUNDED.label),
                (OrderStatus.REFUNDED.value, OrderStatus.REFUNDED.label)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        if self.value() == OrderStatus.REFUNDED:
            return queryset.filter(state=OrderState.REFUNDED)
        if self.value() == OrderStatus.PARTLY_REFUNDED:
            refunds = Refund.objects.filter(payment__order=OuterRef("pk"), state__in=REFUND_COUNTING_STATES)
            return queryset.filter(Exists(refunds), state=OrderState.PAID)
        return queryset


class TestOrderFilter(admin.SimpleListFilter):
    """Test orders (paid with test money, decision 0010) apart from the real sales."""

    title = _("test orders")
    parameter_name = "test"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("0", _("Real sales only")), ("1", _("Test orders only"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        if self.value() in ("0", "1"):
            return queryset.filter(testmode=self.value() == "1")
        return queryset

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(OrganizerScopedAdmin):
    list_display = ["code", "name", "email", "status", "total", "test_badge", "created_at"]
    list_filter = ["state", RefundStatusFilter, TestOrderFilter, ("organizer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "email", "name", "lines__attendee_name"]
    readonly_fields = ["code", "organizer", "status", "state", "test_badge", "email", "name", "phone", "locale",
                       "total_cents", "created_at", "expires_at", "paid_at", "cancelled_at", "refunded_at", "timeline"]
    inlines = [OrderLineInline, PaymentInline]
    actions = ["cancel_orders"]

    class Media:
        css = {"all": ["orders/admin.css"]}

    @admin.display(description=_("total"))
    def total(self, obj: Order) -> str:
        return format_money(obj.total_cents, obj.currency)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[CheckedChangeList]:
        return OrderChangeList

    @admin.display(description=_("status"))
    def status(self, obj: Order) -> str:
        """What the order's money says: paid, partly refunded, refunded… (the order balance)."""
        balance = getattr(obj, "balance", None) or order_balance(order=obj)
        return status_text(balance)

    @admin.display(description=_("history"))
    def timeline(self, obj: Order) -> str:
        """Every change of the order, its payments, refunds and tickets: when, who, what."""
        return timeline_html(audit_timeline(order_id=obj.pk))

    @admin.display(description=_("test order"), ordering="testmode")
    def test_badge(self, obj: Order) -> str:
        return format_html(TEST_BADGE, _("TEST")) if obj.testmode else ""

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        is_test = object_id.isdigit() and self.get_queryset(request).filter(pk=object_id, testmode=True).exists()
        if is_test and request.method == "GET":
            self.message_user(request, _(
                "Test order: it was paid in a test mode (the built-in sandbox or a payment service's test "
                "credentials): no real money was received. It is left out of the check-in lists' counts and exports, "
                "and its tickets are refused at the door unless the check-in list accepts test tickets."
            ), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [path("<int:order_id>/tickets/<int:line_id>/reissue/", self.admin_site.admin_view(self.reissue_view),
                     name="orders_order_reissue_ticket"), *super().get_urls()]

    def reissue_view(self, request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
        """Confirm, then reissue one ticket of a paid order: the old PDF, QR and wallet pass stop admitting."""
        order = self.get_queryset(request).filter(pk=order_id).first()
        if order is None:  # another organiser's order, or none
            raise Http404
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        line = order.lines.filter(pk=line_id, kind=ProductKind.TICKET).select_related("date").first()
        if line is None:
            raise Http404
        line.order = order
        order_page = HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        try:
            ticket_reissue_check(line=line)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return order_page
        form = TicketReissueForm(request.POST or None, initial={"nonce": bytes(line.ticket_nonce or b"").hex()})
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                notify = form.cleaned_data["notify_buyer"]
                try:
                    ticket_reissue(line=line, reason=form.cleaned_data["reason"],
                                   expected_nonce=form.cleaned_data["nonce"], notify_buyer=notify,
                                   by=request.user if request.user.is_authenticated else None)
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return order_page
                done = (_("Ticket %(serial)s reissued: its old PDF, QR code and wallet pass are refused at the door. "
                          "The buyer will receive the new ticket by email.") if notify else
                        _("Ticket %(serial)s reissued: its old PDF, QR code and wallet pass are refused at the door. "
                          "No email was sent: the new ticket is on the buyer's order page."))
                self.message_user(request, done % {"serial": line.serial}, messages.SUCCESS)
                return order_page
        context = {**self.admin_site.each_context(request), "form": form, "order": order, "line": line,
                   "title": _("Reissue ticket %(serial)s") % {"serial": line.serial}, "opts": self.model._meta}
        return TemplateResponse(request, "admin/orders/order/reissue_ticket.html", context, status=status)

    @admin.action(description=_("Cancel the selected unpaid orders (releases their places)"), permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: Any) -> None:
        for order in queryset:
            try:
                order_cancel(order_id=order.pk)
            except DomainError as exc:
                self.message_user(request, f"{order.code}: {exc.message}", messages.ERROR)
