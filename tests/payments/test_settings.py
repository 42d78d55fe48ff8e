"""Per-organiser payment settings: credentials encrypted and never shown back, the methods
offered per channel and amount, fees, the test-mode banner."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from billetterie.payments.crypto import credentials_decrypt
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import Mode
from billetterie.payments.selectors import method_fee, methods_offered, provider_config, shop_test_mode
from billetterie.payments.services import payment_method_credentials_set
from tests.factories import Shop

pytestmark = pytest.mark.django_db
SECRET = "sk_test_SuperSecretValue1234"


def _config(shop: Shop, provider: str, **fields: object) -> PaymentMethodConfig:
    return PaymentMethodConfig.objects.create(organizer=shop.organizer, provider=provider, **fields)


def test_credentials_are_encrypted_and_modes_kept_apart(shop: Shop) -> None:
    config = _config(shop, "stripe")
    payment_method_credentials_set(config=config, mode=Mode.SANDBOX, values={"secret_key": SECRET})
    payment_method_credentials_set(config=config, mode=Mode.LIVE, values={"secret_key": "sk_live_other9999"})
    config.refresh_from_db()
    assert SECRET.encode() not in bytes(config.sandbox_credentials)
    assert provider_config(organizer_id=shop.organizer.pk, provider_id="stripe").credentials == {"secret_key": SECRET}
    config.mode = "live"
    config.save()
    live = provider_config(organizer_id=shop.organizer.pk, provider_id="stripe")
    assert live.mode == Mode.LIVE and live.credentials == {"secret_key": "sk_live_other9999"}
    # blank keeps, a single space removes
    payment_method_credentials_set(config=config, mode=Mode.SANDBOX, values={"secret_key": ""})
    assert credentials_decrypt(config.sandbox_credentials) == {"secret_key": SECRET}
    payment_method_credentials_set(config=config, mode=Mode.SANDBOX, values={"secret_key": " "})
    assert credentials_decrypt(config.sandbox_credentials) == {}


def test_admin_never_shows_nor_logs_a_secret(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    config = _config(shop, "stripe")
    url = f"/admin/payments/paymentmethodconfig/{config.pk}/change/"
    form = {"organizer": shop.organizer.pk, "provider": "stripe", "enabled": "on", "on_web": "on", "mode": "sandbox",
            "position": 0, "fee_fixed_cents": 0, "fee_per_mille": 0, "days_to_pay": 7,
            "cred_sandbox_publishable_key": "pk_test_abc", "cred_sandbox_secret_key": SECRET,
            "cred_sandbox_webhook_secret": "whsec_hidden5678"}
    assert client.post(url, form).status_code == 302
    page = client.get(url).content.decode()
    assert SECRET not in page and "whsec_hidden5678" not in page
    assert "1234" in page  # the last characters, masked
    assert "pk_test_abc" in page  # not a secret
    form["cred_sandbox_secret_key"] = ""  # blank keeps it
    assert client.post(url, form).status_code == 302
    assert provider_config(organizer_id=shop.organizer.pk, provider_id="stripe").credentials["secret_key"] == SECRET
    assert SECRET not in caplog.text and "whsec_hidden5678" not in caplog.text
    from django.contrib.admin.models import LogEntry

    assert all(SECRET not in entry.change_message for entry in LogEntry.objects.all())


def test_without_settings_the_sandbox_is_offered(shop: Shop) -> None:
    assert [m.provider_id for m in methods_offered(organizer=shop.organizer, channel="web", amount_cents=1500)] == [
        "sandbox"
    ]
    assert [m.provider_id for m in methods_offered(organizer=shop.organizer, channel="box_office",
                                                   amount_cents=1500)] == ["cash", "cheque", "card_terminal"]
    assert shop_test_mode(organizer=shop.organizer)


def test_channels_order_amount_rules_and_fees(shop: Shop) -> None:
    _config(shop, "paypal", position=2, mode="live", max_amount_cents=10_000)
    _config(shop, "stripe", position=1, mode="live", fee_fixed_cents=25, fee_per_mille=14)
    _config(shop, "transfer", position=3, min_amount_cents=5000)
    _config(shop, "cash", position=4, on_web=False, on_box_office=True)
    _config(shop, "sandbox", position=5, enabled=False)

    def ids(amount: int, channel: str = "web") -> list[str]:
        return [m.provider_id for m in methods_offered(organizer=shop.organizer, channel=channel, amount_cents=amount)]

    assert ids(6000) == ["stripe", "paypal", "transfer"]
    assert ids(50) == ["paypal"]  # cards refuse 0.01–0.99 €; the transfer has its own minimum
    assert ids(20_000) == ["stripe", "transfer"]  # over PayPal's maximum here
    assert ids(1000, "box_office") == ["cash"]
    [stripe] = [m for m in methods_offered(organizer=shop.organizer, channel="web", amount_cents=1000)
                if m.provider_id == "stripe"]
    assert stripe.fee_cents == 25 + 14  # 1.4 % of 10 € = 0.14 €
    assert "0,39" in stripe.label
    assert not shop_test_mode(organizer=shop.organizer)  # every offered online method is live


@pytest.mark.parametrize(("fixed", "per_mille", "amount", "fee"), [
    (0, 0, 1000, 0), (30, 0, 1000, 30), (0, 15, 1000, 15), (0, 15, 1033, 15), (0, 15, 1034, 16), (10, 5, 99, 10),
])
def test_fee_is_rounded_half_up_to_the_cent(shop: Shop, fixed: int, per_mille: int, amount: int, fee: int) -> None:
    config = PaymentMethodConfig(fee_fixed_cents=fixed, fee_per_mille=per_mille)
    assert method_fee(config=config, amount_cents=amount) == fee


def test_test_mode_banner_on_shop_pages(shop: Shop) -> None:
    page = Client().get(f"/{shop.organizer.slug}/").content.decode()
    assert "Mode test" in page
    _config(shop, "stripe", mode="live")
    page = Client().get(f"/{shop.organizer.slug}/").content.decode()
    assert "Mode test" not in page
