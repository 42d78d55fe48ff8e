"""The books follow the state events of payments, refunds and orders, in their transaction
(decision 0027). Registered in `LedgerConfig.ready()`.

- a payment confirmed: its money in the method's account, against the order's customer (411),
  its fee as income (7088); a confirmed payment that stops being so is reversed;
- a refund that starts counting (every refund but a failed one): the money back out of the
  method's account, against the customer; a counted refund that fails is reversed;
- then, and on every change of the order's state, the order's sale is brought to what its state
  and money say (`sales.sale_target`): posted when it is paid, reduced by a refund of part of it,
  reversed when it is refunded. The difference is posted, so the same event twice posts nothing."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from billetterie.core import events
from billetterie.orders.events import OrderStateChanged
from billetterie.orders.models import OrderLine, OrderState
from billetterie.payments.balance import order_with_balance, payment_facts
from billetterie.payments.events import PaymentStateChanged, RefundStateChanged
from billetterie.payments.models import REFUND_COUNTING_STATES, PaymentState, Refund

from . import chart
from .models import Account, Journal, Line, Transaction, TransactionKind
from .sales import SALE_STATES, Money, SoldLine, fees_given_back, sale_gross, sale_target
from .services import Entry, post

_CASH_METHODS = ("cash",)


def register() -> None:
    events.subscribe_in_transaction(PaymentStateChanged, "ledger.payment", on_payment_state)
    events.subscribe_in_transaction(RefundStateChanged, "ledger.refund", on_refund_state)
    events.subscribe_in_transaction(OrderStateChanged, "ledger.order", on_order_state)


def _journal(provider: str) -> str:
    return Journal.CASH if provider in _CASH_METHODS else Journal.BANK


def on_payment_state(event: PaymentStateChanged) -> None:
    confirmed_now = event.state == PaymentState.CONFIRMED
    confirmed_before = event.was == PaymentState.CONFIRMED
    if confirmed_now == confirmed_before:
        return  # started, pending, failed, cancelled: no money moved
    payment = payment_facts(payment_id=event.payment_id)
    money = chart.money_account(payment.provider)
    amount, fee = payment.amount_cents, payment.fee_cents
    entries = [Entry(money, debit_cents=amount), Entry(chart.CUSTOMERS, credit_cents=amount - fee),
               Entry(chart.FEE_INCOME, credit_cents=fee)]
    code = payment.order_code
    if confirmed_now:
        key, kind, label = f"payment:{event.payment_id}:confirmed", TransactionKind.PAYMENT, f"Paiement {code}"
    else:
        entries = [Entry(e.account, debit_cents=e.credit_cents, credit_cents=e.debit_cents) for e in entries]
        key, kind, label = (f"payment:{event.payment_id}:reversed", TransactionKind.PAYMENT_REVERSAL,
                            f"Paiement annulé {code}")
    post(organizer_id=event.organizer_id, key=key, kind=kind, journal=_journal(payment.provider), label=label,
         entries=entries, piece=code, order_id=event.order_id, payment_id=event.payment_id,
         testmode=payment.testmode)
    if confirmed_now and payment.order_state not in SALE_STATES and not payment.order_refunded:
        # money in on an unpaid order with no refund changes no sale (its fee is posted with it):
        # the common case, a payment before its order becomes paid, whose own change posts the
        # sale. A confirmation is published under the order's lock (payments.balance.payment_facts),
        # so its state and refunds were read fresh.
        return
    order_sale_reconcile(order_id=event.order_id, organizer_id=event.organizer_id, cause=key)


def on_refund_state(event: RefundStateChanged) -> None:
    counts_now = event.state in REFUND_COUNTING_STATES
    counted_before = event.was in REFUND_COUNTING_STATES
    if counts_now == counted_before:
        return
    refund = (Refund.objects.filter(pk=event.refund_id)
              .values("amount_cents", "payment__provider", "payment__testmode", "payment__order__code").get())
    money = chart.money_account(refund["payment__provider"])
    amount, code = refund["amount_cents"], refund["payment__order__code"]
    if counts_now:
        entries = [Entry(chart.CUSTOMERS, debit_cents=amount), Entry(money, credit_cents=amount)]
        key, kind, label = f"refund:{event.refund_id}:counted", TransactionKind.REFUND, f"Remboursement {code}"
    else:
        entries = [Entry(money, debit_cents=amount), Entry(chart.CUSTOMERS, credit_cents=amount)]
        key, kind, label = (f"refund:{event.refund_id}:failed", TransactionKind.REFUND_REVERSAL,
                            f"Remboursement échoué {code}")
    post(organizer_id=event.organizer_id, key=key, kind=kind, journal=_journal(refund["payment__provider"]),
         label=label, entries=entries, piece=code, order_id=event.order_id, payment_id=event.payment_id,
         refund_id=event.refund_id, testmode=refund["payment__testmode"])
    order_sale_reconcile(order_id=event.order_id, organizer_id=event.organizer_id, cause=key)


def on_order_state(event: OrderStateChanged) -> None:
    if OrderState.PAID not in (event.was, event.state):
        return  # only a paid order has a sale: placed, expired, cancelled… from unpaid change nothing
    order_sale_reconcile(order_id=event.order_id, organizer_id=event.organizer_id,
                         cause=f"order:{event.order_id}:{event.state}")


_SALE_CODES = (*chart.SALES_CODES, chart.VAT_COLLECTED.code, chart.FEE_INCOME.code)


_POSTED_SALE = (  # our tables' names
    f"SELECT a.code, l.vat_rate_bp, SUM(l.credit_cents) - SUM(l.debit_cents) FROM {Line._meta.db_table} l "  # noqa: S608
    f"JOIN {Transaction._meta.db_table} t ON t.id = l.transaction_id JOIN {Account._meta.db_table} a "
    f"ON a.id = l.account_id WHERE t.order_id = %s AND a.code IN ({', '.join(['%s'] * len(_SALE_CODES))}) "
    "GROUP BY a.code, l.vat_rate_bp"
)


_SOLD_LINES = (
    f"SELECT id, kind, amount_cents, vat_rate_bp FROM {OrderLine._meta.db_table} WHERE order_id = %s ORDER BY id"  # noqa: S608
)


def _posted_sale(order_id: int) -> dict[tuple[str, int | None], int]:
    """What the books hold for the order's sale now: credit − debit per (account, rate)."""
    with connection.cursor() as cursor:
        cursor.execute(_POSTED_SALE, [order_id, *_SALE_CODES])
        return {(code, rate): int(net) for code, rate, net in cursor.fetchall()}


