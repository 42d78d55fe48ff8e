from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Organizer

from .balance import order_balance
from .crypto import credentials_decrypt
from .models import REFUND_COUNTING_STATES, Channel, Payment, PaymentMethodConfig, PaymentState, Refund
from .providers.base import Mode, PaymentRequest, ProviderConfig, Settlement
from .providers.registry import method_get, methods_settling, provider_get, settlement_of

CARD_MIN_CENTS = 100  # card payments refuse 0.01 to 0.99 €


def provider_config(*, organizer_id: int, provider_id: str) -> ProviderConfig:
    """The organiser's settings for a provider: the mode and that mode's credentials only.

    Without a stored setting the provider runs in sandbox mode with no credentials (what the
    built-in sandbox needs)."""
    config = PaymentMethodConfig.objects.filter(organizer_id=organizer_id, provider=provider_id).first()
    if config is None:
        return ProviderConfig()
    mode = Mode(config.mode)
    blob = config.live_credentials if mode == Mode.LIVE else config.sandbox_credentials
    return ProviderConfig(mode=mode, credentials=credentials_decrypt(blob))


@dataclass(frozen=True)
class OfferedMethod:
    provider_id: str
    name: str
    fee_cents: int
    sandbox: bool
    instructions: str = ""
    total_cents: int = 0  # what the buyer pays with this method: the amount due plus the fee

    @property
    def identifier(self) -> str:
        return self.provider_id

    @property
    def label(self) -> str:
        """The name buyers see, with the fee when there is one (shown before they pay)."""
        if not self.fee_cents:
            return self.name
        return _("%(name)s (fee: %(fee)s)") % {"name": self.name, "fee": format_money(self.fee_cents)}


def method_fee(*, config: PaymentMethodConfig | None, amount_cents: int) -> int:
    """The method's fee on an amount: fixed part + per-mille part, rounded half up to the cent."""
    if config is None or amount_cents <= 0:
        return 0
    return config.fee_fixed_cents + (amount_cents * config.fee_per_mille + 500) // 1000


def _amount_allowed(provider_id: str, config: PaymentMethodConfig | None, amount_cents: int) -> bool:
    if amount_cents <= 0:
        return True
    provider = provider_get(provider_id)
    low, high = 0, None  # the provider's limits, then the organiser's narrower ones
    if provider is not None:
        caps = provider.capabilities
        low, high = max(caps.min_amount_cents, CARD_MIN_CENTS if caps.card else 0), caps.max_amount_cents
    if config is not None:
        low = max(low, config.min_amount_cents or 0)
        if config.max_amount_cents is not None:
            high = config.max_amount_cents if high is None else min(high, config.max_amount_cents)
    return amount_cents >= low and (high is None or amount_cents <= high)


def _channel_flag(config: PaymentMethodConfig, channel: str) -> bool:
    return {Channel.WEB: config.on_web, Channel.BOX_OFFICE: config.on_box_office, Channel.API: config.on_api}.get(
        Channel(channel), False
    )


def _method_name(provider_id: str) -> str:
    method = method_get(provider_id)
    return str(method.name) if method is not None else provider_id


SANDBOX = "sandbox"  # the built-in sandbox provider: test money whatever its settings say


def _default_ids(channel: str) -> list[str]:
    """What an organiser who set up no method at all is offered: cash, cheque and card terminal
    at the box office (money staff take in hand); online, the built-in sandbox only on a server
    running the demo (SANDBOX_PAYMENTS), else nothing, so that the public test card can never
    pay for a real ticket (decision 0010)."""
    if channel == Channel.BOX_OFFICE:
        return methods_settling(Settlement.AT_ONCE)
    return [SANDBOX] if getattr(settings, "SANDBOX_PAYMENTS_DEFAULT", False) else []


