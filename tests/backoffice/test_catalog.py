"""The back office's catalogue (issue 11, item 3): events, dates, products, prices in euros,
quotas, questions; duplicate an event; what has sales is only deactivated; roles and tenants."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication, Question, Quota
from billetterie.catalog.services import event_duplicate
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role
from tests.factories import Shop, order_paid, shop_create, team_member_create

pytestmark = pytest.mark.django_db


def url(shop: Shop, name: str, *args: Any) -> str:
    return reverse(f"backoffice:catalog:{name}", args=[shop.organizer.slug, *args])


def signed_in(client: Client, shop: Shop, role: str = Role.TICKETING) -> Client:
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


@pytest.fixture
def staff(client: Client, shop: Shop) -> Client:
    return signed_in(client, shop)


def audit(action: str, subject: Any) -> AuditEntry:
    return AuditEntry.objects.get(action=action, subject_id=subject.pk)


def local(text: str) -> Any:
    return timezone.make_aware(timezone.datetime.fromisoformat(text))


# --- events ---------------------------------------------------------------------------------------


def test_the_list_shows_events_and_membership_pages_with_state_next_date_and_sold(staff: Client, shop: Shop) -> None:
    order_paid(shop, tickets=3, membership=True)
    Event.objects.create(organizer=shop.organizer, title="Gala de Noël", slug="gala")
    page = staff.get(url(shop, "index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "JIP 2027" in html and "Adhésions 2026-2027" in html and "Gala de Noël" in html
    assert "Brouillon" in html and "Publié" in html
    events = {e.title: e for e in page.context["groups"][0][1]}
    assert events["JIP 2027"].sold == 3 and events["Gala de Noël"].sold == 0
    assert events["JIP 2027"].next_start == shop.date.start
    assert page.context["groups"][1][1][0].sold == 1  # the membership


def test_create_an_event_slug_from_the_title_audited(staff: Client, shop: Shop) -> None:
    response = staff.post(url(shop, "event_create"), {
        "title": "Fête de l'été", "slug": "", "section": "tickets", "description": "Sous les platanes",
        "theme": "Soirées", "venue": "Place du marché", "position": "0", "publication": "draft",
    })
    event = Event.objects.get(title="Fête de l'été")
    assert response.status_code == 302 and response["Location"] == url(shop, "event", event.pk)
    assert event.slug == "fete-de-lete" and event.publication == Publication.DRAFT
    entry = audit("event.created", event)
    assert entry.organizer_id == shop.organizer.pk and entry.actor_kind == "staff"
    assert entry.changes["title"] == [None, "Fête de l'été"]
    # a second one with the same title gets another short name
    staff.post(url(shop, "event_create"), {"title": "Fête de l'été", "section": "tickets", "position": "0",
                                           "publication": "draft"})
    assert Event.objects.filter(slug="fete-de-lete-2").exists()


def test_edit_an_event_a_taken_slug_is_refused_next_to_the_field(staff: Client, shop: Shop) -> None:
    data = {"title": "JIP 2027", "slug": "adhesions", "section": "tickets", "position": "0",
            "publication": "published", "theme": "Soirées", "venue": "Salle des fêtes"}
    response = staff.post(url(shop, "event_edit", shop.event.pk), data)
    assert response.status_code == 422
    assert "utilise déjà ce nom court" in str(response.context["form"].errors["slug"])
    assert 'value="adhesions"' in response.content.decode()  # what was typed is kept
    shop.event.refresh_from_db()
    assert shop.event.slug == "jip"
    response = staff.post(url(shop, "event_edit", shop.event.pk), {**data, "slug": "jip", "publication": "preview"})
    assert response.status_code == 302
    shop.event.refresh_from_db()
    assert shop.event.publication == Publication.PREVIEW
    assert audit("event.changed", shop.event).changes == {"publication": ["published", "preview"],
                                                          "venue": ["Salle des fêtes, Souillac", "Salle des fêtes"]}


def test_the_preview_link_is_shown_in_preview_and_opens_the_page(staff: Client, shop: Shop) -> None:
    page = staff.get(url(shop, "event", shop.event.pk))
    assert page.context["preview_url"] == ""
    Event.objects.filter(pk=shop.event.pk).update(publication=Publication.PREVIEW)
    page = staff.get(url(shop, "event", shop.event.pk))
    link = f"http://testserver/{shop.organizer.slug}/e/jip/preview/{shop.event.preview_token}/"
    assert page.context["preview_url"] == link and link in page.content.decode()
    assert Client().get(link).status_code == 302


def test_duplicate_an_event_shifted_with_everything_copied_as_a_draft(staff: Client, shop: Shop) -> None:
    Question.objects.create(product=shop.ticket, label="Régime", kind="choice", options="Aucun\nVégétarien")
    Product.objects.filter(pk=shop.ticket.pk).update(sales_end=shop.date.start)
    order_paid(shop, tickets=2)
    first_day = timezone.localdate(shop.date.start) + timedelta(days=364)
    response = staff.post(url(shop, "event_duplicate", shop.event.pk), {
        "title": "JIP 2028", "slug": "", "dates": "shift", "first_day": first_day.isoformat(),
    })
    copy = Event.objects.get(title="JIP 2028")
    assert response.status_code == 302 and response["Location"] == url(shop, "event", copy.pk)
    assert copy.slug == "jip-2028" and copy.publication == Publication.DRAFT
    assert copy.preview_token != shop.event.preview_token
    [date] = copy.dates.all()
    assert timezone.localtime(date.start).time() == timezone.localtime(shop.date.start).time()
    assert timezone.localdate(date.start) == first_day and date.capacity == shop.date.capacity
    assert date.capacity_quota.size == shop.date.capacity and date.capacity_quota.used == 0
    ticket = copy.products.get(kind=ProductKind.TICKET)
    assert [(p.name, p.amount_cents) for p in ticket.prices.all()] == [("Adulte", 1500), ("Étudiant", 1000)]
    assert ticket.questions.get().option_list == ["Aucun", "Végétarien"]
    assert timezone.localdate(ticket.sales_end) == first_day
    meal = copy.products.get(kind=ProductKind.ADDON)
    [quota] = meal.quotas.all()
    assert quota.event_id == copy.pk and (quota.name, quota.size, quota.used) == ("Repas", 50, 0)
    assert copy.products.count() == 3 and Quota.objects.filter(event=copy).count() == 2
    entry = audit("event.created", copy)
    assert entry.changes["duplicated_from"] == [None, shop.event.pk] and entry.changes["products"] == [None, 3]
    assert shop.event.products.count() == 3  # the original is untouched


def test_duplicate_keeping_the_dates(staff: Client, shop: Shop) -> None:
    staff.post(url(shop, "event_duplicate", shop.event.pk), {"title": "JIP bis", "slug": "jip-bis",
                                                             "dates": "keep"})
    assert Event.objects.get(slug="jip-bis").dates.get().start == shop.date.start


def test_duplicate_needs_the_new_day_when_moving(staff: Client, shop: Shop) -> None:
    response = staff.post(url(shop, "event_duplicate", shop.event.pk), {"title": "JIP bis", "dates": "shift",
                                                                        "first_day": ""})
    assert response.status_code == 400 and "first_day" in response.context["form"].errors
    assert not Event.objects.filter(title="JIP bis").exists()


def test_duplicate_a_membership_page_without_dates(shop: Shop) -> None:
    copy = event_duplicate(event=shop.memberships, title="Adhésions 2027-2028")
    assert copy.slug == "adhesions-2027-2028"
    assert [p.name for p in copy.products.get().prices.all()] == ["Étudiant", "Ancien étudiant"]


# --- dates ----------------------------------------------------------------------------------------


def test_add_a_date_its_capacity_is_a_quota(staff: Client, shop: Shop) -> None:
    response = staff.post(url(shop, "date_create", shop.event.pk), {
        "start": "2027-06-12T20:00", "end": "2027-06-13T01:00", "capacity": "80"})
    assert response.status_code == 302
    date = EventDate.objects.get(event=shop.event, capacity=80)
    assert timezone.localtime(date.start).hour == 20
    assert date.capacity_quota.size == 80
    assert audit("eventdate.created", date).changes["capacity"] == [None, 80]


def test_a_capacity_below_what_is_sold_is_refused_with_the_reason(staff: Client, shop: Shop) -> None:
    order_paid(shop, tickets=3, meals=0)
    data = {"start": timezone.localtime(shop.date.start).strftime("%Y-%m-%dT%H:%M"), "end": "", "capacity": "2"}
    response = staff.post(url(shop, "date_edit", shop.event.pk, shop.date.pk), data)
    assert response.status_code == 422
    assert "3 places sont déjà vendues ou réservées" in str(response.context["form"].errors["capacity"])
    assert Quota.objects.get(date=shop.date).size == 100
    response = staff.post(url(shop, "date_edit", shop.event.pk, shop.date.pk), {**data, "capacity": "3"})
    assert response.status_code == 302
    quota = Quota.objects.get(date=shop.date)
    assert (quota.size, quota.used) == (3, 3)
    assert audit("eventdate.changed", shop.date).changes["capacity"] == [100, 3]


def test_a_date_with_sales_cannot_be_deleted_one_without_can(staff: Client, shop: Shop) -> None:
    order_paid(shop, tickets=1, meals=0)
    response = staff.post(url(shop, "date_delete", shop.event.pk, shop.date.pk))
    assert response.status_code == 409 and "1 vente sur cette date" in response.content.decode()
    assert EventDate.objects.filter(pk=shop.date.pk).exists()
    other = EventDate.objects.create(event=shop.event, start=shop.date.start + timedelta(days=1), capacity=5)
    assert staff.get(url(shop, "date_delete", shop.event.pk, other.pk)).status_code == 200
    assert staff.post(url(shop, "date_delete", shop.event.pk, other.pk)).status_code == 302
    assert not EventDate.objects.filter(pk=other.pk).exists()
    assert AuditEntry.objects.filter(action="eventdate.deleted", subject_id=other.pk).exists()


@pytest.mark.parametrize("start, end, field", [
    ("0001-01-01T00:00", "", "start"), ("99999-01-01T00:00", "", "start"), ("demain", "", "start"),
    ("2027-06-12T20:00", "2027-06-12T19:00", "end"), ("2027-06-12T20:00", "2027-13-45T25:00", "end"),
])
def test_dates_typed_wrong_are_refused_next_to_the_field(staff: Client, shop: Shop, start: str, end: str,
                                                         field: str) -> None:
    response = staff.post(url(shop, "date_create", shop.event.pk), {"start": start, "end": end, "capacity": "10"})
    assert response.status_code in (400, 422)
    assert field in response.context["form"].errors
    assert shop.event.dates.count() == 1


@pytest.mark.parametrize("capacity", ["-1", "10000000000000000000000", "dix", ""])
def test_capacities_typed_wrong_are_refused(staff: Client, shop: Shop, capacity: str) -> None:
    response = staff.post(url(shop, "date_create", shop.event.pk), {"start": "2027-06-12T20:00",
                                                                    "capacity": capacity})
    assert response.status_code == 400 and "capacity" in response.context["form"].errors


# --- products, prices, quotas, questions ----------------------------------------------------------


@pytest.mark.parametrize("typed, cents", [("15", 1500), ("15,5", 1550), ("15,50", 1550), ("15.50", 1550),
                                          ("0", 0), ("12,50", 1250)])
def test_prices_are_typed_in_euros(staff: Client, shop: Shop, typed: str, cents: int) -> None:
    response = staff.post(url(shop, "price_create", shop.event.pk, shop.ticket.pk), {
        "name": "Réduit", "amount": typed, "eligibility": "", "publication": "published", "active": "on",
        "position": "3"})
    assert response.status_code == 302
    price = Price.objects.get(product=shop.ticket, name="Réduit")
    assert price.amount_cents == cents and price.active
    assert audit("price.created", price).changes["amount_cents"] == [None, cents]


@pytest.mark.parametrize("typed", ["15,555", "abc", "-5", "1e3", "15,50,00", "", "99999999999", "15 50"])
def test_amounts_typed_wrong_are_refused_and_kept(staff: Client, shop: Shop, typed: str) -> None:
    response = staff.post(url(shop, "price_create", shop.event.pk, shop.ticket.pk), {
        "name": "Réduit", "amount": typed, "publication": "published", "active": "on", "position": "0"})
    assert response.status_code == 400
    assert "amount" in response.context["form"].errors
    if typed:
        assert f'value="{typed}"' in response.content.decode()
    assert not Price.objects.filter(name="Réduit").exists()


def test_the_price_form_shows_the_amount_in_euros(staff: Client, shop: Shop) -> None:
    page = staff.get(url(shop, "price_edit", shop.event.pk, shop.ticket.pk, shop.student.pk))
    assert 'value="10,00"' in page.content.decode()
    response = staff.post(url(shop, "price_edit", shop.event.pk, shop.ticket.pk, shop.student.pk), {
        "name": "Étudiant", "amount": "9,50", "eligibility": "Sur présentation de la carte",
        "publication": "preview", "active": "on", "position": "2"})
    assert response.status_code == 302
    shop.student.refresh_from_db()
    assert (shop.student.amount_cents, shop.student.publication) == (950, Publication.PREVIEW)
    assert audit("price.changed", shop.student).changes["amount_cents"] == [1000, 950]
    page = staff.get(url(shop, "product", shop.event.pk, shop.ticket.pk))
    assert "9,50\u00a0€" in page.content.decode()


def test_create_a_donation_with_amounts_in_euros(staff: Client, shop: Shop) -> None:
    response = staff.post(url(shop, "product_create", shop.event.pk), {
        "kind": "donation", "name": "Soutien", "description": "", "position": "5",
        "donation_min": "2", "donation_max": "500", "donation_suggested": "5, 10, 12,50"})
    assert response.status_code == 302
    product = Product.objects.get(name="Soutien")
    assert (product.donation_min_cents, product.donation_max_cents) == (200, 50000)
    assert product.suggested_amounts == [500, 1000, 1250]
    page = staff.get(url(shop, "product_edit", shop.event.pk, product.pk))
    html = page.content.decode()
    assert 'value="5, 10, 12,50"' in html and 'value="2,00"' in html and 'value="500,00"' in html


@pytest.mark.parametrize("low, high, suggested, field", [
    ("10", "5", "", "donation_max"), ("1", "50", "5,10,20", "donation_suggested"),
    ("1", "50", "5, 100", "donation_suggested"), ("0", "50", "", "donation_min"), ("un", "50", "", "donation_min"),
])
def test_donation_limits_typed_wrong_are_refused(staff: Client, shop: Shop, low: str, high: str, suggested: str,
                                                 field: str) -> None:
    response = staff.post(url(shop, "product_create", shop.event.pk), {
        "kind": "donation", "name": "Soutien", "position": "0", "donation_min": low, "donation_max": high,
        "donation_suggested": suggested})
    assert response.status_code in (400, 422) and field in response.context["form"].errors
    assert not Product.objects.filter(name="Soutien").exists()


def test_create_a_ticket_with_a_sales_window_and_a_quota(staff: Client, shop: Shop) -> None:
    response = staff.post(url(shop, "product_create", shop.event.pk), {
        "kind": "ticket", "name": "Entrée VIP", "description": "Au premier rang", "max_per_order": "4",
        "sales_start": "2027-01-01T10:00", "sales_end": "2027-03-01T10:00", "quotas": [str(shop.meal_quota.pk)],
        "position": "4", "donation_min": "", "donation_max": ""})
    assert response.status_code == 302
    product = Product.objects.get(name="Entrée VIP")
    assert response["Location"] == url(shop, "product", shop.event.pk, product.pk)
    assert product.kind == ProductKind.TICKET and product.max_per_order == 4
    assert timezone.localtime(product.sales_start).hour == 10
    assert list(product.quotas.all()) == [shop.meal_quota]
    assert product.donation_suggested == "500,1000,2000"  # not a donation: left as it was
    response = staff.post(url(shop, "product_edit", shop.event.pk, product.pk), {
        "name": "Entrée VIP", "sales_start": "2027-03-01T10:00", "sales_end": "2027-01-01T10:00", "position": "4"})
    assert response.status_code == 422 and "sales_end" in response.context["form"].errors


def test_another_events_quota_is_not_a_choice(staff: Client, shop: Shop) -> None:
    other = Quota.objects.create(event=shop.memberships, name="Autre", size=3)
    response = staff.post(url(shop, "product_edit", shop.event.pk, shop.meal.pk), {
        "name": "Repas", "quotas": [str(other.pk)], "position": "2"})
    assert response.status_code == 400 and "quotas" in response.context["form"].errors
    for wrong in ("99999999999999999999999", "abc", "-1"):  # never an OverflowError from the database
        response = staff.post(url(shop, "product_edit", shop.event.pk, shop.meal.pk), {
            "name": "Repas", "quotas": [wrong], "position": "2"})
        assert response.status_code == 400 and "quotas" in response.context["form"].errors
    assert list(shop.meal.quotas.all()) == [shop.meal_quota]


def test_a_product_and_a_price_with_sales_are_only_deactivated(staff: Client, shop: Shop) -> None:
    order_paid(shop, tickets=2, meals=0)
    page = html.unescape(staff.get(url(shop, "product", shop.event.pk, shop.ticket.pk)).content.decode())
    assert "2 ventes\u00a0: ce tarif ne peut qu'être désactivé." in page  # the adult price, sold twice
    assert "2 ventes\u00a0: ce produit ne peut qu'être désactivé." in page
    assert url(shop, "price_delete", shop.event.pk, shop.ticket.pk, shop.adult.pk) not in page
    assert url(shop, "price_delete", shop.event.pk, shop.ticket.pk, shop.student.pk) in page
    assert url(shop, "product_delete", shop.event.pk, shop.ticket.pk) not in page

    # a forged delete changes nothing and says why
    response = staff.post(url(shop, "price_delete", shop.event.pk, shop.ticket.pk, shop.adult.pk))
    assert response.status_code == 409 and "ne peut qu'être désactivé" in html.unescape(response.content.decode())
    response = staff.post(url(shop, "product_delete", shop.event.pk, shop.ticket.pk))
    assert response.status_code == 409
    assert Price.objects.filter(pk=shop.adult.pk).exists() and Product.objects.filter(pk=shop.ticket.pk).exists()
    # the confirmation page offers to deactivate instead
    page = staff.get(url(shop, "product_delete", shop.event.pk, shop.ticket.pk)).content.decode()
    assert url(shop, "product_deactivate", shop.event.pk, shop.ticket.pk) in page

    assert staff.post(url(shop, "price_deactivate", shop.event.pk, shop.ticket.pk, shop.adult.pk)).status_code == 302
    shop.adult.refresh_from_db()
    assert not shop.adult.active
    assert audit("price.deactivated", shop.adult).changes == {"active": [True, False]}
    assert staff.post(url(shop, "product_deactivate", shop.event.pk, shop.ticket.pk)).status_code == 302
    shop.ticket.refresh_from_db()
    assert not shop.ticket.active and audit("product.deactivated", shop.ticket)
    assert staff.post(url(shop, "product_activate", shop.event.pk, shop.ticket.pk)).status_code == 302
    shop.ticket.refresh_from_db()
    assert shop.ticket.active

    # the price without sales is deleted
    assert staff.post(url(shop, "price_delete", shop.event.pk, shop.ticket.pk, shop.student.pk)).status_code == 302
    assert not Price.objects.filter(pk=shop.student.pk).exists()
    assert AuditEntry.objects.filter(action="price.deleted", subject_id=shop.student.pk).exists()


def test_a_product_without_sales_is_deleted(staff: Client, shop: Shop) -> None:
    assert staff.get(url(shop, "product_delete", shop.event.pk, shop.donation.pk)).status_code == 200
    response = staff.post(url(shop, "product_delete", shop.event.pk, shop.donation.pk))
    assert response.status_code == 302
    assert not Product.objects.filter(pk=shop.donation.pk).exists()
    assert AuditEntry.objects.get(action="product.deleted", subject_id=shop.donation.pk).changes["name"] == \
        ["Don", None]


def test_quotas_a_size_below_what_is_sold_is_refused(staff: Client, shop: Shop) -> None:
    order_paid(shop, tickets=1, meals=2)
    response = staff.post(url(shop, "quota_edit", shop.event.pk, shop.meal_quota.pk), {"name": "Repas",
                                                                                       "size": "1"})
    assert response.status_code == 422 and "2 places sont déjà vendues" in str(response.context["form"].errors)
    assert staff.post(url(shop, "quota_edit", shop.event.pk, shop.meal_quota.pk),
                      {"name": "Repas du soir", "size": "30"}).status_code == 302
    shop.meal_quota.refresh_from_db()
    assert (shop.meal_quota.name, shop.meal_quota.size, shop.meal_quota.used) == ("Repas du soir", 30, 2)
    assert staff.post(url(shop, "quota_delete", shop.event.pk, shop.meal_quota.pk)).status_code == 409
    # a date's capacity is not edited as a quota
    date_quota = Quota.objects.get(date=shop.date)
    assert staff.get(url(shop, "quota_edit", shop.event.pk, date_quota.pk)).status_code == 404
    response = staff.post(url(shop, "quota_create", shop.event.pk), {"name": "Parking", "size": "40"})
    assert response.status_code == 302
    parking = Quota.objects.get(name="Parking")
    assert staff.post(url(shop, "quota_delete", shop.event.pk, parking.pk)).status_code == 302
    assert not Quota.objects.filter(pk=parking.pk).exists()


def test_questions_of_a_product(staff: Client, shop: Shop) -> None:
    base = {"label": "Régime alimentaire", "kind": "choice", "options": "", "position": "0"}
    response = staff.post(url(shop, "question_create", shop.event.pk, shop.ticket.pk), base)
    assert response.status_code == 422 and "options" in response.context["form"].errors
    response = staff.post(url(shop, "question_create", shop.event.pk, shop.ticket.pk),
                          {**base, "options": "Aucun\nVégétarien\n", "required": "on"})
    assert response.status_code == 302
    question = Question.objects.get(product=shop.ticket)
    assert question.option_list == ["Aucun", "Végétarien"] and question.required
    assert audit("question.created", question)
    assert staff.post(url(shop, "question_edit", shop.event.pk, shop.ticket.pk, question.pk),
                      {"label": "Accessibilité", "kind": "yesno", "position": "1"}).status_code == 302
    question.refresh_from_db()
    assert (question.label, question.kind, question.required) == ("Accessibilité", "yesno", False)
    assert staff.post(url(shop, "question_delete", shop.event.pk, shop.ticket.pk, question.pk)).status_code == 302
    assert not Question.objects.exists()


# --- roles and tenants ----------------------------------------------------------------------------


def test_read_only_sees_but_cannot_change(client: Client, shop: Shop) -> None:
    signed_in(client, shop, Role.READ_ONLY)
    assert client.get(url(shop, "index")).status_code == 200
    page = client.get(url(shop, "event", shop.event.pk))
    assert page.status_code == 200 and url(shop, "event_edit", shop.event.pk) not in page.content.decode()
    assert client.get(url(shop, "product", shop.event.pk, shop.ticket.pk)).status_code == 200
    assert client.get(url(shop, "event_create")).status_code == 403
    for name, args in [("event_create", ()), ("event_edit", (shop.event.pk,)),
                       ("price_delete", (shop.event.pk, shop.ticket.pk, shop.student.pk)),
                       ("product_deactivate", (shop.event.pk, shop.ticket.pk)),
                       ("event_duplicate", (shop.event.pk,))]:
        response = client.post(url(shop, name, *args), {"title": "X", "section": "tickets", "position": "0",
                                                        "publication": "draft"})
        assert response.status_code == 403, name
    assert Price.objects.filter(pk=shop.student.pk).exists() and Event.objects.count() == 2
    assert not AuditEntry.objects.filter(action__startswith="event").exists()


def test_check_in_staff_get_403_and_outsiders_404(client: Client, shop: Shop) -> None:
    signed_in(client, shop, Role.CHECKIN)
    assert client.get(url(shop, "index")).status_code == 403
    assert client.post(url(shop, "event_create"), {"title": "X"}).status_code == 403
    other = shop_create(slug="autre")
    client.force_login(team_member_create(other.organizer, role=Role.ADMIN))
    assert client.get(url(shop, "index")).status_code == 404
    assert client.post(url(shop, "event_create"), {"title": "X"}).status_code == 404


def test_another_organisers_ids_are_404(staff: Client, shop: Shop) -> None:
    other = shop_create(slug="autre")
    for name, args in [
        ("event", (other.event.pk,)), ("event_edit", (other.event.pk,)), ("event_duplicate", (other.event.pk,)),
        ("date_edit", (other.event.pk, other.date.pk)), ("date_edit", (shop.event.pk, other.date.pk)),
        ("product", (shop.event.pk, other.ticket.pk)), ("product_edit", (other.event.pk, other.ticket.pk)),
        ("price_edit", (shop.event.pk, shop.ticket.pk, other.adult.pk)),
        ("price_delete", (other.event.pk, other.ticket.pk, other.student.pk)),
        ("quota_edit", (shop.event.pk, other.meal_quota.pk)),
        ("product_deactivate", (shop.event.pk, other.ticket.pk)),
    ]:
        assert staff.get(url(shop, name, *args)).status_code == 404, name
        assert staff.post(url(shop, name, *args)).status_code == 404, name
    assert Price.objects.filter(pk=other.student.pk).exists()
    other.ticket.refresh_from_db()
    assert other.ticket.active


def test_treasury_sees_the_catalogue_only(client: Client, shop: Shop) -> None:
    signed_in(client, shop, Role.TREASURY)
    assert client.get(url(shop, "index")).status_code == 200
    assert client.get(url(shop, "product_create", shop.event.pk)).status_code == 403


def test_every_page_answers_in_french(staff: Client, shop: Shop) -> None:
    question = Question.objects.create(product=shop.ticket, label="Régime")
    pages = [
        url(shop, "index"), url(shop, "event_create"), url(shop, "event", shop.event.pk),
        url(shop, "event", shop.memberships.pk), url(shop, "event_edit", shop.event.pk),
        url(shop, "event_duplicate", shop.event.pk), url(shop, "date_create", shop.event.pk),
        url(shop, "date_edit", shop.event.pk, shop.date.pk), url(shop, "date_delete", shop.event.pk, shop.date.pk),
        url(shop, "quota_create", shop.event.pk), url(shop, "quota_edit", shop.event.pk, shop.meal_quota.pk),
        url(shop, "product_create", shop.event.pk), url(shop, "product", shop.event.pk, shop.ticket.pk),
        url(shop, "product", shop.event.pk, shop.donation.pk),
        url(shop, "product_edit", shop.event.pk, shop.donation.pk),
        url(shop, "price_create", shop.event.pk, shop.ticket.pk),
        url(shop, "price_edit", shop.event.pk, shop.ticket.pk, shop.adult.pk),
        url(shop, "question_edit", shop.event.pk, shop.ticket.pk, question.pk),
        url(shop, "product_deactivate", shop.event.pk, shop.ticket.pk),
    ]
    for page in pages:
        response = staff.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "cents" not in html and "centimes" not in html, page


def test_a_cancelled_date_says_so(staff: Client, shop: Shop) -> None:
    from billetterie.catalog.services import date_cancel

    date_cancel(date_id=shop.date.pk)
    page = staff.get(url(shop, "event", shop.event.pk)).content.decode()
    assert '<span class="badge bad">annulée</span>' in page
