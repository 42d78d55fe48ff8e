"""Stripe's payouts fetched over HTTP from the fake of its API (pages, timeouts, bounds), stored
once, matched to the organiser's own payments and refunds."""

from __future__ import annotations

from datetime import date

import pytest

from billetterie.core.errors import InvalidInput
from billetterie.core.models import AuditEntry
from billetterie.payouts import selectors, stripe_api
from billetterie.payouts.models import Payout, PayoutImportState, PayoutItem, PayoutItemKind
from billetterie.payouts.services import TOO_MANY, UNAVAILABLE, payout_import_start, payouts_rematch
from billetterie_fakes.servers.stripe_payouts import State
from tests.factories import Shop, shop_create
from tests.payouts.helpers import paid, refunded, stripe_set_up, ts

pytestmark = pytest.mark.django_db

FEB_3, FEB_10, MARCH_2 = date(2026, 2, 3), date(2026, 2, 10), date(2026, 3, 2)


def _fetch(shop: Shop, start: date = date(2026, 2, 1), end: date = date(2026, 2, 28)) -> object:
    job = payout_import_start(organizer_id=shop.organizer.pk, start=start, end=end)
    job.refresh_from_db()
    return job


def _two_payouts(shop: Shop, fake: State) -> dict[str, object]:
    """February: a payout of two charges, a refund and a Stripe fee; another of one charge;
    March: one more (outside the period)."""
    stripe_set_up(shop)
    first, second, third = (paid(shop, provider="stripe", psp_reference=f"pi_{n}") for n in ("a", "b", "c"))
    refund = refunded(first, 500)
    assert refund.psp_reference.startswith("re_")  # made through the fake's POST /v1/refunds
    po1 = fake.payout_add(arrival_date=ts(FEB_3), transactions=[
        {"source": fake.charge_add(payment_intent="pi_a", amount=1500), "amount": 1500, "fee": 46},
        {"source": fake.charge_add(payment_intent="pi_b", amount=1500), "amount": 1500, "fee": 46},
        {"source": refund.psp_reference, "amount": -500, "fee": 0, "type": "refund"},
        {"source": None, "amount": -200, "fee": 0, "type": "stripe_fee", "description": "Radar"},
    ])
    po2 = fake.payout_add(arrival_date=ts(FEB_10), transactions=[
        {"source": fake.charge_add(payment_intent="pi_c", amount=1500), "amount": 1500, "fee": 46}])
    fake.payout_add(arrival_date=ts(MARCH_2), transactions=[])
    return {"first": first, "second": second, "third": third, "refund": refund, "po1": po1, "po2": po2}


