"""Orders in the back office: the list (search, filters, totals of what is shown), an order's page
(lines and attendees, payments and refunds, emails, history, balance) and the actions on it.
Each action is a POST through one domain service; a refusal is shown next to the form and
nothing changes (4xx, never a 500)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billetterie.catalog.models import ProductKind
from billetterie.core.audit import audit_timeline
from billetterie.core.errors import Conflict, DomainError
from billetterie.core.money import format_money
from billetterie.invoicing.billing import billing_details_of, billing_details_set
from billetterie.invoicing.selectors import order_documents
from billetterie.invoicing.services import invoicing_on
from billetterie.notifications.models import OutboxMessage
from billetterie.notifications.services import email_order_confirmed_resend, email_tickets_resend
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.services import ATTENDEE_CHANGE_STATES, order_cancel
from billetterie.organizers.permissions import Perm
from billetterie.payments.balance import OrderBalance, OrderStatus, order_balance, order_balances
from billetterie.payments.models import REFUND_COUNTING_STATES, Channel, Payment, Refund
from billetterie.payments.order_search import orders_search, orders_totals
from billetterie.payments.order_services import invoice_mark_paid, order_cancel_with_refund, order_refund
from billetterie.payments.services import payment_record_external
from billetterie.tickets.services import ticket_attendee_change

from ..access import BackofficeRequest, forbidden, organizer_view
from ..refunds.views import paid_back
from . import forms
from .timeline import timeline_rows

PER_PAGE = 50
PAYABLE = (OrderState.PENDING, OrderState.EXPIRED, OrderState.AWAITING_INVOICE)


def status_text(balance: OrderBalance) -> str:
    """« Remboursée : 15,00 € remboursés sur 15,00 € » once something was refunded, else the status."""
    if balance.status in (OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED) or balance.refunded_cents:
        return str(_("%(status)s: %(refunded)s refunded of %(received)s") % {
            "status": balance.status.label, "refunded": format_money(balance.refunded_cents),
            "received": format_money(balance.received_cents)})
    return str(balance.status.label)


STATUS_BADGE = {
    OrderStatus.PAID: "ok", OrderStatus.UNPAID: "warn", OrderStatus.PART_PAID: "warn",
    OrderStatus.AWAITING_INVOICE: "warn", OrderStatus.PAID_UNFULFILLED: "bad", OrderStatus.PARTLY_REFUNDED: "warn",
    OrderStatus.REFUNDED: "bad", OrderStatus.CANCELLED: "", OrderStatus.EXPIRED: "",
}


# --- the list ------------------------------------------------------------------------------------


@organizer_view(Perm.VIEW)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    form = forms.OrderFilterForm(request.GET or None, organizer=organizer)
    orders = orders_search(organizer=organizer, filters=form.filters())
    totals = orders_totals(orders=orders, organizer_id=organizer.pk)
    pages = max((totals.count + PER_PAGE - 1) // PER_PAGE, 1)
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    shown = list(orders[(page - 1) * PER_PAGE: page * PER_PAGE])
    balances = order_balances(orders=shown)
    rows = [{"order": order, "balance": balances[order.pk], "status": status_text(balances[order.pk]),
             "badge": STATUS_BADGE.get(balances[order.pk].status, ""),
             "channel": Channel(order.channel).label if order.channel in Channel.values else order.channel}
            for order in shown]
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    base = urlencode(query)
    context = {
        "form": form, "rows": rows, "totals": totals, "page": page, "pages": pages,
        "previous_url": f"?{urlencode({**query, 'page': page - 1})}" if page > 1 else "",
        "next_url": f"?{urlencode({**query, 'page': page + 1})}" if page < pages else "",
        "filtered": bool(base),
    }
    return render(request, "backoffice/orders/index.html", context, status=400 if form.errors else 200)


# --- an order's page -----------------------------------------------------------------------------


def _order(request: BackofficeRequest, code: str) -> Order:
    """The order of this organiser with this code; 404 for any other (another organiser's too)."""
    order = Order.objects.filter(organizer=request.bo.organizer, code=code.upper()[:12]).first()
    if order is None:
        raise Http404
    return order


def _refundable_lines(order: Order) -> Any:
    taken = Refund.objects.filter(line=OuterRef("pk"), state__in=REFUND_COUNTING_STATES)
    lines = order.lines.exclude(Exists(taken)).select_related("order").order_by("id")
    return lines if order.state == OrderState.PAID else lines.none()


def _page(request: BackofficeRequest, order: Order, *, status: int = 200, **forms_given: Any) -> HttpResponse:
    """The order's page, with the action forms (fresh ones, or those given with their errors)."""
    balance = order_balance(order=order)
    lines = list(order.lines.select_related("product__event", "date", "price", "ticket_number")
                 .prefetch_related("revoked_tickets", Prefetch("refunds", queryset=Refund.objects.filter(
                     state__in=REFUND_COUNTING_STATES))).order_by("id"))
    payments = list(Payment.objects.filter(order=order).prefetch_related(
        Prefetch("refunds", queryset=Refund.objects.select_related("line").order_by("id"))).order_by("id"))
    for payment in payments:
        payment.method_name = forms.method_name(payment.provider)  # type: ignore[attr-defined]
    emails = list(OutboxMessage.objects.filter(order=order).select_related("line").order_by("created_at", "id"))
    bo = request.bo
    can_orders, can_money = bo.can(Perm.ORDERS), bo.can(Perm.MONEY)
    refunded = balance.refunded_cents
    has_tickets = order.state == OrderState.PAID and any(line.ticket_nonce for line in lines)
    documents = order_documents(order_id=order.pk)
    billing = billing_details_of(order_id=order.pk)
    context: dict[str, Any] = {
        "order": order, "balance": balance, "status": status_text(balance),
        "badge": STATUS_BADGE.get(balance.status, ""), "lines": lines, "payments": payments, "emails": emails,
        "timeline": timeline_rows(audit_timeline(order_id=order.pk)),
        "channel": Channel(order.channel).label if order.channel in Channel.values else order.channel,
        "can_orders": can_orders, "can_money": can_money,
        "can_people": can_orders and order.state in ATTENDEE_CHANGE_STATES,
        "can_resend": can_orders and order.state == OrderState.PAID,
        "has_tickets": has_tickets,
        "can_record": can_money and order.state in PAYABLE and balance.due_cents > 0,
        "can_invoice": can_money and order.state == OrderState.AWAITING_INVOICE,
        "can_refund": can_money and balance.kept_cents > 0,
        "can_cancel": order.state not in (OrderState.CANCELLED, OrderState.EXPIRED) and (
            can_money if _cancel_needs_money(order, balance) else can_orders),
        "cancel_refunds": balance.kept_cents > 0 or order.state == OrderState.PAID,
        "personal": {line.pk for line in lines if line.product.needs_person or line.attendee_name},
        "confirm_form": forms.TokenForm(initial={"token": forms.new_token()}),
        "tickets_form": forms.TicketsForm(initial={"token": forms.new_token()}),
        "record_form": forms.RecordPaymentForm(initial={"token": forms.new_token(), "amount": balance.due_cents,
                                                        "method": "cash"}),
        "invoice_form": forms.InvoicePaidForm(initial={"token": forms.new_token()}),
        "refund_form": forms.RefundForm(initial={"refunded": refunded, "amount": balance.kept_cents},
                                        lines=_refundable_lines(order)),
        "cancel_form": forms.CancelForm(initial={"refunded": refunded}),
        "ticket_kind": ProductKind.TICKET,
        # the order's invoice and credit notes (issue 13), and its contract while paid in parts
        "documents": documents,
        "part_paid": 0 < balance.kept_cents < order.total_cents,
        # the organisation its invoice is made out to: corrected until the invoice is issued
        "billing": billing,
        "can_billing": can_orders and documents.invoice is None and (
            billing is not None or invoicing_on(organizer_id=order.organizer_id)),
        "billing_form": forms.BillingForm(initial=forms.billing_initial(billing)),
    }
    context.update(forms_given)
    return render(request, "backoffice/orders/detail.html", context, status=status)


def _cancel_needs_money(order: Order, balance: OrderBalance) -> bool:
    """Cancelling gives money back (it keeps some, or it is paid), or ends a refunded order whose
    places staff kept: the treasury's. An unpaid order is cancelled by the ticketing team too."""
    return balance.kept_cents > 0 or order.state in (OrderState.PAID, OrderState.REFUNDED)


@organizer_view(Perm.VIEW)
def detail(request: BackofficeRequest, code: str) -> HttpResponse:
    return _page(request, _order(request, code))


def _to_order(order: Order) -> HttpResponseBase:
    return redirect(reverse("backoffice:orders:detail", args=[order.organizer.slug, order.code]))


def _refused(request: BackofficeRequest, order: Order, exc: DomainError, form_name: str, form: Any,
             field: str | None = None) -> HttpResponse:
    """The page again, the refusal at the top and next to the field it is about (409 for a stale
    page, else 400): the form itself may be gone from the page (a cancelled order takes no payment)."""
    messages.error(request, exc.message)
    if field in form.fields:
        form.add_error(field, exc.message)
    order.refresh_from_db()
    return _page(request, order, status=409 if isinstance(exc, Conflict) else 400, **{form_name: form})


def _needs(request: BackofficeRequest, perm: Perm) -> HttpResponse | None:
    return None if request.bo.can(perm) else forbidden(request, request.bo)


@require_POST
@organizer_view(Perm.VIEW)
def resend_confirmation(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.ORDERS)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, confirm_form=form)
    try:
        email_order_confirmed_resend(order_id=order.pk, key=form.cleaned_data["token"])
    except DomainError as exc:
        return _refused(request, order, exc, "confirm_form", form)
    messages.success(request, _("The confirmation will be sent again to %(email)s.") % {"email": order.email})
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def resend_tickets(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.ORDERS)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.TicketsForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, tickets_form=form)
    try:
        sent = email_tickets_resend(order_id=order.pk, key=form.cleaned_data["token"],
                                    to_attendees=form.cleaned_data["to_attendees"])
    except DomainError as exc:
        return _refused(request, order, exc, "tickets_form", form)
    addresses = ", ".join(sorted({message.to for message in sent}))
    messages.success(request, _("The tickets will be sent again to %(emails)s.") % {"emails": addresses})
    return _to_order(order)


