"""The back office's orders (issue 11, item 4): the list's search, filters and totals; an order's
page; the actions and their refusals (a stale page, more than received, a cancelled order); who
may do what; another organiser's orders answer 404."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billetterie.core import clock
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_cancel
from billetterie.organizers.models import Role
from billetterie.payments.balance import OrderStatus, order_balance, order_balances
from billetterie.payments.models import Channel, Payment, PaymentState, Refund
from billetterie.payments.order_search import OrderFilters, orders_search, orders_totals
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_start, refund_create
from billetterie.tickets.models import RevokedTicket
from tests.factories import Shop, order_paid, order_placed, shop_create, team_member_create

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://testserver/r", "http://testserver/n")


def _client(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _url(shop: Shop, name: str, order: Order | None = None, *args: object) -> str:
    slug = shop.organizer.slug
    if order is None:
        return reverse(f"backoffice:orders:{name}", args=[slug])
    return reverse(f"backoffice:orders:{name}", args=[slug, order.code, *args])


def _codes(response: object) -> set[str]:
    return set(re.findall(r'/commandes/([A-Z0-9]+)/"', response.content.decode()))  # type: ignore[attr-defined]


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}\u00a0€"


# --- the list ------------------------------------------------------------------------------------


def test_search_by_code_buyer_attendee_and_email(shop: Shop) -> None:
    alice = order_paid(shop, name="Alice Fontaine", email="alice@example.org", attendees=["Zoé Marchand"], meals=0)
    bob = order_placed(shop, name="Bob Lenoir", email="bob@example.net", attendees=["Yann Perrin"], meals=0)
    client = _client(shop)
    index = _url(shop, "index")
    assert _codes(client.get(index, {"q": alice.code.lower()})) == {alice.code}
    assert _codes(client.get(index, {"q": "fontaine"})) == {alice.code}  # the buyer's name, any case
    assert _codes(client.get(index, {"q": "Perrin"})) == {bob.code}  # an attendee's name
    assert _codes(client.get(index, {"q": "example.net"})) == {bob.code}  # the buyer's email
    assert _codes(client.get(index, {"q": "p0@example.org"})) == {alice.code, bob.code}  # attendees' emails
    assert _codes(client.get(index, {"q": "nobody"})) == set()
    assert _codes(client.get(index)) == {alice.code, bob.code}


def test_filters_event_date_product_method_channel_period_and_test_orders(shop: Shop) -> None:
    from billetterie.catalog.models import EventDate

    other_date = EventDate.objects.create(event=shop.event, start=shop.date.start + timedelta(days=1), capacity=10)
    web = order_paid(shop, meals=1)
    cash = order_paid(shop, tickets=1, meals=0, method="cash", channel=Channel.BOX_OFFICE)
    membership = order_placed(shop, tickets=0, meals=0, membership=True)
    test_order = order_paid(shop, tickets=1, meals=0)
    Order.objects.filter(pk=test_order.pk).update(testmode=True)
    Order.objects.filter(pk=web.pk).update(created_at=clock.now() - timedelta(days=10))
    client = _client(shop)
    index = _url(shop, "index")
    assert _codes(client.get(index)) == {web.code, cash.code, membership.code}  # no test order
    assert test_order.code in _codes(client.get(index, {"test": "on"}))
    assert _codes(client.get(index, {"event": shop.memberships.pk})) == {membership.code}
    assert _codes(client.get(index, {"date": shop.date.pk})) == {web.code, cash.code}
    assert _codes(client.get(index, {"date": other_date.pk})) == set()
    assert _codes(client.get(index, {"product": shop.meal.pk})) == {web.code}
    assert _codes(client.get(index, {"method": "cash"})) == {cash.code}
    assert _codes(client.get(index, {"channel": Channel.BOX_OFFICE})) == {cash.code}
    today = clock.now().date().isoformat()
    assert _codes(client.get(index, {"placed_from": today})) == {cash.code, membership.code}
    earlier = (clock.now() - timedelta(days=5)).date().isoformat()
    assert _codes(client.get(index, {"placed_to": earlier})) == {web.code}
    assert _codes(client.get(index, {"status": OrderStatus.UNPAID})) == {membership.code}
    # bad input: said next to the field, the rest still searched, never a 500
    response = client.get(index, {"placed_from": "le 3 mars", "event": "999999", "page": "x"})
    assert response.status_code == 400
    assert _codes(response) == {web.code, cash.code, membership.code}


def test_the_status_filter_is_the_order_balance_rule(shop: Shop) -> None:
    """Every displayed state, found by the SQL filter exactly where order_balances shows it."""
    paid = order_paid(shop, tickets=1, meals=0, method="cash")
    partly = order_paid(shop, tickets=2, meals=0, method="cash")
    refund_create(payment=partly.payments.get(), amount_cents=500)
    refunded = order_paid(shop, tickets=1, meals=0, method="cash")
    refund_create(payment=refunded.payments.get(), amount_cents=1500)
    unpaid = order_placed(shop, tickets=1, meals=0)
    part_paid = order_placed(shop, tickets=2, meals=0)
    from billetterie.payments.services import payment_record_external

    payment_record_external(order_id=part_paid.pk, method="cash", amount_cents=1000)
    cancelled = order_placed(shop, tickets=1, meals=0)
    order_cancel(order_id=cancelled.pk)
    invoice = order_placed(shop, tickets=1, meals=0)
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice", on_web=True)
    payment_start(order=invoice, provider_id="invoice", urls=URLS)
    expired = order_placed(shop, tickets=1, meals=0)
    Order.objects.filter(pk=expired.pk).update(state=OrderState.EXPIRED)
    everything = list(Order.objects.filter(organizer=shop.organizer))
    balances = order_balances(orders=everything)
    shown = {status for status in (b.status for b in balances.values())}
    assert shown >= {OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.UNPAID,
                     OrderStatus.PART_PAID, OrderStatus.CANCELLED, OrderStatus.AWAITING_INVOICE,
                     OrderStatus.EXPIRED}
    for status in OrderStatus:
        found = set(orders_search(organizer=shop.organizer, filters=OrderFilters(status=status))
                    .values_list("pk", flat=True))
        assert found == {pk for pk, b in balances.items() if b.status == status}, status
    assert {paid.pk, refunded.pk, unpaid.pk} <= {o.pk for o in everything}


def test_totals_of_what_is_shown(shop: Shop) -> None:
    one = order_paid(shop, tickets=2, meals=0, method="cash")  # 30 €
    refund_create(payment=one.payments.get(), amount_cents=1000)
    order_paid(shop, tickets=1, meals=1, method="cheque")  # 27 €
    order_placed(shop, tickets=1, meals=0)  # 15 €, nothing received
    other = shop_create(slug="autre")
    order_paid(other, tickets=3, meals=0, method="cash")  # another organiser's: never counted
    totals = orders_totals(orders=orders_search(organizer=shop.organizer, filters=OrderFilters()))
    assert (totals.count, totals.total_cents, totals.received_cents, totals.refunded_cents) == (3, 7200, 5700, 1000)
    cash = orders_totals(orders=orders_search(organizer=shop.organizer, filters=OrderFilters(method="cash")))
    assert (cash.count, cash.total_cents, cash.received_cents, cash.refunded_cents) == (1, 3000, 3000, 1000)
    page = _client(shop).get(_url(shop, "index")).content.decode()
    totals_html = page.split('id="totals"')[1].split('id="orders"')[0]
    for amount in ("72,00", "57,00", "10,00"):
        assert f"{amount}\u00a0€" in totals_html


def test_the_list_queries_do_not_grow_with_the_orders(shop: Shop) -> None:
    client = _client(shop)
    client.get(_url(shop, "index"))  # totals kept: each view below follows a change to them
    for _ in range(2):
        order_paid(shop, tickets=1, meals=0, method="cash")
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(shop, "index")).status_code == 200
    for _ in range(6):
        order_paid(shop, tickets=1, meals=0, method="cash")
    with CaptureQueriesContext(connection) as many:
        assert client.get(_url(shop, "index")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


# --- who may do what; another organiser's orders -------------------------------------------------


def test_another_organisers_order_is_not_found(shop: Shop) -> None:
    other = shop_create(slug="autre")
    theirs = order_paid(other, tickets=1, meals=0, method="cash")
    client = _client(shop, Role.ADMIN)
    assert client.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, theirs.code])).status_code == 404
    post = reverse("backoffice:orders:refund", args=[shop.organizer.slug, theirs.code])
    assert client.post(post, {"amount": "15", "refunded": "0"}).status_code == 404
    assert _codes(client.get(_url(shop, "index"), {"q": theirs.code})) == set()
    assert not Refund.objects.exists()
    # and their back office is not ours
    assert client.get(reverse("backoffice:orders:index", args=[other.organizer.slug])).status_code == 404


def test_read_only_sees_but_cannot_act(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="cash")
    client = _client(shop, Role.READ_ONLY)
    page = client.get(_url(shop, "detail", order))
    assert page.status_code == 200
    assert "<form method=\"post\" action=\"/gestion/" not in page.content.decode()
    line = order.lines.get()
    posts = {
        "resend_confirmation": {"token": "t"}, "resend_tickets": {"token": "t", "to_attendees": "0"},
        "record_payment": {"token": "t", "method": "cash", "amount": "1"},
        "invoice_paid": {"token": "t", "method": "cash"}, "refund": {"amount": "15", "refunded": "0"},
        "cancel": {"refunded": "0"},
    }
    for name, data in posts.items():
        assert client.post(_url(shop, name, order), data).status_code == 403, name
    attendee = _url(shop, "change_attendee", order, line.pk)
    assert client.post(attendee, {"name": "X", "email": "x@example.org"}).status_code == 403
    assert client.get(attendee).status_code == 403
    assert not Refund.objects.exists() and Payment.objects.count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxKind.TICKETS).count() == 0


def test_box_office_cannot_open_the_list(shop: Shop) -> None:
    assert _client(shop, Role.BOX_OFFICE).get(_url(shop, "index")).status_code == 403


def test_ticketing_changes_an_attendee_and_the_ticket_is_reissued(shop: Shop, django_capture_on_commit_callbacks:
                                                                  Any) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="cash")
    line = order.lines.get()
    old_nonce = bytes(line.ticket_nonce)
    client = _client(shop, Role.TICKETING)
    url = _url(shop, "change_attendee", order, line.pk)
    form = client.get(url)
    assert form.status_code == 200
    data = {"name": "Nina Garnier", "email": "nina@example.org", "expected_name": line.attendee_name,
            "expected_email": line.attendee_email, "notify_buyer": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.attendee_name, line.attendee_email) == ("Nina Garnier", "nina@example.org")
    assert bytes(line.ticket_nonce) != old_nonce
    assert RevokedTicket.objects.get(line=line).nonce == old_nonce
    assert OutboxMessage.objects.filter(kind=OutboxKind.TICKET_REISSUED, line=line).count() == 1
    # the same page sent again: refused, nothing changes
    again = client.post(url, data)
    assert again.status_code == 409
    assert RevokedTicket.objects.filter(line=line).count() == 1
    page = client.get(_url(shop, "detail", order)).content.decode()
    assert "Nina Garnier" in page and "Personne modifiée" in page
    # bad input next to the field
    bad = client.post(url, {**data, "email": "pas une adresse", "expected_name": "Nina Garnier",
                            "expected_email": "nina@example.org"})
    assert bad.status_code == 400 and "adresse" in bad.content.decode()
    # ticketing has no money rights
    assert client.post(_url(shop, "refund", order), {"amount": "15", "refunded": "0"}).status_code == 403


def test_an_unpaid_orders_attendee_changes_without_a_ticket(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    line = order.lines.get()
    response = _client(shop, Role.TICKETING).post(_url(shop, "change_attendee", order, line.pk), {
        "name": "Nina Garnier", "email": "nina@example.org", "expected_name": line.attendee_name,
        "expected_email": line.attendee_email})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.attendee_name == "Nina Garnier" and not line.ticket_nonce
    assert not RevokedTicket.objects.exists()


# --- refunds ---------------------------------------------------------------------------------------


def test_treasury_refunds_in_full_and_the_page_says_refunded_in_euros(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    client = _client(shop)
    page = client.get(_url(shop, "detail", order)).content.decode()
    assert "Terminal de paiement" in page and "card_terminal" not in page.replace('value="card_terminal"', "")
    assert _euros(1500) in page
    response = client.post(_url(shop, "refund", order), {"amount": "15,00", "refunded": "0", "release_places": "on",
                                                         "reason": "Annulation"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    text = response.content.decode()
    assert re.search(r"Remboursée\s*:\s*15,00\s*€ remboursés sur 15,00\s*€", text)
    assert "Remboursement de 15,00" in text


def test_a_stale_page_cannot_refund_twice(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="cash")
    client = _client(shop)
    data = {"amount": "10", "refunded": "0", "release_places": "on"}
    assert client.post(_url(shop, "refund", order), data).status_code == 302
    again = client.post(_url(shop, "refund", order), data)  # the same page, submitted again
    assert again.status_code == 409
    assert "Un remboursement a été fait entre-temps" in again.content.decode()
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [1000]


def test_more_than_received_is_refused_with_the_reason(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="cash")
    client = _client(shop)
    response = client.post(_url(shop, "refund", order), {"amount": "20", "refunded": "0"})
    assert response.status_code == 400
    assert _euros(1500) in response.content.decode()
    for typed in ("abc", "-5", "15,555"):
        bad = client.post(_url(shop, "refund", order), {"amount": typed, "refunded": "0"})
        assert bad.status_code == 400, typed
    missing = client.post(_url(shop, "refund", order), {"amount": "5"})  # no hidden field: an old page
    assert missing.status_code == 400
    assert not Refund.objects.exists()


def test_refund_one_line_keeps_the_rest(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="cash")
    first = order.lines.order_by("id").first()
    assert first is not None
    response = _client(shop).post(_url(shop, "refund", order), {"line": first.pk, "refunded": "0",
                                                                "release_places": "on"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.line_id, refund.amount_cents) == (first.pk, 1500)
    order.refresh_from_db()
    assert order_balance(order=order).status == OrderStatus.PARTLY_REFUNDED


def test_a_refund_spread_over_two_payments(shop: Shop) -> None:
    from billetterie.payments.services import payment_record_external

    order = order_placed(shop, tickets=2, meals=0)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=2000)
    response = _client(shop).post(_url(shop, "refund", order), {"amount": "25", "refunded": "0",
                                                                "release_places": "on"})
    assert response.status_code == 302
    assert sorted(Refund.objects.values_list("payment__provider", "amount_cents")) == [("cash", 500),
                                                                                        ("cheque", 2000)]


# --- payments, invoices, cancellation, emails ------------------------------------------------------


def test_record_a_payment_in_euros_once_per_page(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)
    client = _client(shop)
    page = client.get(_url(shop, "detail", order)).content.decode()
    assert 'value="30,00"' in page  # the amount due, in euros
    data = {"token": "abc", "method": "cheque", "amount": "10,5", "reference": "Chèque 123"}
    assert client.post(_url(shop, "record_payment", order), data).status_code == 302
    assert client.post(_url(shop, "record_payment", order), data).status_code == 302  # a double click
    [payment] = Payment.objects.filter(order=order)
    assert (payment.provider, payment.amount_cents, payment.state) == ("cheque", 1050, PaymentState.CONFIRMED)
    too_much = client.post(_url(shop, "record_payment", order), {**data, "token": "def", "amount": "20"})
    assert too_much.status_code == 400
    rest = client.post(_url(shop, "record_payment", order), {**data, "token": "ghi", "amount": "19.50"})
    assert rest.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_no_payment_on_a_cancelled_order(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    order_cancel(order_id=order.pk)
    response = _client(shop).post(_url(shop, "record_payment", order), {"token": "a", "method": "cash",
                                                                        "amount": "15"})
    assert response.status_code == 400
    assert "ne peut plus être payée" in response.content.decode()
    assert not Payment.objects.exists()


def test_mark_an_invoice_paid(shop: Shop) -> None:
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice", on_web=True)
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="invoice", urls=URLS)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_INVOICE
    client = _client(shop)
    data = {"token": "inv", "method": "transfer", "reference": "VIR 42"}
    assert client.post(_url(shop, "invoice_paid", order), data).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert client.post(_url(shop, "invoice_paid", order), data).status_code == 302  # replayed: nothing new
    assert Payment.objects.filter(order=order, state=PaymentState.CONFIRMED).count() == 1
    refused = client.post(_url(shop, "invoice_paid", order), {**data, "token": "other"})
    assert refused.status_code == 400


def test_cancel_unpaid_and_cancel_with_refund(shop: Shop) -> None:
    unpaid = order_placed(shop, tickets=1, meals=0)
    ticketing = _client(shop, Role.TICKETING)
    assert ticketing.post(_url(shop, "cancel", unpaid), {"refunded": "0"}).status_code == 302
    unpaid.refresh_from_db()
    assert unpaid.state == OrderState.CANCELLED
    paid = order_paid(shop, tickets=2, meals=0, method="cash")
    assert ticketing.post(_url(shop, "cancel", paid), {"refunded": "0"}).status_code == 403  # money: treasury
    treasury = _client(shop)
    assert treasury.post(_url(shop, "cancel", paid), {"refunded": "500"}).status_code == 409  # stale
    assert treasury.post(_url(shop, "cancel", paid), {"refunded": "0", "reason": "Malade"}).status_code == 302
    paid.refresh_from_db()
    assert paid.state == OrderState.CANCELLED
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [3000]
    # a refunded order whose places were kept: only the treasury ends it (its places then go back)
    kept = order_paid(shop, tickets=1, meals=0, method="cash")
    refund_create(payment=kept.payments.get(), amount_cents=1500, release_places=False)
    page = ticketing.get(_url(shop, "detail", kept)).content.decode()
    assert _url(shop, "cancel", kept) not in page
    assert ticketing.post(_url(shop, "cancel", kept), {"refunded": "1500"}).status_code == 403
    assert _url(shop, "cancel", kept) in treasury.get(_url(shop, "detail", kept)).content.decode()
    assert treasury.post(_url(shop, "cancel", kept), {"refunded": "1500"}).status_code == 302
    kept.refresh_from_db()
    assert kept.state == OrderState.CANCELLED


def test_resend_the_confirmation_and_the_tickets(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="cash")
    client = _client(shop, Role.TICKETING)
    before = OutboxMessage.objects.filter(kind=OutboxKind.ORDER_CONFIRMED).count()
    for _ in range(2):  # a double click sends once
        assert client.post(_url(shop, "resend_confirmation", order), {"token": "one"}).status_code == 302
    assert OutboxMessage.objects.filter(kind=OutboxKind.ORDER_CONFIRMED).count() == before + 1
    assert client.post(_url(shop, "resend_tickets", order), {"token": "t", "to_attendees": "1"}).status_code == 302
    sent = OutboxMessage.objects.filter(kind=OutboxKind.TICKETS)
    assert sorted(sent.values_list("to", flat=True)) == ["p0@example.org", "p1@example.org"]
    from billetterie.notifications.services import email_message_build

    email = email_message_build(message=sent.first())  # type: ignore[arg-type]
    assert len(email.attachments) == 1 and order.code in email.body
    assert order.secret not in email.body  # the buyer's order page is not sent to the attendee
    page = client.get(_url(shop, "detail", order)).content.decode()
    assert "Confirmation envoyée à nouveau" in page and "Billets envoyés à nouveau" in page
    unpaid = order_placed(shop, tickets=1, meals=0)
    refused = client.post(_url(shop, "resend_confirmation", unpaid), {"token": "x"})
    assert refused.status_code == 400


def test_the_order_page_shows_everything_in_french_and_euros(shop: Shop, django_capture_on_commit_callbacks:
                                                             Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid(shop, tickets=1, meals=1, method="cash")
    refund_create(payment=order.payments.get(), amount_cents=1200, reason="Repas annulé")
    page = _client(shop).get(_url(shop, "detail", order)).content.decode()
    for text in ("Espèces", "Camille Durand", "p0@example.org", "Repas annulé", _euros(2700), _euros(1200),
                 _euros(1500), "Confirmation de commande", "Paiement enregistré", "Remboursement commencé",
                 "Partiellement remboursée"):
        assert text in page, text
    shown = re.sub(r'<input type="hidden"[^>]*>', "", page)  # the refunded amount a form carries, in cents
    assert not re.search(r"\b(2700|1200|1500)\b", shown)  # no amount in cents
    assert "amount_cents" not in page


def test_someone_signed_out_is_sent_to_sign_in(shop: Shop) -> None:
    response = Client().get(_url(shop, "index"))
    assert response.status_code == 302 and "/gestion/connexion/" in response["Location"]
    assert not User.objects.exists()


def test_a_refund_paid_back_by_hand_is_closed_from_the_order_page(shop: Shop,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    """A card-terminal payment cannot be refunded online: staff pay the buyer back by hand, then
    say so on the order page (the buyer is emailed); a second click changes nothing, another
    order's refund is not found, and reading is not enough."""
    from billetterie.notifications.models import OutboxMessage
    from billetterie.payments.models import Refund, RefundState

    order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    other = order_paid(shop, tickets=1, meals=0, method="cash", email="autre@example.org")
    client = _client(shop)
    client.post(_url(shop, "refund", order), {"amount": "15,00", "refunded": "0", "release_places": "on",
                                              "reason": "Annulation"})
    refund = Refund.objects.get(payment__order=order)
    assert refund.state == RefundState.MANUAL
    page = client.get(_url(shop, "detail", order)).content.decode()
    done_url = _url(shop, "refund_done", order, refund.pk)
    assert done_url in page and "15,00\u00a0€ remboursés" in page

    reader = _client(shop, Role.READ_ONLY)
    assert reader.post(done_url).status_code == 403
    assert client.post(_url(shop, "refund_done", other, refund.pk)).status_code == 404
    refund.refresh_from_db()
    assert refund.state == RefundState.MANUAL

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(done_url).status_code == 302
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and refund.done_at is not None
    assert OutboxMessage.objects.filter(order=order, kind="refund_issued").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(done_url, follow=True)
    assert "déjà" in again.content.decode()
    assert OutboxMessage.objects.filter(order=order, kind="refund_issued").count() == 1