def test_fetch_reads_every_page_and_matches_each_line(shop: Shop, stripe_fake: State,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = _two_payouts(shop, stripe_fake)
    monkeypatch.setattr(stripe_api, "PAGE", 2)  # two payouts, five lines: several pages of each list
    job = _fetch(shop)
    assert job.state == PayoutImportState.DONE, job.error
    assert (job.payouts_seen, job.payouts_new, job.items_new) == (2, 2, 5)
    assert any("starting_after" in path for path in stripe_fake.requests if path.startswith("/v1/balance"))
    po1 = Payout.objects.get(psp_id=data["po1"])
    assert (po1.arrival_date, po1.amount_cents, po1.gross_cents, po1.fee_cents) == (FEB_3, 2208, 2300, 92)
    assert po1.problem == ""
    lines = {item.kind: item for item in po1.items.all() if item.kind != PayoutItemKind.PAYMENT}
    assert lines[PayoutItemKind.REFUND].refund == data["refund"] and lines[PayoutItemKind.REFUND].problem == ""
    assert lines[PayoutItemKind.FEE].payment is None and lines[PayoutItemKind.FEE].problem == ""
    payments = {item.payment for item in po1.items.filter(kind=PayoutItemKind.PAYMENT)}
    assert payments == {data["first"], data["second"]}
    assert Payout.objects.get(psp_id=data["po2"]).items.get().payment == data["third"]
    assert not Payout.objects.filter(arrival_date=MARCH_2).exists()  # outside the period
    totals = selectors.payouts_totals(organizer_id=shop.organizer.pk, start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert (totals.count, totals.gross_cents, totals.fee_cents, totals.amount_cents, totals.to_check) == (
        2, 3800, 138, 3662, 0)
    assert AuditEntry.objects.filter(action="payout.imported").count() == 2


def test_fetching_again_adds_nothing_and_follows_the_state(shop: Shop, stripe_fake: State) -> None:
    data = _two_payouts(shop, stripe_fake)
    stripe_fake.payouts[str(data["po2"])]["status"] = "in_transit"
    _fetch(shop)
    assert Payout.objects.get(psp_id=data["po2"]).state == "in_transit"
    stripe_fake.payouts[str(data["po2"])]["status"] = "paid"
    again = _fetch(shop)
    assert (again.payouts_seen, again.payouts_new, again.items_new) == (2, 0, 0)
    assert Payout.objects.count() == 2 and PayoutItem.objects.count() == 5
    assert Payout.objects.get(psp_id=data["po2"]).state == "paid"


def test_what_disagrees_or_matches_nothing_is_listed(shop: Shop, stripe_fake: State) -> None:
    stripe_set_up(shop)
    paid(shop, provider="stripe", psp_reference="pi_short")
    waiting = paid(shop, provider="stripe", psp_reference="pi_later")
    stripe_fake.payout_add(arrival_date=ts(FEB_3), transactions=[
        {"source": stripe_fake.charge_add(payment_intent="pi_short", amount=1400), "amount": 1400, "fee": 0},
        {"source": stripe_fake.charge_add(payment_intent="pi_unknown", amount=900), "amount": 900, "fee": 0},
        {"source": None, "amount": 300, "fee": 0, "type": "adjustment"},
    ])
    _fetch(shop)
    problems = {item.psp_id: item.problem for item in selectors.items_to_check(organizer_id=shop.organizer.pk)}
    assert len(problems) == 3
    assert any("Le montant diffère" in p and "14,00" in p and "15,00" in p for p in problems.values()), problems
    assert any("Aucun paiement" in p for p in problems.values()), problems
    assert [p.pk for p in selectors.payments_not_paid_out(organizer_id=shop.organizer.pk)] == [waiting.pk]


def test_a_payment_confirmed_after_the_import_is_matched_again(shop: Shop, stripe_fake: State) -> None:
    stripe_set_up(shop)
    stripe_fake.payout_add(arrival_date=ts(FEB_3), transactions=[
        {"source": stripe_fake.charge_add(payment_intent="pi_late", amount=1500), "amount": 1500, "fee": 0}])
    _fetch(shop)
    item = PayoutItem.objects.get()
    assert item.payment is None and item.problem
    payment = paid(shop, provider="stripe", psp_reference="pi_late")
    assert payouts_rematch(organizer_id=shop.organizer.pk) == 1
    item.refresh_from_db()
    assert item.payment == payment and item.problem == ""


def test_another_organisers_payment_is_never_matched(shop: Shop, stripe_fake: State) -> None:
    other = shop_create(slug="autre")
    stripe_set_up(shop)
    theirs = paid(other, provider="stripe", psp_reference="pi_same")
    stripe_fake.payout_add(arrival_date=ts(FEB_3), transactions=[
        {"source": stripe_fake.charge_add(payment_intent="pi_same", amount=1500), "amount": 1500, "fee": 0}])
    _fetch(shop)
    item = PayoutItem.objects.get()
    assert item.payment is None and "Aucun paiement" in item.problem
    assert item.payout.organizer == shop.organizer
    assert [p.pk for p in selectors.payments_not_paid_out(organizer_id=other.organizer.pk)] == [theirs.pk]


def test_a_stripe_that_does_not_answer_in_time_stops_the_fetch_with_nothing_half_written(
        shop: Shop, stripe_fake: State, monkeypatch: pytest.MonkeyPatch) -> None:
    stripe_set_up(shop)
    stripe_fake.payout_add(arrival_date=ts(FEB_3), transactions=[{"source": None, "amount": 100, "type": "adjustment"}])
    monkeypatch.setattr(stripe_api, "TIMEOUT_SECONDS", 0.2)
    stripe_fake.delay = 1.0
    job = _fetch(shop)
    assert job.state == PayoutImportState.FAILED and job.error.startswith(UNAVAILABLE)
    assert not Payout.objects.exists()
    stripe_fake.delay = 0
    from billetterie.payouts.services import payout_import_restart

    job = payout_import_restart(organizer_id=shop.organizer.pk, import_id=job.pk)
    assert job.state == PayoutImportState.DONE and Payout.objects.count() == 1


def test_pages_are_bounded(shop: Shop, stripe_fake: State, monkeypatch: pytest.MonkeyPatch) -> None:
    stripe_set_up(shop)
    for day in (FEB_3, FEB_10):
        stripe_fake.payout_add(arrival_date=ts(day), transactions=[])
    monkeypatch.setattr(stripe_api, "PAGE", 1)
    monkeypatch.setattr(stripe_api, "MAX_PAYOUT_PAGES", 1)
    job = _fetch(shop)
    assert job.state == PayoutImportState.FAILED and job.error == TOO_MANY


def test_a_wrong_key_or_no_stripe_is_told(shop: Shop, stripe_fake: State) -> None:
    with pytest.raises(InvalidInput, match="Stripe"):
        _fetch(shop)
    from tests.payments.fakes import method_setup

    method_setup(shop.organizer, "stripe", {"secret_key": "sk_live_wrong_mode"})
    job = _fetch(shop)  # a live key in sandbox mode never reaches any Stripe
    assert job.state == PayoutImportState.FAILED and job.error.startswith(UNAVAILABLE)
    with pytest.raises(InvalidInput):
        _fetch(shop, start=date(2026, 3, 1), end=date(2026, 2, 1))


def test_a_paid_payout_moves_the_money_from_stripes_clearing_account_to_the_bank_once(
        shop: Shop, stripe_fake: State) -> None:
    from billetterie.ledger.models import Line, Transaction

    data = _two_payouts(shop, stripe_fake)
    stripe_fake.payouts[str(data["po2"])]["status"] = "in_transit"
    _fetch(shop)
    po1, po2 = (Payout.objects.get(psp_id=data[k]) for k in ("po1", "po2"))
    posted = Transaction.objects.get(key=f"payout:{po1.pk}")
    lines = {(line.account.code, line.debit_cents, line.credit_cents) for line in Line.objects.filter(
        transaction=posted).select_related("account")}
    assert lines == {("512", 2208, 0), ("627", 92, 0), ("46701", 0, 2300)}
    assert posted.testmode  # read with the sandbox's key
    assert not Transaction.objects.filter(key__startswith=f"payout:{po2.pk}").exists()  # not arrived yet
    stripe_fake.payouts[str(data["po2"])]["status"] = "paid"
    _fetch(shop)
    _fetch(shop)
    assert Transaction.objects.filter(key=f"payout:{po2.pk}").count() == 1
    stripe_fake.payouts[str(data["po2"])]["status"] = "failed"
    _fetch(shop)
    reversed_lines = Line.objects.filter(transaction__key=f"payout:{po2.pk}:reversed").select_related("account")
    assert {(x.account.code, x.debit_cents, x.credit_cents) for x in reversed_lines} == {
        ("512", 0, 1454), ("627", 0, 46), ("46701", 1500, 0)}
