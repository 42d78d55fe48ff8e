"""Session fixtures: localstripe and the fake PayPal on free loopback ports (imported by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billetterie.organizers.models import Organizer
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import Mode
from billetterie.payments.services import payment_method_credentials_set
from billetterie_fakes.servers import paypal as fake_paypal
from billetterie_fakes.servers import start

STRIPE_CREDENTIALS = {"publishable_key": "pk_test_billetterie", "secret_key": "sk_test_billetterie",
                      "webhook_secret": "whsec_test_billetterie"}
PAYPAL_CREDENTIALS = {"client_id": "fake-client", "client_secret": "fake-secret", "webhook_id": "WH-TEST-1"}


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    proc, url = start("stripe")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def paypal_url() -> Iterator[str]:
    server, _thread = fake_paypal.serve()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def method_setup(organizer: Organizer, provider: str, credentials: dict[str, str], *, mode: str = Mode.SANDBOX,
                 position: int = 0) -> PaymentMethodConfig:
    config, _created = PaymentMethodConfig.objects.update_or_create(
        organizer=organizer, provider=provider, defaults={"mode": mode, "position": position, "enabled": True},
    )
    payment_method_credentials_set(config=config, mode=mode, values=credentials)
    return config


@pytest.fixture
def stripe_ready(settings: object, localstripe_url: str) -> str:
    settings.STRIPE_API_BASE = localstripe_url  # type: ignore[attr-defined]
    return localstripe_url


@pytest.fixture
def paypal_ready(settings: object, paypal_url: str) -> str:
    settings.PAYPAL_API_BASE = paypal_url  # type: ignore[attr-defined]
    return paypal_url
