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


class DoorNetwork:
    """The network between a scanner page and the server. Cutting it takes the browser offline
    (Chromium's emulation: navigator.onLine, the offline event, failed fetches) and makes the
    live server answer 503 to anything that still arrives: around a page reload Chromium's
    emulation once let a request through (CI, 2026-11-29), and a test proving that nothing
    reached the server while offline must not depend on that."""

    def __init__(self) -> None:
        self.up = True

    def cut(self, page: Any) -> None:
        self.up = False
        page.context.set_offline(True)

    def restore(self, page: Any) -> None:
        page.context.set_offline(False)
        self.up = True


@pytest.fixture
def door_network(monkeypatch: pytest.MonkeyPatch) -> DoorNetwork:
    from django.core.handlers.base import BaseHandler
    from django.http import HttpRequest, HttpResponse, HttpResponseBase

    network = DoorNetwork()
    get_response = BaseHandler.get_response

    def through_the_door(handler: BaseHandler, request: HttpRequest) -> HttpResponseBase:
        if not network.up:
            return HttpResponse(status=503)
        return get_response(handler, request)

    monkeypatch.setattr(BaseHandler, "get_response", through_the_door)
    return network


# every page of every browser test runs under the Content-Security-Policy: a script, style, frame,
# worker or form target it blocks fails the test (decision 0011)
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.documentURI);
});
"""


class CspViolations(list[str]):
    """What the browser refused under the policy: violation events and Chromium's console messages."""

    def watch(self, message: Any) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.append(text)

    def watch_context(self, context: Any) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("console", self.watch)  # every page of the context, popups and second buyers too


@pytest.fixture(autouse=True)
def csp_violations(request: pytest.FixtureRequest) -> Any:
    """Tests with their own browser (the scanner's camera) watch their contexts with `watch_context`."""
    violations = CspViolations()
    if "page" in request.fixturenames:
        violations.watch_context(request.getfixturevalue("context"))
    yield violations
    assert not violations, f"blocked by the Content-Security-Policy: {list(violations)}"