def methods_offered(*, organizer: Organizer, channel: str, amount_cents: int) -> list[OfferedMethod]:
    """The methods this organiser offers on this channel for this amount, in display order, each
    with its fee. An organiser who set up no method gets `_default_ids`."""
    configs = list(PaymentMethodConfig.objects.filter(organizer=organizer).order_by("position", "id"))
    if not configs:
        return [
            OfferedMethod(p, _method_name(p), 0, sandbox=p == SANDBOX, total_cents=max(amount_cents, 0))
            for p in _default_ids(channel) if _amount_allowed(p, None, amount_cents)
        ]
    offered = []
    for config in configs:
        if not config.enabled or not _channel_flag(config, channel):
            continue
        method = method_get(config.provider)
        if method is None:
            continue  # a provider removed from this installation
        if not _amount_allowed(config.provider, config, amount_cents):
            continue
        live_capable = not method.capabilities.settlement.offline
        offered.append(OfferedMethod(
            provider_id=config.provider,
            name=config.label or _method_name(config.provider),
            fee_cents=method_fee(config=config, amount_cents=amount_cents),
            sandbox=live_capable and (config.mode == Mode.SANDBOX or config.provider == SANDBOX),
            instructions=config.instructions,
            total_cents=max(amount_cents, 0) + method_fee(config=config, amount_cents=amount_cents),
        ))
    return offered


@dataclass(frozen=True)
class ShopPayments:
    """What the shop's pages say about paying (one read of the methods per page)."""

    enabled: bool  # some method is offered on the web: else only free orders can be placed
    test_mode: bool  # some method offered on the web is a test one: the "test mode" banner


def shop_payments(*, organizer: Organizer) -> ShopPayments:
    offered = methods_offered(organizer=organizer, channel=Channel.WEB, amount_cents=0)
    return ShopPayments(enabled=bool(offered), test_mode=any(m.sandbox for m in offered))


def shop_test_mode(*, organizer: Organizer) -> bool:
    """The shop shows a "test mode" banner while any method it offers on the web is in sandbox."""
    return shop_payments(organizer=organizer).test_mode


def payments_enabled(*, organizer: Organizer, channel: str) -> bool:
    """Whether anything can be paid on this channel: at least one method is offered there (for
    some amount). False for a new organiser who set up no method, outside the demo: the shop then
    says why instead of offering to pay, and only free orders can be placed."""
    return bool(methods_offered(organizer=organizer, channel=channel, amount_cents=0))


def live_methods(*, organizer: Organizer) -> list[PaymentMethodConfig]:
    """The organiser's methods that take real money from buyers on the web or the API: offered, in
    live mode (the built-in sandbox never is), or paid outside any payment service (transfer,
    invoice). For the back office's warning when there is none."""
    out = []
    for config in PaymentMethodConfig.objects.filter(organizer=organizer, enabled=True).order_by("position", "id"):
        if not (config.on_web or config.on_api) or config.provider == SANDBOX:
            continue
        method = method_get(config.provider)
        if method is None:
            continue  # a provider removed from this installation
        if method.capabilities.settlement.offline or config.mode == Mode.LIVE:
            out.append(config)
    return out


def method_config(*, organizer_id: int, provider_id: str) -> PaymentMethodConfig | None:
    return PaymentMethodConfig.objects.filter(organizer_id=organizer_id, provider=provider_id).first()


def _instructions_method(order: Order) -> str:
    """The method settled by instructions (a bank transfer) the buyer chose last for this order;
    the first such method when they chose none."""
    methods = methods_settling(Settlement.PENDING_INSTRUCTIONS)
    chosen = order.payments.filter(provider__in=methods).order_by("-id").values_list("provider", flat=True).first()
    return chosen or next(iter(methods), "")


def transfer_instructions(*, order: Order) -> dict[str, str]:
    """What the buyer needs to pay by transfer: the organiser's account (the method's settings)
    and the order code as reference."""
    provider_id = _instructions_method(order)
    config = provider_config(organizer_id=order.organizer_id, provider_id=provider_id)
    stored = method_config(organizer_id=order.organizer_id, provider_id=provider_id)
    return {
        "holder": config.credentials.get("holder", "") or order.organizer.legal_name or order.organizer.name,
        "iban": config.credentials.get("iban", ""),
        "bic": config.credentials.get("bic", ""),
        "reference": order.code,
        "text": stored.instructions if stored else "",
        "label": _method_name(provider_id),
    }


def transfer_due(*, order: Order) -> int:
    """What the buyer is asked to transfer: the pending transfer's amount (its fee included), or
    the order's total when there is none."""
    pending = order.payments.filter(provider__in=methods_settling(Settlement.PENDING_INSTRUCTIONS),
                                    state=PaymentState.PENDING).order_by("-id").first()
    return pending.amount_cents if pending is not None else order.total_cents


