"""Browser tests: pytest-playwright driving Debian's chromium against Django's live server."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# from that thread are plain synchronous calls, so Django's async guard does not apply
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) is None:
        raise pytest.UsageError(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture(autouse=True)
def _short_timeouts(page: Any) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