def order_sale_reconcile(*, order_id: int, organizer_id: int, cause: str) -> None:
    """Bring the order's sale, VAT and fee income in the books to what its state and money say,
    posting the difference (nothing when they agree). Reads the order and its money under its
    row lock, in one query."""
    order = order_with_balance(order_id=order_id, lock=True)
    balance = order.balance
    money = Money(state=order.state, total_cents=balance.total_cents, received_cents=balance.received_cents,
                  fees_cents=balance.fees_cents, refunded_cents=balance.refunded_cents)
    posted = _posted_sale(order_id)
    gross = sale_gross(money)
    target: dict[tuple[str, int | None], int] = defaultdict(int)
    target[(chart.FEE_INCOME.code, None)] = money.fees_cents - fees_given_back(money)
    if gross:
        with connection.cursor() as cursor:
            cursor.execute(_SOLD_LINES, [order_id])
            lines = [SoldLine(*row) for row in cursor.fetchall()]
        line_refunds: list[tuple[int, int]] = []
        if gross < balance.total_cents:
            line_refunds = [(line_id, int(amount)) for line_id, amount in Refund.objects.filter(
                payment__order_id=order_id, state__in=REFUND_COUNTING_STATES, line__isnull=False,
            ).order_by("pk").values_list("line_id", "amount_cents")]
        sale = sale_target(lines=lines, total_cents=balance.total_cents, gross_cents=gross, line_refunds=line_refunds)
        for (code, rate), net in sale.net.items():
            target[(code, rate)] += net
        for rate, vat in sale.vat.items():
            target[(chart.VAT_COLLECTED.code, rate)] += vat
    differences = {key: target.get(key, 0) - posted.get(key, 0) for key in {*target, *posted}}
    differences = {key: d for key, d in differences.items() if d}
    if not differences:
        return
    entries = [Entry(_spec(code), credit_cents=d, vat_rate_bp=rate) for (code, rate), d in sorted(
        differences.items(), key=lambda item: (item[0][0], item[0][1] or 0))]
    entries.append(Entry(chart.CUSTOMERS, debit_cents=sum(differences.values())))
    sale_delta = sum(d for (code, _rate), d in differences.items() if code != chart.FEE_INCOME.code)
    label = (f"Vente {order.code}" if sale_delta > 0 else f"Annulation de vente {order.code}"
             if sale_delta < 0 and gross == 0 else f"Réduction de vente {order.code}" if sale_delta < 0
             else f"Frais de paiement {order.code}")
    post(organizer_id=organizer_id, key=f"sale:{cause}", kind=TransactionKind.SALE, journal=Journal.SALES,
         label=label, entries=entries, piece=order.code, order_id=order_id, testmode=order.testmode, key_free=True)


_SPECS = {spec.code: spec for spec in (*chart.SALES_BY_KIND.values(), chart.VAT_COLLECTED, chart.FEE_INCOME)}


def _spec(code: str) -> chart.AccountSpec:
    return _SPECS[code]
