"""What each money movement posts (docs/dev/ledger.md), balanced, once, in its transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billetterie.catalog.models import Product
from billetterie.ledger import handlers
from billetterie.ledger.checks import ledger_violations
from billetterie.ledger.models import Account, Line, Transaction
from billetterie.ledger.services import Entry, UnbalancedPosting, post
from billetterie.orders.models import Order, OrderState
from billetterie.payments.events import PaymentStateChanged
from billetterie.payments.models import Payment, PaymentState
from billetterie.payments.services import _row_set, payment_record_external, payment_start, refund_create
from tests.factories import URLS, Shop, order_placed, payment_confirm

from .helpers import balance, keys

pytestmark = pytest.mark.django_db


def test_a_cash_sale_posts_the_money_and_the_sale_by_kind(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=1, membership=True, donation_cents=700)  # 30 + 12 + 10 + 7
    org = shop.organizer.pk
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    assert balance(org, "530") == 5900
    assert balance(org, "7061") == -3000 and balance(org, "7062") == -1200
    assert balance(org, "756") == -1000 and balance(org, "7541") == -700
    assert balance(org, "411", order_id=order.pk) == 0
    assert keys(order.pk) == [f"payment:{order.payments.get().pk}:confirmed", f"sale:order:{order.pk}:paid"]
    assert ledger_violations() == []


def test_vat_is_taken_out_of_the_price_at_the_line_rate(shop: Shop) -> None:
    Product.objects.filter(pk=shop.ticket.pk).update(vat_rate_bp=550)
    Product.objects.filter(pk=shop.meal.pk).update(vat_rate_bp=1000)
    order = order_placed(shop, tickets=2, meals=1)  # 30 € at 5,5 %, 12 € at 10 %
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    org = shop.organizer.pk
    assert balance(org, "5112") == 4200
    assert balance(org, "7061") == -2844 and balance(org, "7062") == -1091  # 28,44 + 1,56 ; 10,91 + 1,09
    assert balance(org, "44571") == -(156 + 109)
    assert ledger_violations() == []


def test_a_payment_fee_is_income_and_the_order_is_settled(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment = Payment.objects.create(order=order, provider="stripe", amount_cents=1560, fee_cents=60)
    with transaction.atomic():
        _row_set(payment, "payment.confirmed", state=PaymentState.CONFIRMED)
    org = shop.organizer.pk
    assert balance(org, "46701") == 1560 and balance(org, "7088") == -60
    assert balance(org, "411", order_id=order.pk) == -1500  # the order is not marked paid here: a deposit
    assert ledger_violations() == []


def test_a_refund_of_a_line_reduces_that_kind_and_a_whole_refund_reverses_the_sale(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=1)
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    meal = order.lines.get(kind="addon")
    refund_create(payment=cash, amount_cents=1200, line_id=meal.pk)
    org = shop.organizer.pk
    assert balance(org, "7062") == 0 and balance(org, "7061") == -3000
    assert balance(org, "530") == 3000 and balance(org, "411", order_id=order.pk) == 0
    refund_create(payment=cash, amount_cents=3000)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert balance(org, "7061") == 0 and balance(org, "530") == 0 and balance(org, "411") == 0
    assert ledger_violations() == []


def test_a_surplus_is_owed_back_not_sold(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    card = order.payments.get(provider="sandbox")
    Payment.objects.filter(pk=card.pk).update(testmode=False)  # as a live card would
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    card.refresh_from_db()
    payment_confirm(card)  # 30 € more: the order is paid, 10 € goes back
    org = shop.organizer.pk
    assert balance(org, "7061") == -3000
    assert ledger_violations() == []


def test_a_test_payment_never_makes_a_real_sale(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment_confirm(order.payments.get())
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.testmode
    org = shop.organizer.pk
    assert balance(org, "7061") == 0 and balance(org, "46799") == 0  # the real books
    assert balance(org, "7061", testmode=True) == -1500 and balance(org, "46799", testmode=True) == 1500
    assert ledger_violations() == []


def test_a_duplicated_notice_posts_once(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment = order.payments.get()
    payment_confirm(payment, notice_id="same")
    payment_confirm(payment, notice_id="same")
    payment_confirm(payment, notice_id="other")  # another notice of the same confirmation
    assert Transaction.objects.filter(payment_id=payment.pk).count() == 1
    assert ledger_violations() == []


def test_the_same_event_published_twice_posts_once(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    with transaction.atomic():
        handlers.on_payment_state(PaymentStateChanged(payment_id=cash.pk, order_id=order.pk,
                                                      organizer_id=shop.organizer.pk, was="pending",
                                                      state="confirmed"))
    assert Transaction.objects.filter(order_id=order.pk).count() == 2
    assert ledger_violations() == []


@pytest.mark.ledger_unchecked
def test_an_unbalanced_posting_refuses_the_payment(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    real = handlers.Entry

    def broken(account, debit_cents=0, credit_cents=0, vat_rate_bp=None):  # type: ignore[no-untyped-def]
        return real(account, debit_cents + (1 if debit_cents else 0), credit_cents, vat_rate_bp)

    monkeypatch.setattr(handlers, "Entry", broken)
    with pytest.raises(UnbalancedPosting):
        payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    assert not Payment.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).state == OrderState.PENDING
    assert not Transaction.objects.exists()


def test_entries_normalise_to_one_side() -> None:
    from billetterie.ledger import chart

    assert Entry(chart.CASH, debit_cents=-5).normalised() == Entry(chart.CASH, credit_cents=5)
    assert Entry(chart.CASH, debit_cents=3, credit_cents=3).normalised() is None


def test_a_payment_costs_the_books_five_statements_once_the_accounts_exist(shop: Shop) -> None:
    first = order_placed(shop, tickets=1, meals=1)
    payment_record_external(order_id=first.pk, method="cash", amount_cents=2700)  # the accounts are created
    order = order_placed(shop, tickets=2, meals=1)
    with CaptureQueriesContext(connection) as ctx:
        payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    books = [q["sql"] for q in ctx.captured_queries if "ledger_" in q["sql"]]
    # the payment's transaction and lines; the sale: what is posted, its transaction and lines
    assert [sql.split()[0] for sql in books] == ["INSERT", "INSERT", "SELECT", "INSERT", "INSERT"], books
    assert ledger_violations() == []


def test_an_accounts_first_use_creates_it_with_all_the_lines(shop: Shop) -> None:
    from billetterie.ledger import chart

    org = shop.organizer.pk
    assert not Account.objects.filter(organizer_id=org).exists()
    entries = [Entry(chart.CASH, debit_cents=700), Entry(chart.CUSTOMERS, credit_cents=700)]
    with transaction.atomic():
        first = post(organizer_id=org, key="t:1", kind="payout", journal="BQ", label="x", entries=entries)
        again = post(organizer_id=org, key="t:2", kind="payout", journal="BQ", label="x",
                     entries=[*entries, Entry(chart.BANK, debit_cents=1), Entry(chart.FEE_INCOME, credit_cents=1)])
    assert sorted(Account.objects.filter(organizer_id=org).values_list("code", flat=True)) == [
        "411", "512", "530", "7088"]
    assert [(line.account.code, line.debit_cents, line.credit_cents) for line in Line.objects.filter(
        transaction_id=first).order_by("pk")] == [("530", 700, 0), ("411", 0, 700)]
    assert Line.objects.filter(transaction_id=again).count() == 4
    assert ledger_violations() == []


def test_a_taken_key_is_skipped_and_a_cause_that_posts_again_takes_the_next_one(shop: Shop) -> None:
    from billetterie.ledger import chart

    org = shop.organizer.pk
    entries = [Entry(chart.CASH, debit_cents=5), Entry(chart.BANK, credit_cents=5)]
    with transaction.atomic():
        posted = [post(organizer_id=org, key="sale:x", kind="sale", journal="VE", label="x", entries=entries,
                       key_free=True) for _ in range(3)]
        skipped = post(organizer_id=org, key="sale:x", kind="sale", journal="VE", label="x", entries=entries)
    assert None not in posted and skipped is None
    assert list(Transaction.objects.filter(pk__in=posted).order_by("pk").values_list("key", flat=True)) == [
        "sale:x", "sale:x#2", "sale:x#3"]


def test_a_sqlite_too_old_for_the_books_plain_sql_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from billetterie.ledger import checks_system

    monkeypatch.setattr(checks_system.sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(checks_system, "connections", {"default": type("C", (), {"vendor": "sqlite"})()})
    assert [e.id for e in checks_system.database_supports_the_books()] == ["ledger.E001"]
    monkeypatch.setattr(checks_system.sqlite3, "sqlite_version_info", (3, 40, 1))
    assert checks_system.database_supports_the_books() == []
