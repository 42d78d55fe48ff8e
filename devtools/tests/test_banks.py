"""The local fake bank pages: what the demo and the browser tests pay with."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from billetterie.orders.models import OrderState
from billetterie.payments.models import PaymentState, ProviderNotice
from tests.factories import Shop
from tests.payments.providers.bank import autopost, configure, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def fakes(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fakes on; their server-to-server notices go through the test client instead of HTTP."""
    settings.PAYMENT_FAKES = True
    answers: list[int] = []

    def deliver(url: str, body: str) -> int:
        response = Client().post(urlsplit(url).path, data=body.encode(),
                                 content_type="application/x-www-form-urlencoded")
        answers.append(response.status_code)
        return response.status_code

    monkeypatch.setattr("billetterie_fakes.banks.common.deliver", deliver)
    return answers


def _pay_at_the_fake(shop: Shop, provider_id: str, decision: str) -> tuple[Any, Any]:
    configure(shop, provider_id, {})  # sandbox, no credentials: the fake's test credentials
    payment, action = start(shop, provider_id)
    form = autopost(action)
    client = Client()
    page = client.post(urlsplit(form.url).path, data=form.fields)
    assert page.status_code == 200, page.content
    assert "Payer" in page.content.decode() and "Refuser" in page.content.decode()
    token = page.context["token"]
    family = urlsplit(form.url).path.split("/")[2]
    back = client.post(f"/fake-psp/{family}/decide/", data={"token": token, "decision": decision})
    return payment, back


@pytest.mark.parametrize(("provider_id", "family"), [("payzen", "lyra"), ("systempay", "lyra"),
                                                      ("mercanet", "sips"), ("sherlocks", "sips")])
def test_pay_at_the_fake_bank(shop: Shop, fakes: list[int], provider_id: str, family: str) -> None:
    payment, back = _pay_at_the_fake(shop, provider_id, "pay")
    assert fakes == [200]
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED and payment.order.state == OrderState.PAID
    if family == "lyra":
        assert back.status_code == 302
        location = back["Location"]
    else:  # SIPS posts the buyer back
        assert back.status_code == 200 and back.context["fields"]["Seal"]
        location = back.context["url"]
    returned = Client().post(urlsplit(location).path, data=back.context["fields"] if family == "sips" else {})
    assert returned.status_code == 303 and "/assoc/" in returned["Location"]


@pytest.mark.parametrize("provider_id", ["payzen", "mercanet"])
def test_refuse_at_the_fake_bank(shop: Shop, fakes: list[int], provider_id: str) -> None:
    payment, _back = _pay_at_the_fake(shop, provider_id, "refuse")
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.order.state == OrderState.PENDING
    assert ProviderNotice.objects.count() == 1


def test_fakes_are_off_by_default(shop: Shop) -> None:
    assert Client().post("/fake-psp/lyra/pay/", data={}).status_code == 404
    assert Client().post("/fake-psp/sips/decide/", data={}).status_code == 404


def test_fake_refuses_a_badly_signed_form(shop: Shop, fakes: list[int]) -> None:
    configure(shop, "payzen", {})
    _payment, action = start(shop, "payzen")
    fields = {**autopost(action).fields, "vads_amount": "1"}
    assert Client().post("/fake-psp/lyra/pay/", data=fields).status_code == 400


def test_without_fakes_an_unconfigured_method_cannot_start(shop: Shop) -> None:
    from billetterie.core.errors import InvalidInput

    configure(shop, "payzen", {})
    with pytest.raises(InvalidInput):
        start(shop, "payzen")
