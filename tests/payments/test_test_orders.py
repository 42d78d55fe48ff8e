"""Free tickets with the public test card (issue 9, item 3): outside the demo, the built-in sandbox
is offered only when the organiser's staff turn it on, and every order paid with test money is a
test order (decision 0010)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from billetterie.core.errors import InvalidInput
from billetterie.orders.models import OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, PaymentMethodConfig, PaymentState
from billetterie.payments.selectors import live_methods, methods_offered, payments_enabled, shop_test_mode
from billetterie.payments.services import payment_record_external, payment_start
from tests.factories import URLS, Shop, order_paid, order_placed, payment_confirm, sandbox_turned_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings: Any) -> None:
    """A server that does not run the demo (SANDBOX_PAYMENTS unset)."""
    settings.SANDBOX_PAYMENTS_DEFAULT = False


def _offered(shop: Shop, channel: str, amount: int = 1500) -> list[str]:
    return [m.provider_id for m in methods_offered(organizer=shop.organizer, channel=channel, amount_cents=amount)]


def test_an_organiser_with_no_method_is_offered_no_sandbox_outside_the_demo(shop: Shop, production: None) -> None:
    assert _offered(shop, "web") == [] and _offered(shop, "api") == []
    assert _offered(shop, "box_office") == ["cash", "cheque", "card_terminal"]  # money staff take in hand
    assert not payments_enabled(organizer=shop.organizer, channel="web")
    assert not shop_test_mode(organizer=shop.organizer)


def test_the_demo_setting_offers_the_sandbox_to_an_organiser_with_no_method(shop: Shop, settings: Any) -> None:
    settings.SANDBOX_PAYMENTS_DEFAULT = True
    assert _offered(shop, "web") == ["sandbox"] and _offered(shop, "api") == ["sandbox"]
    assert shop_test_mode(organizer=shop.organizer)


def test_a_sandbox_payment_cannot_be_started_for_an_organiser_with_no_method(shop: Shop, settings: Any) -> None:
    order = order_placed(shop, tickets=1, meals=0)  # placed while this server offered the sandbox (or through the API)
    settings.SANDBOX_PAYMENTS_DEFAULT = False
    with pytest.raises(InvalidInput) as refused:
        payment_start(order=order, provider_id="sandbox", urls=URLS)
    assert refused.value.code == "payments_not_enabled"
    assert not Payment.objects.exists()


def test_a_direct_post_to_pay_with_the_sandbox_is_refused(shop: Shop, settings: Any) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    settings.SANDBOX_PAYMENTS_DEFAULT = False
    response = Client().post(reverse("shop:order_pay", args=[shop.organizer.slug, order.code, order.secret]),
                             {"provider": "sandbox"})
    assert response.status_code == 422
    assert "Les paiements en ligne ne sont pas encore activés par" in response.content.decode()
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and not order.testmode


def test_the_sandbox_turned_on_by_staff_makes_test_orders(shop: Shop, production: None) -> None:
    sandbox_turned_on(shop)
    assert _offered(shop, "web") == ["sandbox"] and shop_test_mode(organizer=shop.organizer)
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    payment = order.payments.get()
    assert order.state == OrderState.PAID and order.testmode
    assert payment.state == PaymentState.CONFIRMED and payment.testmode


def test_the_sandbox_is_test_money_even_in_live_mode(shop: Shop, production: None) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", mode="live")
    [method] = methods_offered(organizer=shop.organizer, channel="web", amount_cents=1500)
    assert method.sandbox
    assert order_paid(shop, tickets=1, meals=0, method="sandbox").testmode


def test_a_payment_service_in_sandbox_mode_makes_test_orders_in_live_mode_real_ones(shop: Shop) -> None:
    """Any provider's test mode (Stripe test keys, PayZen TEST, seed 003's 1 € test order) is test
    money; the mode the payment started in decides, not the mode when its notice comes."""
    config = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="stripe", mode="sandbox")
    test_order = order_placed(shop, tickets=1, meals=0)
    test_order.payments.create(provider="stripe", amount_cents=1500, testmode=True)  # as payment_start records it
    [method] = methods_offered(organizer=shop.organizer, channel="web", amount_cents=1500)
    assert method.sandbox  # what payment_start copies to Payment.testmode
    config.mode = "live"  # switched to live before the test payment's notice came
    config.save(update_fields=["mode"])
    [live] = methods_offered(organizer=shop.organizer, channel="web", amount_cents=1500)
    assert not live.sandbox
    payment_confirm(test_order.payments.get())
    test_order.refresh_from_db()
    assert test_order.state == OrderState.PAID and test_order.testmode
    real_order = order_placed(shop, tickets=1, meals=0)
    real_order.payments.create(provider="stripe", amount_cents=1500, testmode=False)
    payment_confirm(real_order.payments.get())
    real_order.refresh_from_db()
    assert real_order.state == OrderState.PAID and not real_order.testmode


def test_payment_start_records_the_mode_it_starts_in(shop: Shop, production: None) -> None:
    sandbox_turned_on(shop)
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", position=1)
    sandbox_order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=sandbox_order, provider_id="sandbox", urls=URLS)
    transfer_order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=transfer_order, provider_id="transfer", urls=URLS)
    assert sandbox_order.payments.get().testmode
    assert not transfer_order.payments.get().testmode  # a bank transfer is real money


def test_test_money_keeps_an_order_a_test_one_whatever_pays_the_rest(shop: Shop, production: None) -> None:
    sandbox_turned_on(shop)
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    test_payment = order.payments.get()
    payment_confirm(test_payment)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.testmode
    # a part payment in test money, the rest in cash: still a test order
    other = order_placed(shop, tickets=2, meals=0)
    payment_record_external(order_id=other.pk, method="cash", amount_cents=1000)
    payment_start(order=other, provider_id="sandbox", urls=URLS)
    payment_confirm(other.payments.get(provider="sandbox"))
    other.refresh_from_db()
    assert other.state == OrderState.PAID and other.testmode


def test_a_test_payment_never_turns_a_live_sale_into_a_test_order(shop: Shop, production: None) -> None:
    sandbox_turned_on(shop)
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)  # started, then paid at the box office
    payment_record_external(order_id=order.pk, method="card_terminal", amount_cents=1500)
    payment_confirm(order.payments.get(provider="sandbox"))  # the test payment arrives late: given back
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not order.testmode
    assert order.payments.get(provider="sandbox").refunds.exists()


def test_box_office_money_is_live(shop: Shop, production: None) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not order.testmode


def test_free_orders_still_work_and_are_real(shop: Shop, production: None) -> None:
    shop.adult.amount_cents = 0
    shop.adult.save(update_fields=["amount_cents"])
    order = order_placed(shop, tickets=1, meals=0)
    assert order.state == OrderState.PAID and not order.testmode


def test_live_methods_are_those_taking_real_money(shop: Shop) -> None:
    def ids() -> list[str]:
        return [c.provider for c in live_methods(organizer=shop.organizer)]

    sandbox_turned_on(shop)
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="stripe", mode="sandbox")
    assert ids() == []
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="paypal", mode="live")
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer")  # its mode says nothing
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="payzen", mode="live", enabled=False)
    assert sorted(ids()) == ["paypal", "transfer"]


def _staff_client(shop: Shop) -> Client:
    user = get_user_model().objects.create_user("staff", password="x", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_payment_methods_page_warns_when_no_live_method_is_set_up(shop: Shop, production: None) -> None:
    client = _staff_client(shop)
    page = client.get(reverse("admin:payments_paymentmethodconfig_changelist")).content.decode()
    assert "aucun moyen de paiement réel configuré" in page
    sandbox_turned_on(shop)
    page = client.get(reverse("admin:payments_paymentmethodconfig_changelist")).content.decode()
    assert "ne prend que des paiements de test" in page
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="stripe", mode="live")
    page = client.get(reverse("admin:payments_paymentmethodconfig_changelist")).content.decode()
    assert "aucun moyen de paiement réel" not in page and "paiements de test" not in page


def test_the_admin_marks_test_orders_and_filters_them(shop: Shop, production: None) -> None:
    sandbox_turned_on(shop)
    test_order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    real_order = order_placed(shop, tickets=1, meals=0)
    payment_record_external(order_id=real_order.pk, method="cash", amount_cents=1500)
    client = _staff_client(shop)
    changelist = reverse("admin:orders_order_changelist")
    page = client.get(changelist).content.decode()
    assert page.count('class="test-order"') == 1
    assert "commandes de test" in page  # the filter's title
    only_test = client.get(changelist, {"test": "1"}).content.decode()
    assert test_order.code in only_test and real_order.code not in only_test
    only_real = client.get(changelist, {"test": "0"}).content.decode()
    assert real_order.code in only_real and test_order.code not in only_real
    detail = client.get(reverse("admin:orders_order_change", args=[test_order.pk])).content.decode()
    assert "elle a été payée en mode test" in detail and 'class="test-order"' in detail
    real_detail = client.get(reverse("admin:orders_order_change", args=[real_order.pk])).content.decode()
    assert "elle a été payée en mode test" not in real_detail and 'class="test-order"' not in real_detail


def test_the_demo_still_takes_sandbox_payments(production: None) -> None:
    call_command("load_demo", password="x", verbosity=0)
    organizer = Organizer.objects.get(slug="bts-fed")
    assert "sandbox" in [m.provider_id for m in methods_offered(organizer=organizer, channel="web",
                                                                 amount_cents=1500)]
    assert organizer.events.get(slug="jip-2027").checkin_lists.get().accept_test_tickets
