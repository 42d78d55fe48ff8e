"""The account (issue 12, item 5): guest orders and member records with the same proved address
join it; orders placed while signed in are on it; one organiser's account sees nothing of
another's; the confirmation is sent again (limited); contact details and the address change (by
a link to the new one); the data download; the deletion anonymises the orders and keeps the sale."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from billetterie.core import clock
from billetterie.core.models import AuditEntry
from billetterie.customers.models import Customer, SignInLink
from billetterie.customers.services import RESENDS_PER_CUSTOMER
from billetterie.memberships.models import Member
from billetterie.orders.models import Order, OrderLine
from tests.customers.helpers import (
    OnCommit,
    ask_link,
    customer_create,
    link_in_mail,
    member_create,
    password_post,
    sign_in_by_link,
    text,
)
from tests.factories import Shop, order_paid, order_placed, sandbox_turned_on, shop_create, tickets_issued
from tests.shop.helpers import add_to_cart, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment() -> Iterator[time_machine.Coordinates]:
    start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"shop:{name}", args=[shop.organizer.slug, *args])


# --- what joins the account -------------------------------------------------------------------


def test_guest_orders_and_members_with_the_proved_address_join_the_account_on_a_link_sign_in(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    mine = order_paid(shop, email="Camille@Example.org")
    pending = order_placed(shop, email="camille@example.org", tickets=1, meals=0)
    someone_else = order_paid(shop, email="leo@example.org")
    member = member_create(shop.organizer, email="CAMILLE@example.org")
    other = shop_create(slug="autre")
    elsewhere = order_paid(other, email="camille@example.org")  # another organiser's: never

    response = sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    customer = Customer.objects.get(organizer=shop.organizer)
    assert set(customer.orders.values_list("pk", flat=True)) == {mine.pk, pending.pk}
    assert Order.objects.get(pk=someone_else.pk).customer is None
    assert Order.objects.get(pk=elsewhere.pk).customer is None
    assert Member.objects.get(pk=member.pk).customer == customer
    assert AuditEntry.objects.filter(action="order.customer_joined", order_id=mine.pk).exists()

    page = text(client.get(url(shop, "account")))
    assert mine.code in page and pending.code in page and someone_else.code not in page
    assert "Paiement validé" in page and "42,00\u00a0€" in page  # the state and the total in euros
    assert "Camille Durand — adhérent n° A001" in page and "Adhésion annuelle" in page and "Active" in page


def test_a_password_sign_in_of_an_address_never_proved_joins_nothing(
    client: Client, shop: Shop, moment: time_machine.Coordinates,
) -> None:
    guest = order_paid(shop, email="camille@example.org")
    member = member_create(shop.organizer, email="camille@example.org")
    customer_create(shop.organizer, "camille@example.org", password="cheval batterie agrafe")  # not verified
    assert password_post(client, shop.organizer, "camille@example.org", "cheval batterie agrafe").status_code == 302
    assert Order.objects.get(pk=guest.pk).customer is None
    assert Member.objects.get(pk=member.pk).customer is None
    assert guest.code not in text(client.get(url(shop, "account")))


def test_an_order_placed_while_signed_in_is_on_the_account_even_with_another_address(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    sandbox_turned_on(shop)
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    _response, order = checkout(client, shop, {"email": "autre-adresse@example.org"})
    assert order.customer == Customer.objects.get()
    assert order.code in text(client.get(url(shop, "account")))

    guest = Client()  # a guest's order stays a guest's
    add_to_cart(guest, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    _response, guest_order = checkout(guest, shop)
    assert guest_order.customer is None


def test_a_customer_of_one_organiser_sees_nothing_of_another_with_the_same_address(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    other = shop_create(slug="autre")
    theirs = order_paid(other, email="camille@example.org")
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert theirs.code not in text(client.get(url(shop, "account")))
    # signed in at A is not signed in at B
    response = client.get(reverse("shop:account", args=[other.organizer.slug]))
    assert response.status_code == 302 and "/autre/account/sign-in/" in response["Location"]
    # B's order cannot be asked again from A's account
    resend = client.post(url(shop, "account_resend", theirs.code), {"key": "k"})
    assert resend.status_code == 404
    data = json.loads(client.get(url(shop, "account_data")).content)
    assert data["orders"] == [] and data["account"]["organizer"] == "Association des étudiants"
    # B's own sign-in makes another account, which gets B's order only
    sign_in_by_link(client, other.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert Customer.objects.filter(email="camille@example.org").count() == 2
    assert Order.objects.get(pk=theirs.pk).customer == Customer.objects.get(organizer=other.organizer)


# --- the account page -------------------------------------------------------------------------


def test_the_account_gives_the_tickets_again_and_sends_the_confirmation_again_within_a_limit(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    [(line, _text)] = tickets_issued(shop, 1)
    order = line.order
    Order.objects.filter(pk=order.pk).update(email="camille@example.org")
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    page = client.get(url(shop, "account")).content.decode()
    ticket = reverse("shop:ticket", args=[shop.organizer.slug, order.code, order.secret, line.pk])
    assert ticket in page
    assert reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret]) in page
    pdf = client.get(ticket)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    mail.outbox.clear()
    for n in range(RESENDS_PER_CUSTOMER.per_window):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(shop, "account_resend", order.code), {"key": f"k{n}"})
        assert response.status_code == 302
    assert "La confirmation de la commande" in text(client.get(url(shop, "account")))
    assert len([m for m in mail.outbox if m.to == ["camille@example.org"]]) == RESENDS_PER_CUSTOMER.per_window
    refused = client.post(url(shop, "account_resend", order.code), {"key": "encore"})
    assert refused.status_code == 429 and "Vous avez demandé cet e-mail trop souvent" in text(refused)


def test_contact_details_are_edited_and_a_bad_one_is_refused_next_to_the_field(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert client.post(url(shop, "account_details"), {"name": " Camille Durand ", "phone": "06 12"}).status_code == 302
    customer = Customer.objects.get()
    assert (customer.name, customer.phone) == ("Camille Durand", "06 12")
    assert AuditEntry.objects.filter(action="customer.updated", subject_id=customer.pk).exists()
    too_long = client.post(url(shop, "account_details"), {"name": "x", "phone": "1" * 41})
    assert too_long.status_code == 400 and "au plus 40 caractères" in text(too_long)
    assert Customer.objects.get().phone == "06 12"


def test_the_address_changes_only_when_the_link_sent_to_the_new_one_is_used(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    guest = order_paid(shop, email="nouvelle@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(shop, "account_email"), {"email": "Nouvelle@example.org"})
    assert response.status_code == 302
    assert Customer.objects.get().email == "camille@example.org"  # not yet
    [email] = [m for m in mail.outbox if m.to == ["nouvelle@example.org"]]
    assert "Confirmez votre nouvelle adresse e-mail" in email.subject
    confirm = client.get(link_in_mail("nouvelle@example.org"))
    assert "L'adresse de votre compte deviendra nouvelle@example.org" in text(confirm)
    assert client.post(link_in_mail("nouvelle@example.org")).status_code == 302
    customer = Customer.objects.get()
    assert customer.email == "nouvelle@example.org"
    assert Order.objects.get(pk=guest.pk).customer == customer  # that address is proved too
    same = client.post(url(shop, "account_email"), {"email": "nouvelle@example.org"})
    assert same.status_code == 422 and "C'est déjà votre adresse." in text(same)


def test_whoever_asked_for_the_change_loses_the_account_once_the_new_address_confirms_it(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """An account's owner asks to move it to someone else's address; that person, fooled into
    confirming, must not hand over their guest orders: the asker's session and password go."""
    customer_create(shop.organizer, "escroc@example.org", password="cheval batterie agrafe")
    assert password_post(client, shop.organizer, "escroc@example.org", "cheval batterie agrafe").status_code == 302
    victims = order_paid(shop, email="victime@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(shop, "account_email"), {"email": "victime@example.org"}).status_code == 302
    victim = Client()
    assert victim.post(link_in_mail("victime@example.org")).status_code == 302  # in the victim's browser
    customer = Customer.objects.get()
    assert customer.email == "victime@example.org" and not customer.password
    assert Order.objects.get(pk=victims.pk).customer == customer
    asker_page = client.get(url(shop, "account"))
    assert asker_page.status_code == 302 and victims.code not in text(asker_page)  # signed out
    assert password_post(Client(), shop.organizer, "victime@example.org", "cheval batterie agrafe").status_code == 422
    assert victims.code in text(victim.get(url(shop, "account")))  # the address's owner has it
    entry = AuditEntry.objects.filter(action="customer.email_changed").get()
    assert entry.changes["password"] == [True, False]


def test_changing_the_password_signs_the_other_sessions_out(
    client: Client, shop: Shop, moment: time_machine.Coordinates,
) -> None:
    customer_create(shop.organizer, "camille@example.org", password="cheval batterie agrafe")
    other = Client()
    for browser in (client, other):
        signed_in = password_post(browser, shop.organizer, "camille@example.org", "cheval batterie agrafe")
        assert signed_in.status_code == 302
    changed = client.post(url(shop, "account_password"),
                          {"current": "cheval batterie agrafe", "password": "agrafe cheval batterie"})
    assert changed.status_code == 302
    assert client.get(url(shop, "account")).status_code == 200  # this one follows the new password
    assert other.get(url(shop, "account")).status_code == 302


def test_a_new_address_already_taken_by_another_account_is_refused_when_the_link_is_used(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    customer_create(shop.organizer, "prise@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(shop, "account_email"), {"email": "prise@example.org"}).status_code == 302
    response = client.post(link_in_mail("prise@example.org"))
    assert response.status_code == 422 and "Cette adresse est déjà celle d'un autre compte." in text(response)
    assert Customer.objects.get(email="camille@example.org")
    assert SignInLink.objects.filter(email="prise@example.org", used_at__isnull=True).exists()  # nothing half-done


# --- personal data ----------------------------------------------------------------------------


def test_the_data_download_holds_the_account_its_orders_with_lines_and_its_members(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order = order_paid(shop, email="camille@example.org", tickets=1, meals=1)
    member_create(shop.organizer, email="camille@example.org")
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    client.post(url(shop, "account_details"), {"name": "Camille Durand", "phone": "0612345678"})
    response = client.get(url(shop, "account_data"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == "camille@example.org" and data["account"]["phone"] == "0612345678"
    assert data["account"]["has_password"] is False and "password" not in data["account"]
    [exported] = data["orders"]
    assert exported["code"] == order.code and exported["total_cents"] == order.total_cents == 2700
    assert [line["item"] for line in exported["lines"]] == list(order.lines.values_list("label", flat=True))
    assert exported["lines"][0]["attendee_name"] == "Camille Durand"
    [member] = data["members"]
    assert member["number"] == "A001" and member["city"] == "Souillac"
    assert member["memberships"][0]["type"] == "Adhésion annuelle" and member["memberships"][0]["state"] == "active"


def test_deleting_the_account_anonymises_its_orders_and_keeps_their_totals(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order = order_paid(shop, email="camille@example.org", tickets=2, meals=1)
    untouched = order_paid(shop, email="leo@example.org", name="Léo Martin")
    past = member_create(shop.organizer, email="camille@example.org", number="A001",
                         start=clock.now().date() - timedelta(days=800), end=clock.now().date() - timedelta(days=435))
    current = member_create(shop.organizer, email="camille@example.org", number="A002", last_name="Durand-Petit")
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    customer = Customer.objects.get()

    page = client.get(url(shop, "account_delete"))
    assert page.status_code == 200 and "Tapez SUPPRIMER pour confirmer" in text(page)
    wrong = client.post(url(shop, "account_delete"), {"confirmation": "oui"})
    assert wrong.status_code == 400 and "Tapez SUPPRIMER pour confirmer." in text(wrong)
    assert Customer.objects.exists()

    response = client.post(url(shop, "account_delete"), {"confirmation": "supprimer"})
    assert response.status_code == 302 and response["Location"] == reverse("shop:home", args=[shop.organizer.slug])
    assert "Votre compte a été supprimé." in text(client.get(response["Location"]))
    assert not Customer.objects.exists() and not SignInLink.objects.exists()

    order.refresh_from_db()
    assert (order.name, order.email, order.phone, order.customer) == ("—", "", "", None)
    assert order.total_cents == 4200 and order.state == "paid"  # the sale stays, for the books
    assert sum(order.lines.values_list("amount_cents", flat=True)) == 4200
    assert set(OrderLine.objects.filter(order=order).values_list("attendee_name", "attendee_email")) == {("", "")}
    untouched.refresh_from_db()
    assert (untouched.name, untouched.email) == ("Léo Martin", "leo@example.org")

    past.refresh_from_db()
    assert (past.first_name, past.last_name, past.email, past.phone, past.city) == ("", "—", "", "", "")
    assert past.number == "A001" and past.memberships.count() == 1
    current.refresh_from_db()
    assert current.email == "camille@example.org" and current.customer is None  # still on the register

    entry = AuditEntry.objects.get(action="customer.deleted")
    assert entry.subject_id == customer.pk and entry.organizer_id == shop.organizer.pk
    assert AuditEntry.objects.filter(action="order.anonymised", order_id=order.pk).exists()
    assert client.get(url(shop, "account")).status_code == 302  # signed out

    # the same address may come back: a new, empty account
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert Customer.objects.get().orders.count() == 0


def test_the_header_says_sign_in_or_my_account(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    home = client.get(reverse("shop:home", args=[shop.organizer.slug])).content.decode()
    link = re.search(r'id="account-link" href="([^"]+)">([^<]+)<', home)
    assert link and link.groups() == (url(shop, "account_sign_in"), "Se connecter")
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    home = client.get(reverse("shop:home", args=[shop.organizer.slug])).content.decode()
    link = re.search(r'id="account-link" href="([^"]+)">([^<]+)<', home)
    assert link and link.groups() == (url(shop, "account"), "Mon compte")


def test_a_link_asked_from_a_page_of_the_shop_brings_the_buyer_back_there_and_nowhere_else(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    event = reverse("shop:event", args=[shop.organizer.slug, "jip"])
    ask_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks, next_path=event)
    assert client.post(link_in_mail("camille@example.org"))["Location"] == event
    ask_link(client, shop.organizer, "leo@example.org", django_capture_on_commit_callbacks,
             next_path="https://evil.example/")
    assert client.post(link_in_mail("leo@example.org"))["Location"] == url(shop, "account")


def test_a_membership_bought_online_is_listed_with_its_card_to_download(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    from billetterie.memberships.models import Membership, MembershipType, ValidityRule

    MembershipType.objects.create(organizer=shop.organizer, name="Adhésion 12 mois", product=shop.membership,
                                  rule=ValidityRule.MONTHS, months=12)
    order = order_paid(shop, email="camille@example.org", tickets=0, meals=0, membership=True)
    membership = Membership.objects.get(order_line__order=order)
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    page = client.get(url(shop, "account")).content.decode()
    card = reverse("membership_card", args=[shop.organizer.slug, order.code, order.secret, membership.pk])
    assert card in page and "Adhésion 12 mois" in text(client.get(url(shop, "account")))
    pdf = client.get(card)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