@require_http_methods(["GET", "POST"])
@organizer_view(Perm.VIEW)
def change_attendee(request: BackofficeRequest, code: str, line_id: int) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.ORDERS)) is not None:
        return refusal
    order = _order(request, code)
    line = OrderLine.objects.filter(order=order, pk=line_id).select_related("product", "date").first()
    if line is None:
        raise Http404
    initial = {"name": line.attendee_name, "email": line.attendee_email, "expected_name": line.attendee_name,
               "expected_email": line.attendee_email, "notify_buyer": True}
    form = forms.AttendeeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket_attendee_change(line_id=line.pk, name=data["name"], email=data["email"],
                                       expected_name=data["expected_name"], expected_email=data["expected_email"],
                                       notify_buyer=data["notify_buyer"], by=request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                field = "email" if exc.code == "email_invalid" else "name" if exc.code == "name_required" else None
                form.add_error(field, exc.message)
                status = 409 if isinstance(exc, Conflict) else 400
            else:
                line.refresh_from_db()
                text = (_("%(name)s's ticket was reissued: the old one is refused at the door.")
                        if line.ticket_nonce and order.state == OrderState.PAID else _("The person was changed."))
                messages.success(request, text % {"name": line.attendee_name})
                return _to_order(order)
    return render(request, "backoffice/orders/attendee.html", {"order": order, "line": line, "form": form},
                  status=status)


@require_POST
@organizer_view(Perm.VIEW)
def record_payment(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.MONEY)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.RecordPaymentForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, record_form=form)
    data = form.cleaned_data
    try:
        payment = payment_record_external(order_id=order.pk, method=data["method"], amount_cents=data["amount"],
                                          reference=data["reference"], idempotency_key=f"bo:{data['token']}")
    except DomainError as exc:
        return _refused(request, order, exc, "record_form", form, "amount")
    messages.success(request, _("Payment of %(amount)s recorded (%(method)s).") % {
        "amount": format_money(payment.amount_cents, payment.currency), "method": forms.method_name(payment.provider)})
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def invoice_paid(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.MONEY)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.InvoicePaidForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, invoice_form=form)
    data = form.cleaned_data
    try:
        payment = invoice_mark_paid(order_id=order.pk, method=data["method"], reference=data["reference"],
                                    idempotency_key=f"bo:{data['token']}")
    except DomainError as exc:
        return _refused(request, order, exc, "invoice_form", form)
    messages.success(request, _("Invoice marked paid: %(amount)s received.") % {
        "amount": format_money(payment.amount_cents, payment.currency)})
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def billing(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    """Correct the organisation the invoice will be made out to: refused once it is issued."""
    if (refusal := _needs(request, Perm.ORDERS)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.BillingForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, billing_form=form)
    details = getattr(form, "billing", None)  # None: the box unticked, the details removed
    try:
        billing_details_set(order_id=order.pk, billing=details)
    except DomainError as exc:
        return _refused(request, order, exc, "billing_form", form)
    if details is not None:
        messages.success(request, _("The billing details were saved: the invoice will be made out to them."))
    else:
        messages.success(request, _("The billing details were removed: the invoice will be made out to the buyer."))
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def refund(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    if (refusal := _needs(request, Perm.MONEY)) is not None:
        return refusal
    order = _order(request, code)
    form = forms.RefundForm(request.POST, lines=_refundable_lines(order))
    if not form.is_valid():
        return _page(request, order, status=400, refund_form=form)
    data = form.cleaned_data
    line = data["line"]
    try:
        refunds = order_refund(order_id=order.pk, amount_cents=data["amount"], line_id=line.pk if line else None,
                               reason=data["reason"], release_places=data["release_places"],
                               expected_refunded_cents=data["refunded"])
    except DomainError as exc:
        if isinstance(exc, Conflict):  # a stale page: the figures as they are now, nothing typed kept
            messages.error(request, exc.message)
            order.refresh_from_db()
            return _page(request, order, status=409)
        return _refused(request, order, exc, "refund_form", form, "line" if exc.code.startswith("line_") else "amount")
    total = sum(r.amount_cents for r in refunds)
    order.refresh_from_db()
    messages.success(request, _("Refund of %(amount)s: %(states)s. Order %(code)s: %(status)s.") % {
        "amount": format_money(total, order.currency), "code": order.code,
        "states": ", ".join(sorted({str(r.get_state_display()) for r in refunds})),
        "status": order_balance(order=order).status.label})
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def cancel(request: BackofficeRequest, code: str) -> HttpResponse | HttpResponseBase:
    order = _order(request, code)
    balance = order_balance(order=order)
    with_refund = _cancel_needs_money(order, balance)
    if (refusal := _needs(request, Perm.MONEY if with_refund else Perm.ORDERS)) is not None:
        return refusal
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, order, status=400, cancel_form=form)
    data = form.cleaned_data
    try:
        if with_refund:
            order = order_cancel_with_refund(order_id=order.pk, reason=data["reason"],
                                             expected_refunded_cents=data["refunded"])
        else:
            if data["refunded"] != balance.refunded_cents:
                raise Conflict(_("A refund was made meanwhile: nothing was changed. Check the order before trying "
                                 "again."), code="refunded_meanwhile")
            order = order_cancel(order_id=order.pk)
    except DomainError as exc:
        if isinstance(exc, Conflict):
            messages.error(request, exc.message)
            order.refresh_from_db()
            return _page(request, order, status=409)
        return _refused(request, order, exc, "cancel_form", form)
    messages.success(request, _("Order %(code)s cancelled.") % {"code": order.code})
    return _to_order(order)


@require_POST
@organizer_view(Perm.VIEW)
def refund_done(request: BackofficeRequest, code: str, refund_id: int) -> HttpResponse | HttpResponseBase:
    """Staff paid a buyer back by hand (cash, cheque, transfer, or in the payment service's own
    back office): the refund is closed and the buyer gets the refund email. A second click says so
    and changes nothing."""
    if (refusal := _needs(request, Perm.MONEY)) is not None:
        return refusal
    order = _order(request, code)
    refund = Refund.objects.filter(pk=refund_id, payment__order=order).first()
    if refund is None:
        raise Http404
    paid_back(request, refund)
    return _to_order(order)
