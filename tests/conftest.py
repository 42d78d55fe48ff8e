from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.factories import Shop, shop_create


@pytest.fixture(autouse=True)
def _settings_for_tests(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture(autouse=True)
def _process_caches_clear() -> Iterator[None]:
    """Check-in keeps list scopes and event public keys per process, and the local-memory cache
    keeps keys such as "api-token-touched:{pk}": ids repeat across tests (SQLite reuses them)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from billetterie.checkin.selectors import checkin_scope_cache_clear
    from billetterie.tickets.selectors import public_keys_cache_clear

    def clear() -> None:
        checkin_scope_cache_clear()
        public_keys_cache_clear()
        for cache in caches.all(initialized_only=True):
            if isinstance(cache, LocMemCache):  # never a developer's Redis
                cache.clear()

    clear()
    yield
    clear()


@pytest.fixture
def shop(db: None) -> Shop:
    return shop_create()


@pytest.fixture
def sandbox_notices_inline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, str]]]:
    """Deliver the sandbox PSP's notices through the Django test client instead of HTTP."""
    delivered: list[tuple[str, str, str]] = []

    def deliver(notify_url: str, body: str, signature: str) -> None:
        from urllib.parse import urlsplit

        delivered.append((notify_url, body, signature))
        response = Client().post(
            urlsplit(notify_url).path, data=body, content_type="application/json",
            headers={"X-Sandbox-Signature": signature},
        )
        assert response.status_code == 200, response.content

    monkeypatch.setattr("billetterie.payments.sandbox_psp._deliver", deliver)
    yield delivered


from tests.payments.fakes import localstripe_url, paypal_ready, paypal_url, stripe_ready  # noqa: E402, F401
