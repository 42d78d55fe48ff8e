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


# --- the books: the ledger checker after every test that uses the database (issue 13) -----------

_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
_ledger_found: list[tuple[str, list[str]]] = []


@pytest.fixture(autouse=True)
def _ledger_checked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run `ledger_violations` at the end of each test that uses the database, before its rollback:
    the database fixture is set up here first, so it is torn down after this check. What it finds
    fails the session (`pytest_sessionfinish`) and is listed with the test's id. A test that breaks
    the books on purpose is marked `ledger_unchecked`."""
    node = request.node
    uses_db = node.get_closest_marker("django_db") is not None or bool(_DB_FIXTURES & set(request.fixturenames))
    if not uses_db or node.get_closest_marker("ledger_unchecked") is not None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import DatabaseError
    from django.db.transaction import TransactionManagementError

    from billetterie.ledger.checks import ledger_violations

    with blocker.unblock():
        try:
            found = ledger_violations()
        except (DatabaseError, TransactionManagementError):  # the test left its connection unusable
            return
    if found:
        _ledger_found.append((node.nodeid, found))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ledger_found and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ledger_found:
        return
    terminalreporter.section("ledger violations", sep="=", red=True, bold=True)
    for nodeid, found in _ledger_found:
        terminalreporter.line(nodeid, red=True)
        for violation in found:
            terminalreporter.line(f"    {violation}")
    terminalreporter.line(f"{sum(len(f) for _, f in _ledger_found)} violation(s) in {len(_ledger_found)} test(s)")


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
