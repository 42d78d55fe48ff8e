"""Two correctness paths of notice handling, with a provider registered only in this test:

- a notice that contradicts what we know (failed after confirmed, pending after an outcome)
  queues a status query to a provider that can answer one, and its answer is applied;
- a database error (lock, busy) while applying a notice answers 503 so the PSP retries, and
  nothing of that notice is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client

from billetterie.notifications.models import OutboxMessage
from billetterie.orders.models import Order, OrderState
from billetterie.payments import services
from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers import registry
from billetterie.payments.providers.base import (
    Capabilities,
    CredentialField,
    EventKind,
    NoticeRejected,
    NotSupported,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from billetterie.payments.services import notice_apply
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db
URL = "/payments/notify/scripted/assoc/"


@dataclass
class ScriptedProvider:
    """A PSP whose status answers are scripted by the test; its notices are plain JSON."""

    identifier: str = "scripted"
    name: str = "Scripted PSP"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(status_query=True))
    credential_fields: tuple[CredentialField, ...] = ()
    answers: list[ProviderEvent] = field(default_factory=list)
    status_calls: list[str] = field(default_factory=list)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> Redirect:
        return Redirect("http://127.0.0.1/pay")

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        try:
            data = json.loads(request.body)
            return [ProviderEvent(data["id"], data["ref"], EventKind(data["kind"]), data["amount"], "EUR")]
        except (ValueError, KeyError) as exc:
            raise NoticeRejected(str(exc)) from exc

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        return RefundResult(RefundOutcome.MANUAL)

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        self.status_calls.append(payment.reference)
        if not self.capabilities.status_query:
            raise NotSupported("no status")
        return [a for a in self.answers if a.payment_reference == payment.reference]


@pytest.fixture
def psp(monkeypatch: pytest.MonkeyPatch) -> ScriptedProvider:
    provider = ScriptedProvider()
    monkeypatch.setitem(registry.PROVIDERS, provider.identifier, provider)
    return provider


@pytest.fixture
def payment(shop: Shop, psp: ScriptedProvider) -> Payment:
    order = order_placed(shop, tickets=1, meals=0)
    return Payment.objects.create(order=order, provider=psp.identifier, amount_cents=order.total_cents,
                                  currency="EUR")


def _notice(payment: Payment, notice_id: str, kind: EventKind) -> None:
    notice_apply(provider_id="scripted", organizer_id=payment.order.organizer_id,
                 event=ProviderEvent(notice_id, payment.reference, kind, payment.amount_cents, "EUR"))


def _state(payment: Payment) -> tuple[str, str]:
    payment.refresh_from_db()
    return payment.state, Order.objects.get(pk=payment.order_id).state


def test_failed_after_confirmed_asks_the_psp_and_keeps_its_answer(
        payment: Payment, psp: ScriptedProvider, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n1", EventKind.CONFIRMED)
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID) and psp.status_calls == []
    psp.answers = [ProviderEvent("s1", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR")]
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n2", EventKind.FAILED)  # late, out of order
    assert psp.status_calls == [payment.reference]
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)
    assert set(ProviderNotice.objects.values_list("notice_id", flat=True)) == {"n1", "n2", "s1"}


def test_pending_after_failed_asks_the_psp_and_applies_its_answer(
        payment: Payment, psp: ScriptedProvider, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n1", EventKind.FAILED)
    assert _state(payment) == (PaymentState.FAILED, OrderState.PENDING)
    psp.answers = [ProviderEvent("s1", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notice(payment, "n2", EventKind.PENDING)
    assert len(callbacks) >= 1 and psp.status_calls == [payment.reference]
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)  # the PSP's word settles it
    assert OutboxMessage.objects.filter(order_id=payment.order_id).count() == 1  # confirmation, once


def test_pending_after_confirmed_asks_once_and_status_answers_do_not_loop(
        payment: Payment, psp: ScriptedProvider, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n1", EventKind.CONFIRMED)
    # the PSP's status contradicts us too: applied as a status answer, it must not query again
    psp.answers = [ProviderEvent("s1", payment.reference, EventKind.PENDING, payment.amount_cents, "EUR")]
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n2", EventKind.PENDING)
    assert psp.status_calls == [payment.reference]
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)


def test_in_order_notices_ask_nothing(payment: Payment, psp: ScriptedProvider,
                                      django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n1", EventKind.PENDING)
        _notice(payment, "n2", EventKind.CONFIRMED)
        _notice(payment, "n2", EventKind.FAILED)  # a replayed id: ignored, no conflict
    assert psp.status_calls == []
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)


def test_provider_without_status_query_is_not_asked(payment: Payment, psp: ScriptedProvider,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    psp.capabilities = Capabilities(status_query=False)
    with django_capture_on_commit_callbacks(execute=True):
        _notice(payment, "n1", EventKind.CONFIRMED)
        _notice(payment, "n2", EventKind.FAILED)
    assert psp.status_calls == []
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)


# --- the database gives way while a notice is applied ---------------------------------------------


def _post(payment: Payment, notice_id: str = "n1", kind: str = "confirmed") -> int:
    body = json.dumps({"id": notice_id, "ref": payment.reference, "kind": kind, "amount": payment.amount_cents})
    return Client().post(URL, data=body, content_type="application/json").status_code


@pytest.mark.parametrize("where", ["order_mark_paid", "notice_row"])
def test_database_lock_answers_503_and_writes_nothing(
        payment: Payment, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    if where == "order_mark_paid":  # late: the notice row and the payment's state are already written
        monkeypatch.setattr(services, "order_mark_paid", locked)
    else:
        monkeypatch.setattr(ProviderNotice.objects, "create", locked)
    assert _post(payment) == 503  # the PSP will send it again
    assert _state(payment) == (PaymentState.CREATED, OrderState.PENDING)
    assert not ProviderNotice.objects.exists()
    assert not OutboxMessage.objects.exists()

    monkeypatch.undo()
    monkeypatch.setitem(registry.PROVIDERS, "scripted", ScriptedProvider())
    assert _post(payment) == 200  # the retry goes through, once
    assert _post(payment) == 200
    assert _state(payment) == (PaymentState.CONFIRMED, OrderState.PAID)
    assert ProviderNotice.objects.count() == 1


def test_database_busy_reading_the_settings_answers_503(payment: Payment, monkeypatch: pytest.MonkeyPatch) -> None:
    from billetterie.payments import views

    def busy(**kwargs: object) -> None:
        raise OperationalError("could not obtain lock")

    monkeypatch.setattr(views, "provider_config", busy)
    assert _post(payment) == 503
    assert _state(payment) == (PaymentState.CREATED, OrderState.PENDING)
    assert not ProviderNotice.objects.exists()
