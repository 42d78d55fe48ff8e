"""Money columns are 64-bit (decision 0013): each amount typed or received stays within MAX_CENTS,
what adds amounts up (a total plus its fee, refunds, revenue) is kept to the cent beyond 2**31."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.test import Client

from billetterie.catalog.models import Price, Product
from billetterie.checkin.models import ScanResult
from billetterie.checkin.selectors import checkin_counts
from billetterie.checkin.services import scan_redeem
from billetterie.core.money import MAX_CENTS
from billetterie.orders.models import Order, OrderState
from billetterie.orders.selectors import order_money_kept_cents
from billetterie.payments.models import Payment, PaymentMethodConfig, Refund, RefundState
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_start, refund_create
from billetterie.tickets.signing import ticket_payload
from tests.factories import Shop, door, order_placed, payment_confirm

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")
TOO_LARGE = "Indiquez un montant d'au plus 21\u00a0474\u00a0836,47\u00a0€."  # French: no-break spaces


def _largest_price(shop: Shop) -> None:
    shop.adult.amount_cents = MAX_CENTS
    shop.adult.save(update_fields=["amount_cents"])


def test_every_money_column_is_64_bit() -> None:
    money = [f for model in apps.get_models() for f in model._meta.concrete_fields if f.name.endswith("_cents")]
    assert len(money) >= 13
    assert {f"{f.model.__name__}.{f.name}": f.get_internal_type() for f in money
            if f.get_internal_type() not in ("BigIntegerField", "PositiveBigIntegerField")} == {}


def test_the_largest_order_with_its_fee_and_refunds_is_kept_to_the_cent(shop: Shop) -> None:
    # the order's total is the largest accepted amount; the method's fee takes the payment past
    # 2**31 - 1, which PostgreSQL's 32-bit column refused (integer out of range: a 500)
    _largest_price(shop)
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", fee_fixed_cents=25,
                                       fee_per_mille=14)
    _list, scope = door(shop, accept_test_tickets=True)  # the sandbox's money is test money
    order = order_placed(shop, tickets=1, meals=0)
    assert order.total_cents == MAX_CENTS
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    fee = 25 + (MAX_CENTS * 14 + 500) // 1000
    payment = Payment.objects.get(order=order)
    assert (payment.amount_cents, payment.fee_cents) == (MAX_CENTS + fee, fee) and payment.amount_cents > 2**31
    payment_confirm(payment)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order_money_kept_cents(order=order) == MAX_CENTS
    assert checkin_counts(scope=scope).sold == 1
    line = order.lines.get()
    text = ticket_payload(line=line)
    # two refunds, each within the limit; their sum is past 2**31 - 1, read by the check-in's ORM
    # query and by its plain SQL (a numeric on PostgreSQL: SUM of bigint)
    for amount in (MAX_CENTS, fee):
        assert refund_create(payment=payment, amount_cents=amount).state == RefundState.DONE
    refunded = Refund.objects.filter(payment=payment).aggregate(cents=Sum("amount_cents"))["cents"]
    assert refunded == MAX_CENTS + fee and type(refunded) is int
    assert order_money_kept_cents(order=order) == -fee  # the fee given back too
    assert checkin_counts(scope=scope).sold == 0
    assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.REVOKED


def test_revenue_beyond_32_bits_adds_up_exactly(shop: Shop) -> None:
    _largest_price(shop)
    for _ in range(3):
        payment_start(order=order_placed(shop, tickets=1, meals=0), provider_id="sandbox", urls=URLS)
    for payment in Payment.objects.all():
        payment_confirm(payment)
    assert Order.objects.filter(state=OrderState.PAID).count() == 3
    sums = Payment.objects.aggregate(total=Sum("amount_cents"), kept=Sum(F("amount_cents") - F("fee_cents")))
    assert sums == {"total": 3 * MAX_CENTS, "kept": 3 * MAX_CENTS}
    assert Order.objects.aggregate(total=Sum("total_cents"))["total"] == 3 * MAX_CENTS == 6_442_450_941


@pytest.mark.parametrize("cents", [MAX_CENTS + 1, 2**62])
def test_staff_cannot_type_an_amount_beyond_the_limit(shop: Shop, cents: int) -> None:
    # a 64-bit column's own range would let it through (and SQLite's always did): the field's validator
    price = Price(product=shop.ticket, name="Mécène", amount_cents=cents)
    with pytest.raises(ValidationError) as raised:
        price.full_clean()
    assert raised.value.message_dict == {"amount_cents": [TOO_LARGE]}
    product = Product(event=shop.event, kind="donation", name="Don", donation_min_cents=100, donation_max_cents=cents)
    with pytest.raises(ValidationError) as raised:
        product.full_clean()
    assert raised.value.message_dict == {"donation_max_cents": [TOO_LARGE]}
    Price(product=shop.ticket, name="Mécène", amount_cents=MAX_CENTS).full_clean()


def test_payment_method_admin_refuses_a_limit_or_fee_beyond_the_limit(shop: Shop) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    config = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox")
    url = f"/admin/payments/paymentmethodconfig/{config.pk}/change/"
    form = {"organizer": shop.organizer.pk, "provider": "sandbox", "enabled": "on", "on_web": "on", "mode": "sandbox",
            "position": 0, "fee_fixed_cents": MAX_CENTS + 1, "fee_per_mille": 0, "days_to_pay": 7,
            "max_amount_cents": MAX_CENTS + 1}
    response = client.post(url, form)
    assert response.status_code == 200
    assert response.content.decode().count(TOO_LARGE.replace("'", "&#x27;")) == 2
    form["max_amount_cents"] = 10**19  # past 64 bits: the form field's own bound, a message too
    assert "inférieure ou égale à" in client.post(url, form).content.decode()
    config.refresh_from_db()
    assert (config.fee_fixed_cents, config.max_amount_cents) == (0, None)
    form.update(fee_fixed_cents=MAX_CENTS, max_amount_cents=MAX_CENTS)
    assert client.post(url, form).status_code == 302
    config.refresh_from_db()
    assert (config.fee_fixed_cents, config.max_amount_cents) == (MAX_CENTS, MAX_CENTS)
