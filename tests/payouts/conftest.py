"""The payouts tests' fixtures: a fresh fake of Stripe's payouts API per test, on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from billetterie_fakes.servers import stripe_payouts


@pytest.fixture
def stripe_fake(settings: Any) -> Iterator[stripe_payouts.State]:
    server, state = stripe_payouts.serve()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()
