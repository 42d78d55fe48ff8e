"""« Ouvrir la billetterie »: what to check before opening the shop (seed 003), each step ticked
from the data — the catalogue published at least in preview, a way to pay, the automatic emails'
addresses, a test order paid in sandbox, then an order paid for real, its confirmation email sent
and its status « Payment confirmed » — and a last step only the organiser can do: find that payment
in the payment service's own back office. A handful of small queries, whatever the number of orders."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import Event, Price, Publication
from billetterie.core.money import format_money
from billetterie.core.validation import email_is_valid
from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, PaymentMethodConfig, PaymentState
from billetterie.payments.providers.base import Mode, Settlement
from billetterie.payments.providers.registry import method_get, methods_settling

VISIBLE = (Publication.PREVIEW, Publication.PUBLISHED)
SANDBOX = "sandbox"  # the built-in sandbox: test money whatever its settings say
# email backends that never deliver anything: the emails are not "in place" on such a server
SILENT_EMAIL_BACKENDS = ("django.core.mail.backends.console.EmailBackend",
                         "django.core.mail.backends.dummy.EmailBackend",
                         "django.core.mail.backends.filebased.EmailBackend")


@dataclass(frozen=True)
class Step:
    key: str
    title: str | Promise
    done: bool | None  # None: for the organiser to check, nothing in our data can say
    detail: str = ""
    hints: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def counted(self) -> int:
        return sum(1 for step in self.steps if step.done is not None)

    @property
    def complete(self) -> bool:
        return self.done_count == self.counted


def _catalog_step(organizer: Organizer) -> Step:
    prices = Price.objects.filter(product__event__organizer=organizer, product__event__publication__in=VISIBLE,
                                  product__active=True, active=True, publication__in=VISIBLE)
    visible = list(Event.objects.filter(organizer=organizer, publication__in=VISIBLE)
                   .filter(Exists(prices.filter(product__event=OuterRef("pk"))))
                   .values_list("title", "publication"))
    if not visible:
        return Step("catalog", _("Prices and the ticket page published, at least in preview"), False,
                    str(_("No page with a price on sale is in preview or published yet.")),
                    [str(_("Set the page and its prices to \"Preview\" to test them with the preview link, then "
                           "to \"Published\" to open the sales."))])
    published = [title for title, publication in visible if publication == Publication.PUBLISHED]
    preview = [title for title, publication in visible if publication == Publication.PREVIEW]
    parts = []
    if published:
        parts.append(str(_("Published: %(pages)s.") % {"pages": ", ".join(published)}))
    if preview:
        parts.append(str(_("In preview: %(pages)s (publish them once tested).") % {"pages": ", ".join(preview)}))
    return Step("catalog", _("Prices and the ticket page published, at least in preview"), True, " ".join(parts))


def _payment_step(organizer: Organizer) -> Step:
    configs = [c for c in PaymentMethodConfig.objects.filter(organizer=organizer, enabled=True)
               .filter(on_web=True).order_by("position", "id") if method_get(c.provider) is not None]
    title = _("At least one payment or invoicing method")
    if not configs:
        return Step("payment", title, False, str(_("No method is offered in the web shop yet.")),
                    [str(_("Add a payment service (card, PayPal…), bank transfer or payment on invoice."))])
    names = []
    for config in configs:
        method = method_get(config.provider)
        name = config.label or str(method.name if method else config.provider)
        online = method is not None and not method.capabilities.settlement.offline
        if online:
            mode = _("test") if config.mode == Mode.SANDBOX or config.provider == SANDBOX else _("live")
            name = f"{name} ({mode})"
        names.append(name)
    return Step("payment", title, True, ", ".join(names))


def _emails_step(organizer: Organizer) -> Step:
    title = _("The automatic emails in place")
    hints = [str(_("Invoice requested: sent when a buyer chooses to pay on invoice.")),
             str(_("Payment received: the confirmation with the receipt, sent when the payment is confirmed.")),
             str(_("Participant confirmed: the same email carries each participant's ticket."))]
    problems = []
    if not email_is_valid(organizer.noreply_email):
        problems.append(str(_("The no-reply sender address is missing.")))
    if not email_is_valid(organizer.contact_email):
        problems.append(str(_("The contact address, where buyers' replies go, is missing.")))
    if getattr(settings, "EMAIL_BACKEND", "") in SILENT_EMAIL_BACKENDS:
        problems.append(str(_("This server does not send emails (its mail settings keep them on the server): "
                              "ask whoever runs it.")))
    if problems:
        return Step("emails", title, False, " ".join(problems), hints)
    detail = _("Sent from %(sender)s, replies to %(contact)s.") % {
        "sender": organizer.noreply_email, "contact": organizer.contact_email}
    return Step("emails", title, True, str(detail), hints)


def _online_providers() -> list[str]:
    return [pid for pid in methods_settling(Settlement.ONLINE) if pid != SANDBOX]


def _order_text(payment: Payment) -> str:
    method = method_get(payment.provider)
    return str(_("Order %(code)s, %(amount)s with %(method)s.") % {
        "code": payment.order.code, "amount": format_money(payment.amount_cents, payment.currency),
        "method": method.name if method else payment.provider})


def organizer_opening_checklist(*, organizer: Organizer) -> Checklist:
    """The steps of « Ouvrir la billetterie », ticked from the organiser's data."""
    confirmed = Payment.objects.filter(order__organizer=organizer, state=PaymentState.CONFIRMED)
    test_payment = (confirmed.filter(testmode=True).select_related("order").order_by("-confirmed_at", "-id")
                    .first())
    live_payment = (confirmed.filter(testmode=False, provider__in=_online_providers()).select_related("order")
                    .order_by("-confirmed_at", "-id").first())
    steps = [_catalog_step(organizer), _payment_step(organizer), _emails_step(organizer)]
    one_euro = str(_("Make a price of 1 € (keep it unpublished, or delete it afterwards) and order it."))
    steps.append(Step(
        "sandbox_order", _("A test order paid in test mode (sandbox)"), test_payment is not None,
        _order_text(test_payment) if test_payment else str(_("No order paid with test money yet.")),
        [] if test_payment else [one_euro, str(_("Keep the payment method in test mode and pay with the test card "
                                                 "its page shows."))],
    ))
    steps.append(Step(
        "live_order", _("Then an order paid for real (live mode)"), live_payment is not None,
        _order_text(live_payment) if live_payment else str(_("No order paid through a payment service in live "
                                                             "mode yet.")),
        [] if live_payment else [str(_("Switch the payment method to live mode with its live credentials (a "
                                       "payment service often gives new ones for live), then order a 1 € "
                                       "price with a real card."))],
    ))
    order = live_payment.order if live_payment else None
    email_sent = order is not None and OutboxMessage.objects.filter(
        order=order, kind=OutboxKind.ORDER_CONFIRMED, state=OutboxState.SENT).exists()
    steps.append(Step(
        "live_email", _("Its confirmation email sent"), email_sent,
        "" if order is None else (str(_("Sent to %(email)s: check that it arrived.") % {"email": order.email})
                                  if email_sent else str(_("Not sent yet (see the order's emails)."))),
    ))
    paid = order is not None and order.state == OrderState.PAID
    steps.append(Step(
        "live_status", _("Its status: \"%(status)s\"") % {"status": OrderState.PAID.label}, paid,
        "" if order is None else str(_("Status now: %(status)s.") % {"status": Order(state=order.state)
                                                                      .get_state_display()}),
    ))
    steps.append(Step(
        "psp_check", _("The payment found in the payment service's own back office"), None,
        str(_("Look for reference %(ref)s (%(amount)s) in %(method)s's back office.") % {
            "ref": live_payment.psp_reference or live_payment.reference,
            "amount": format_money(live_payment.amount_cents, live_payment.currency),
            "method": getattr(method_get(live_payment.provider), "name", live_payment.provider)})
        if live_payment else str(_("Once the live order is paid, find its payment in the payment service's back "
                                   "office: the amount and the reference should be there.")),
    ))
    return Checklist(steps)