def payment_request(*, payment: Payment) -> PaymentRequest:
    order = payment.order
    return PaymentRequest(
        reference=payment.reference, amount_cents=payment.amount_cents, currency=payment.currency,
        order_code=order.code, buyer_email=order.email, buyer_name=order.name,
        merchant_name=order.organizer.name, locale=order.locale, psp_reference=payment.psp_reference,
    )


def payment_latest(*, order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()


def order_payment_status(*, order: Order) -> str:
    """What the receipt page says: paid (or partly refunded, or refunded: the order balance),
    pending (an attempt is under way), failed, unpaid, expired or cancelled."""
    if order.state in (OrderState.PAID, OrderState.REFUNDED):
        return str(order_balance(order=order).status)
    if order.state != OrderState.PENDING:
        return str(order.state)
    latest = payment_latest(order=order)
    if latest is None or latest.state == PaymentState.CANCELLED:
        return "unpaid"
    if latest.state == PaymentState.FAILED:
        return "failed"
    if settlement_of(latest.provider) == Settlement.PENDING_INSTRUCTIONS:
        return "transfer"  # awaiting the buyer's transfer: the page shows the instructions
    return "pending"


def payment_refunded_cents(*, payment: Payment) -> int:
    """What the payment's refunds give back or gave back (every one but the failed)."""
    return sum(r.amount_cents for r in payment.refunds.filter(state__in=REFUND_COUNTING_STATES))


def refunded_line_ids(*, order: Order) -> set[int]:
    """The lines of the order a refund was made for (started or done, failed ones aside)."""
    return set(Refund.objects.filter(payment__order=order, line__isnull=False, state__in=REFUND_COUNTING_STATES)
               .values_list("line_id", flat=True))


def refundable_lines(*, payment: Payment) -> QuerySet[OrderLine]:
    """The lines of the payment's order staff can refund on their own: the order is paid, and no
    refund was made for the line yet."""
    lines = OrderLine.objects.filter(order_id=payment.order_id, order__state=OrderState.PAID)
    taken = Refund.objects.filter(line=OuterRef("pk"), state__in=REFUND_COUNTING_STATES)
    return lines.exclude(Exists(taken)).select_related("order").order_by("id")


@dataclass(frozen=True)
class RefundNotice:
    """What the buyer is told of a refund: how much, back to which method, when it arrives, for
    which line, and whether the whole order is refunded now."""

    order_id: int
    amount_cents: int
    currency: str
    method: str
    delay: str
    line_id: int | None
    order_refunded: bool
    # part of a session-wide refund (payments.batch): its kind, and the date and event it is for
    batch_kind: str = ""
    date: str = ""
    event: str = ""


def refund_notice(*, refund_id: int) -> RefundNotice:
    refund = Refund.objects.select_related("payment__order", "batch_item__batch__date__event").get(pk=refund_id)
    payment, order = refund.payment, refund.payment.order
    batch = refund.batch_item.batch if refund.batch_item is not None else None
    stored = method_config(organizer_id=order.organizer_id, provider_id=payment.provider)
    return RefundNotice(
        order_id=order.pk, amount_cents=refund.amount_cents, currency=refund.currency,
        method=(stored.label if stored and stored.label else "") or _method_name(payment.provider),
        delay=str(refund_delay(method_id=payment.provider)), line_id=refund.line_id,
        order_refunded=order.state == OrderState.REFUNDED,
        batch_kind=batch.kind if batch else "", date=str(batch.date) if batch else "",
        event=batch.date.event.title if batch else "",
    )


# when a refund reaches the buyer, by how its method settles: a payment service's goes back to the
# card (or account) through the banks; the box office hands money back at once; money received by
# transfer or on invoice goes back by transfer
REFUND_DELAYS: dict[Settlement, Promise] = {
    Settlement.ONLINE: _("within 5 to 10 business days, depending on your bank"),
    Settlement.AT_ONCE: _("immediately"),
    Settlement.PENDING_INSTRUCTIONS: _("by bank transfer, within a few business days"),
    Settlement.AWAITING_INVOICE: _("by bank transfer, within a few business days"),
}


def refund_delay(*, method_id: str) -> str:
    """When the buyer gets a refund of a payment made with this method (a method this installation
    no longer has: as a payment service's)."""
    return str(REFUND_DELAYS[settlement_of(method_id) or Settlement.ONLINE])
