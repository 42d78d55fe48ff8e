"""Back office, session-wide refunds (issue 11, item 5): a treasurer sees what cancelling a date
concerns, confirms, reads the report (refunded, to pay back by hand, failed) and marks a cash
refund as paid back; a part of every ticket typed in euros or as a percentage; a double click
starts one batch; Billetterie gets 403, another organiser's date or batch 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billetterie.orders.models import OrderState
from billetterie.organizers.models import Role
from billetterie.payments.batch import refund_reference
from billetterie.payments.models import Refund, RefundBatch, RefundBatchKind, RefundState
from billetterie.payments.providers.base import RefundOutcome, RefundResult
from billetterie.payments.providers.sandbox import SandboxProvider
from tests.factories import Shop, shop_create, team_member_create
from tests.payments.test_batch_refunds import _card_order, _cash_order

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def treasurer(shop: Shop) -> Client:
    return _client(team_member_create(shop.organizer, role=Role.TREASURY))


def _url(shop: Shop, name: str, *args: Any) -> str:
    return reverse(f"backoffice:refunds:{name}", args=[shop.organizer.slug, *args])


def _key(response: Any) -> str:
    return str(response.context["form"]["key"].value())


def test_the_index_lists_the_dates_with_their_holders(shop: Shop, treasurer: Client) -> None:
    _card_order(shop, quantity=2)
    response = treasurer.get(_url(shop, "index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Annuler une date" in text and "JIP 2027" in text
    assert _url(shop, "cancel_date", shop.date.pk) in text


def test_a_treasurer_cancels_a_date_and_reads_the_report(shop: Shop, treasurer: Client,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    card = _card_order(shop, quantity=2)
    cash = _cash_order(shop)
    page = treasurer.get(_url(shop, "cancel_date", shop.date.pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert "45,00\xa0€" in text and "15,00\xa0€" in text  # everything, of which cash to pay back by hand
    key = _key(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = treasurer.post(_url(shop, "cancel_date", shop.date.pk), {"key": key, "reason": "Artiste malade"})
    batch = RefundBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(shop, "batch", batch.pk)
    # a double click: the same confirmation again starts nothing more
    again = treasurer.post(_url(shop, "cancel_date", shop.date.pk), {"key": key})
    assert again.status_code == 302 and RefundBatch.objects.count() == 1 and Refund.objects.count() == 2
    report = treasurer.get(response["Location"])
    text = report.content.decode()
    assert report.status_code == 200
    assert "2 sur 2 commandes traitées" in text
    assert card.code in text and cash.code in text and cash.name in text
    assert "À rembourser à la main" in text and "Espèces" in text
    card.refresh_from_db()
    assert card.state == OrderState.REFUNDED
    # the cash buyer was paid back at the desk: marked done, the refund email goes
    refund = Refund.objects.get(payment__order=cash)
    assert refund.state == RefundState.MANUAL
    with django_capture_on_commit_callbacks(execute=True):
        done = treasurer.post(_url(shop, "mark_done", batch.pk, refund.pk))
    assert done.status_code == 302
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE


def test_a_failed_provider_refund_shows_as_failed(shop: Shop, treasurer: Client, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    order = _card_order(shop)
    monkeypatch.setattr(SandboxProvider, "refund",
                        lambda self, refund, config: RefundResult(RefundOutcome.FAILED, message="Refusé par la banque"))
    page = treasurer.get(_url(shop, "cancel_date", shop.date.pk))
    response = treasurer.post(_url(shop, "cancel_date", shop.date.pk), {"key": _key(page)})
    text = treasurer.get(response["Location"]).content.decode()
    assert 'id="section-failed"' in text and "Refusé par la banque" in text and order.code in text
    assert Refund.objects.get().reference == refund_reference(batch_id=RefundBatch.objects.get().pk,
                                                              order_id=order.pk, rank=1)


def test_a_part_of_every_ticket_typed_in_euros(shop: Shop, treasurer: Client) -> None:
    order = _card_order(shop, quantity=2)
    url = _url(shop, "part", shop.date.pk)
    key = _key(treasurer.get(url))
    bad = treasurer.post(url, {"key": key, "mode": "amount", "amount": "12,345"})
    assert bad.status_code == 400 and "Saisissez un montant en euros" in bad.content.decode()
    seen = treasurer.post(url, {"key": key, "mode": "amount", "amount": "7,5"})
    assert seen.status_code == 200 and "15,00\xa0€" in seen.content.decode()  # 7,50 € × 2 tickets
    assert not RefundBatch.objects.exists()  # nothing before the confirmation
    # changed after the figures were shown: shown again, nothing refunded
    changed = treasurer.post(url, {"key": key, "mode": "amount", "amount": "8", "seen": seen.context["seen"],
                                   "confirm": "1"})
    assert changed.status_code == 200 and not RefundBatch.objects.exists()
    done = treasurer.post(url, {"key": key, "mode": "amount", "amount": "7,5", "seen": seen.context["seen"],
                                "confirm": "1"})
    batch = RefundBatch.objects.get()
    assert done.status_code == 302 and batch.kind == RefundBatchKind.PART and batch.per_ticket_cents == 750
    assert sum(r.amount_cents for r in Refund.objects.filter(payment__order=order)) == 1500
    order.refresh_from_db()
    assert order.state == OrderState.PAID  # the tickets stay valid


def test_a_part_by_percentage(shop: Shop, treasurer: Client) -> None:
    order = _card_order(shop, quantity=3)
    url = _url(shop, "part", shop.date.pk)
    key = _key(treasurer.get(url))
    assert treasurer.post(url, {"key": key, "mode": "percent", "percent": "120"}).status_code == 400
    seen = treasurer.post(url, {"key": key, "mode": "percent", "percent": "33,33"})
    assert "15,00\xa0€" in seen.content.decode()
    treasurer.post(url, {"key": key, "mode": "percent", "percent": "33,33", "seen": seen.context["seen"],
                         "confirm": "1"})
    assert sum(r.amount_cents for r in Refund.objects.filter(payment__order=order)) == 1500


def test_ticketing_staff_are_refused(shop: Shop) -> None:
    ticketing = _client(team_member_create(shop.organizer, role=Role.TICKETING))
    for url in (_url(shop, "index"), _url(shop, "cancel_date", shop.date.pk), _url(shop, "part", shop.date.pk)):
        assert ticketing.get(url).status_code == 403
    assert ticketing.post(_url(shop, "cancel_date", shop.date.pk), {"key": "k"}).status_code == 403
    shop.date.refresh_from_db()
    assert shop.date.cancelled_at is None and not RefundBatch.objects.exists()


def test_another_organisers_date_and_batch_are_not_found(shop: Shop, treasurer: Client) -> None:
    other = shop_create(slug="autre")
    _card_order(other)
    other_treasurer = _client(team_member_create(other.organizer, role=Role.TREASURY))
    page = other_treasurer.get(_url(other, "cancel_date", other.date.pk))
    other_treasurer.post(_url(other, "cancel_date", other.date.pk), {"key": _key(page)})
    batch = RefundBatch.objects.get()
    refund = Refund.objects.get()
    assert treasurer.get(_url(shop, "cancel_date", other.date.pk)).status_code == 404
    assert treasurer.post(_url(shop, "cancel_date", other.date.pk), {"key": "x"}).status_code == 404
    assert treasurer.get(_url(shop, "part", other.date.pk)).status_code == 404
    assert treasurer.get(_url(shop, "batch", batch.pk)).status_code == 404
    assert treasurer.post(_url(shop, "mark_done", batch.pk, refund.pk)).status_code == 404
    assert treasurer.post(_url(shop, "resume", batch.pk)).status_code == 404
    # someone outside the team is not told the organiser exists
    assert _client(team_member_create(shop.organizer, role=Role.ADMIN, email="x@y.example")).get(
        _url(other, "index")).status_code == 404


def test_a_cancelled_date_cannot_be_cancelled_again(shop: Shop, treasurer: Client) -> None:
    _card_order(shop)
    page = treasurer.get(_url(shop, "cancel_date", shop.date.pk))
    treasurer.post(_url(shop, "cancel_date", shop.date.pk), {"key": _key(page)})
    again = treasurer.post(_url(shop, "cancel_date", shop.date.pk), {"key": "another-key"})
    assert again.status_code == 409 and "déjà annulée" in again.content.decode()
    assert RefundBatch.objects.count() == 1
    assert treasurer.get(_url(shop, "part", shop.date.pk)).status_code == 302
