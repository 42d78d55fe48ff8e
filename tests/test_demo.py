from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from billetterie.capacity.models import Hold
from billetterie.catalog.models import Event, EventDate, Price, Product, Publication, Question, Quota
from billetterie.catalog.selectors import availability_for, quotas_available
from billetterie.core.models import AuditEntry
from billetterie.invoicing.models import Invoice
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, PaymentState

pytestmark = pytest.mark.django_db

MODELS = [Organizer, Event, EventDate, Quota, Product, Price, Question, Order, Payment, Hold, Invoice, AuditEntry]


def _counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in MODELS}


def test_load_demo_twice_does_not_duplicate() -> None:
    call_command("load_demo", password="premier-mot-de-passe", verbosity=0)
    first = _counts()
    call_command("load_demo", password="second-mot-de-passe", verbosity=0)
    assert _counts() == first
    assert first["Organizer"] == 1 and first["Event"] == 3
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("second-mot-de-passe")


def test_demo_shop_content() -> None:
    call_command("load_demo", password="x", verbosity=0)
    organizer = Organizer.objects.get(slug="bts-fed")
    assert organizer.name == "Association des étudiants BTS FED"
    assert organizer.contact_email == "assocbtsfed@example.org"
    assert organizer.noreply_email == "ne-pas-repondre@example.org"
    assert "Souillac" in organizer.address and organizer.terms

    membership = Product.objects.get(event__organizer=organizer, name="Adhésion annuelle")
    assert membership.kind == "membership" and membership.order_limit == 1
    prices = {p.name: p for p in membership.prices.all()}
    assert prices["Étudiant"].amount_cents == 500
    assert prices["Étudiant"].eligibility == "Étudiants en BTS FED ou en poursuite d'études après le BTS"
    assert prices["Ancien étudiant"].amount_cents == 1000 and prices["Ancien étudiant"].eligibility
    assert prices["Membre bienfaiteur"].publication == Publication.PREVIEW

    jip = Event.objects.get(organizer=organizer, slug="jip-2027")
    assert jip.publication == Publication.PUBLISHED and jip.theme == "Événements"
    (date,) = jip.dates.all()
    assert date.capacity == 300 and date.capacity_quota.size == 300
    ticket = jip.products.get(name="Entrée")
    assert sorted(ticket.prices.values_list("name", "amount_cents")) == [("Adulte", 1500), ("Étudiant", 800)]
    meal = jip.products.get(name="Repas du soir")
    assert not meal.addon_standalone and [q.size for q in meal.quotas.all()] == [120]
    donation = jip.products.get(name="Don à l'association")
    assert (donation.donation_min_cents, donation.donation_max_cents) == (100, 50000)
    assert donation.suggested_amounts == [500, 1000, 2000]
    assert Event.objects.get(organizer=organizer, slug="atelier-soudure").theme == "Ateliers"

    # the team's administrator works in /gestion/; the Django admin is the operator's (issue 11)
    staff = get_user_model().objects.get(username="demo")
    assert not staff.is_staff and not staff.is_superuser
    assert organizer.team.filter(user=staff, role="admin").exists()
    operator = get_user_model().objects.get(username="operateur")
    assert operator.is_superuser and not organizer.staff.filter(pk=operator.pk).exists()


def test_sold_out_addon_has_no_place_left_through_real_paid_orders() -> None:
    call_command("load_demo", password="x", verbosity=0)
    veg = Product.objects.get(name="Repas végétarien")
    (quota,) = veg.quotas.all()
    assert quota.size == 20 and quota.used == 20
    assert availability_for(product=veg, dates=[]) == {None: 0}
    orders = Order.objects.filter(organizer__slug="bts-fed")
    assert orders.exists() and all(o.state == OrderState.PAID for o in orders)
    assert all(p.state == PaymentState.CONFIRMED for p in Payment.objects.all())
    assert sum(o.lines.filter(product=veg).count() for o in orders) == 20
    # the tickets of those orders took their places on the date, nothing else did
    date = EventDate.objects.get(event__slug="jip-2027")
    assert quotas_available(quota_ids=[date.capacity_quota.pk]) == {date.capacity_quota.pk: 280}


def test_the_demo_books_have_an_invoice_per_paid_order_and_offer_tax_receipts() -> None:
    from billetterie.taxreceipts.selectors import receipts_offered

    call_command("load_demo", password="x", verbosity=0)
    organizer = Organizer.objects.get(slug="bts-fed")
    paid = Order.objects.filter(organizer=organizer, state=OrderState.PAID)
    assert paid.exists() and Invoice.objects.filter(order__in=paid).count() == paid.count()
    assert receipts_offered(organizer_id=organizer.pk)
