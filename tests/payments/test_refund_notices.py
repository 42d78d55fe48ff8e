"""A PSP's notices about refunds close the refund they are about, and only that one.

A PSP sends several notices about one refund (Stripe: refund.created then refund.updated, two
event ids). A notice taken for another refund of the same amount closed a refund that was never
sent (its retry then did nothing): the books said 30 € refunded, the PSP had refunded 15 €."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from billetterie.payments.models import Payment, Refund, RefundState
from billetterie.payments.providers import registry
from billetterie.payments.providers.base import (
    Capabilities,
    CredentialField,
    EventKind,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    ProviderUnavailable,
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from billetterie.payments.providers.stripe import StripeProvider
from billetterie.payments.services import _refund_set, notice_apply, refund_create, refund_execute, refund_row_create
from tests.factories import Shop, order_placed, payment_confirm

pytestmark = pytest.mark.django_db
OUTSIDE = "Le service de paiement signale un remboursement fait en dehors de billetterie."


@dataclass
class RefundingPsp:
    """Refunds at once, with ids re_1, re_2…; `down`: unreachable; `answer_lost`: the PSP makes the
    refund but its answer never reaches us (a timeout, or our process stopped)."""

    identifier: str = "refpsp"
    name: str = "Refunding PSP"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(refund=True, partial_refund=True))
    credential_fields: tuple[CredentialField, ...] = ()
    down: bool = False
    answer_lost: bool = False
    sent: list[str] = field(default_factory=list)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> Redirect:
        return Redirect("http://127.0.0.1/pay")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        if self.down:
            raise ProviderUnavailable("timeout")
        self.sent.append(refund.reference)
        if self.answer_lost:
            raise ProviderUnavailable("read timeout")
        return RefundResult(RefundOutcome.DONE, psp_reference=f"re_{len(self.sent)}")


@pytest.fixture
def psp(monkeypatch: pytest.MonkeyPatch) -> RefundingPsp:
    provider = RefundingPsp()
    monkeypatch.setitem(registry.PROVIDERS, provider.identifier, provider)
    return provider


@pytest.fixture
def payment(shop: Shop, psp: RefundingPsp) -> Payment:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment = Payment.objects.create(order=order, provider=psp.identifier, amount_cents=3000, currency="EUR",
                                     psp_reference="pi_1")
    payment_confirm(payment)  # through the services, so that the books follow
    payment.refresh_from_db()
    return payment


def _refund_notice(payment: Payment, notice_id: str, psp_reference: str = "", amount: int = 1500,
                   refund_reference: str = "") -> None:
    notice_apply(provider_id=payment.provider, organizer_id=payment.order.organizer_id, event=ProviderEvent(
        notice_id, payment.reference, EventKind.REFUNDED, amount, "EUR", psp_reference=psp_reference,
        refund_reference=refund_reference))


def _refunds(payment: Payment) -> list[tuple[str, str]]:
    return [(r.state, r.psp_reference) for r in payment.refunds.order_by("id")]


def _flag(payment: Payment) -> str:
    payment.refresh_from_db()
    return payment.needs_attention


def test_a_second_notice_of_one_psp_refund_does_not_close_another_refund(psp: RefundingPsp, payment: Payment) -> None:
    first = refund_create(payment=payment, amount_cents=1500)
    assert (first.state, first.psp_reference) == (RefundState.DONE, "re_1")
    _refund_notice(payment, "evt_refund_created", "re_1")
    psp.down = True
    second = refund_create(payment=payment, amount_cents=1500)
    assert second.state == RefundState.CREATED
    _refund_notice(payment, "evt_refund_updated", "re_1")  # another notice about re_1
    assert Refund.objects.get(pk=second.pk).state == RefundState.CREATED
    psp.down = False
    second = refund_execute(refund_id=second.pk)  # the retry task
    assert psp.sent == [first.reference, second.reference]
    assert _refunds(payment) == [(RefundState.DONE, "re_1"), (RefundState.DONE, "re_2")]
    assert _flag(payment) == ""


def test_a_refund_whose_answer_was_lost_is_closed_by_the_notice_and_not_sent_again(
    psp: RefundingPsp, payment: Payment
) -> None:
    psp.answer_lost = True
    refund = refund_create(payment=payment, amount_cents=1500)
    assert refund.state == RefundState.CREATED and psp.sent == [refund.reference]
    _refund_notice(payment, "evt_1", "re_1")  # the PSP has no way to name our refund: the amount decides
    assert _refunds(payment) == [(RefundState.DONE, "re_1")]
    psp.answer_lost = False
    refund_execute(refund_id=refund.pk)  # the retry task finds it closed
    assert psp.sent == [refund.reference]
    assert _flag(payment) == ""


def test_a_notice_naming_our_refund_closes_exactly_that_one(psp: RefundingPsp, payment: Payment) -> None:
    psp.down = True
    first = refund_create(payment=payment, amount_cents=1500)
    second = refund_create(payment=payment, amount_cents=1500)
    # the second one reached the PSP (its answer was lost); the notice carries our reference
    _refund_notice(payment, "evt_1", "re_77", refund_reference=second.reference)
    assert _refunds(payment) == [(RefundState.CREATED, ""), (RefundState.DONE, "re_77")]
    _refund_notice(payment, "evt_2", "re_77", refund_reference=second.reference)  # refund.updated
    assert _refunds(payment) == [(RefundState.CREATED, ""), (RefundState.DONE, "re_77")]
    psp.down = False
    refund_execute(refund_id=first.pk)
    assert psp.sent == [first.reference]
    assert _flag(payment) == ""


def test_a_notice_naming_a_refund_that_is_not_ours_closes_nothing(psp: RefundingPsp, payment: Payment) -> None:
    psp.down = True
    refund = refund_create(payment=payment, amount_cents=1500)
    _refund_notice(payment, "evt_1", "re_5", refund_reference="someone-elses-reference")
    assert _refunds(payment) == [(RefundState.CREATED, "")]
    assert _flag(payment) == OUTSIDE
    psp.down = False
    assert refund_execute(refund_id=refund.pk).state == RefundState.DONE


def test_a_refund_the_psp_named_otherwise_is_not_closed_by_another_id(psp: RefundingPsp, payment: Payment) -> None:
    pending = refund_row_create(payment=payment, amount_cents=1500)  # through the services: the books follow
    _refund_set(pending, RefundState.PENDING, psp_reference="re_pending")
    _refund_notice(payment, "evt_1", "re_other")  # same amount, another PSP refund: made outside billetterie
    assert _refunds(payment) == [(RefundState.PENDING, "re_pending")]
    assert _flag(payment) == OUTSIDE
    _refund_notice(payment, "evt_2", "re_pending")
    pending.refresh_from_db()
    assert (pending.state, pending.psp_reference) == (RefundState.DONE, "re_pending") and pending.done_at


def test_a_notice_without_any_id_prefers_a_refund_known_to_have_reached_the_psp(
    psp: RefundingPsp, payment: Payment
) -> None:
    # a PSP whose refund notices carry no id: a second notice about the refund made is not taken
    # for the unsent one (left open, the retry sends it with its idempotency key)
    refund_create(payment=payment, amount_cents=1500)
    psp.down = True
    unsent = refund_create(payment=payment, amount_cents=1500)
    _refund_notice(payment, "evt_1")
    _refund_notice(payment, "evt_2")
    assert _refunds(payment) == [(RefundState.DONE, "re_1"), (RefundState.CREATED, "")]
    assert _flag(payment) == ""
    psp.down = False
    assert refund_execute(refund_id=unsent.pk).state == RefundState.DONE and len(psp.sent) == 2


def test_a_notice_about_a_refund_recorded_as_failed_is_flagged(psp: RefundingPsp, payment: Payment) -> None:
    Refund.objects.create(payment=payment, amount_cents=1500, state=RefundState.FAILED, psp_reference="re_9")
    _refund_notice(payment, "evt_1", "re_9")
    assert _refunds(payment) == [(RefundState.FAILED, "re_9")]
    assert _flag(payment) == ("Le service de paiement signale comme fait un remboursement enregistré ici comme "
                              "échoué\u00a0: vérifiez-le dans l'espace marchand du prestataire.")


def test_a_refund_nobody_asked_for_is_flagged(psp: RefundingPsp, payment: Payment) -> None:
    refund_create(payment=payment, amount_cents=1000)
    _refund_notice(payment, "evt_1", "re_dashboard", amount=1500)
    assert _refunds(payment) == [(RefundState.DONE, "re_1")]
    assert _flag(payment) == OUTSIDE


@pytest.mark.parametrize("kind", ["refund.created", "refund.updated"])
def test_stripe_refund_notices_carry_our_refund_reference(kind: str) -> None:
    # refund() sends {"payment_reference", "refund_reference"} as the Stripe refund's metadata
    event = StripeProvider()._events_of_webhook({
        "id": "evt_1", "type": kind, "data": {"object": {
            "id": "re_1", "object": "refund", "amount": 1500, "currency": "eur", "status": "succeeded",
            "metadata": {"payment_reference": "pay-ref", "refund_reference": "our-ref"}}},
    })
    assert [(e.kind, e.payment_reference, e.psp_reference, e.refund_reference, e.amount_cents) for e in event] == [
        (EventKind.REFUNDED, "pay-ref", "re_1", "our-ref", 1500)]
