from __future__ import annotations

import pytest
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import OrderState
from billetterie.payments.models import PaymentMethodConfig, PaymentState
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_record_external, payment_start
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


def test_box_office_payments_in_two_parts_pay_the_order(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=2000, reference="CHQ 1234")
    order.refresh_from_db()
    assert order.state == OrderState.PAID


@pytest.mark.parametrize(("method", "cents"), [("bitcoin", 3000), ("cash", 0), ("cash", 3001), ("cash", -5)])
def test_bad_external_payments_are_refused(shop: Shop, method: str, cents: int) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    with pytest.raises(InvalidInput):
        payment_record_external(order_id=order.pk, method=method, amount_cents=cents)
    assert not order.payments.exists()


# --- the API's Idempotency-Key on recorded payments ------------------------------------------------


def _api_headers(shop: Shop, key: str) -> dict[str, str]:
    _row, token = api_token_create(organizer=shop.organizer, name="tests", permissions="orders")
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


def test_retry_of_a_payment_that_settled_an_invoice_is_replayed(shop: Shop) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice")
    order = order_placed(shop, tickets=1, meals=0)  # 15 €
    payment_start(order=order, provider_id="invoice", urls=PaymentUrls("http://t/r", "http://t/n"))
    headers = _api_headers(shop, "releve-2027-03-01-1")
    url = f"/api/v1/orders/{order.code}/payments"
    body = {"method": "transfer", "amount_cents": 1500, "reference": "VIR 123"}
    client = Client(raise_request_exception=False)
    first = client.post(url, body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    invoice = order.payments.get()
    assert (first.json()["id"], invoice.provider, invoice.state) == (invoice.pk, "invoice", PaymentState.CONFIRMED)
    # the provider stays "invoice": the retry used to compare it with "transfer" and answer 422
    again = client.post(url, body, content_type="application/json", headers=headers)
    assert again.status_code == 201, again.content
    assert again.json() == first.json()
    for other in ({**body, "amount_cents": 1000}, {**body, "reference": "VIR 456"}):
        refused = client.post(url, other, content_type="application/json", headers=headers)
        assert refused.status_code == 422 and refused.json()["code"] == "idempotency_key_reused"
    assert list(order.payments.values_list("pk", flat=True)) == [invoice.pk]
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_a_key_reused_with_another_method_or_reference_is_refused(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment = payment_record_external(order_id=order.pk, method="cheque", amount_cents=1000, reference="CHQ 1",
                                      idempotency_key="k1")
    assert payment_record_external(order_id=order.pk, method="cheque", amount_cents=1000, reference="CHQ 1",
                                   idempotency_key="k1") == payment
    for method, reference in (("cash", "CHQ 1"), ("cheque", "CHQ 2")):
        with pytest.raises(InvalidInput) as refused:
            payment_record_external(order_id=order.pk, method=method, amount_cents=1000, reference=reference,
                                    idempotency_key="k1")
        assert refused.value.code == "idempotency_key_reused"
    assert order.payments.count() == 1
