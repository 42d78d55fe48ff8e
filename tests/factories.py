"""Builders for test data: a small organiser with an event, a membership page, and their products."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from datetime import timedelta

from billetterie.catalog.models import (
    Event,
    EventDate,
    Price,
    Product,
    ProductKind,
    Publication,
    Quota,
    Section,
)
from billetterie.catalog.services import date_capacity_sync
from billetterie.core import clock
from billetterie.organizers.models import Organizer, Role, TeamMember


@dataclass
class Shop:
    organizer: Organizer
    event: Event
    date: EventDate
    ticket: Product
    adult: Price
    student: Price
    meal: Product
    meal_price: Price
    meal_quota: Quota
    donation: Product
    memberships: Event
    membership: Product
    member_student: Price
    member_alumni: Price


def organizer_create(slug: str = "assoc", **fields: object) -> Organizer:
    defaults: dict[str, object] = {
        "name": "Association des étudiants",
        "contact_email": "contact@assoc.example",
        "noreply_email": "ne-pas-repondre@assoc.example",
        "legal_name": "Association des étudiants BTS",
        "address": "1 rue de la Gare, 46200 Souillac",
    }
    defaults.update(fields)
    return Organizer.objects.create(slug=slug, **defaults)


def shop_create(*, slug: str = "assoc", capacity: int = 100, meal_quota: int = 50) -> Shop:
    organizer = organizer_create(slug)
    event = Event.objects.create(
        organizer=organizer, title="JIP 2027", slug="jip", venue="Salle des fêtes, Souillac",
        theme="Soirées", publication=Publication.PUBLISHED,
    )
    start = clock.now() + timedelta(days=60)
    date = EventDate.objects.create(event=event, start=start, end=start + timedelta(hours=6), capacity=capacity)
    date_capacity_sync(date=date)
    ticket = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Entrée", position=1)
    adult = Price.objects.create(product=ticket, name="Adulte", amount_cents=1500, position=1)
    student = Price.objects.create(product=ticket, name="Étudiant", amount_cents=1000, position=2)
    meal = Product.objects.create(event=event, kind=ProductKind.ADDON, name="Repas", position=2)
    meal_price = Price.objects.create(product=meal, name="Repas complet", amount_cents=1200)
    quota = Quota.objects.create(event=event, name="Repas", size=meal_quota)
    meal.quotas.add(quota)
    donation = Product.objects.create(event=event, kind=ProductKind.DONATION, name="Don", position=3)
    memberships = Event.objects.create(
        organizer=organizer, title="Adhésions 2026-2027", slug="adhesions", section=Section.MEMBERSHIPS,
        publication=Publication.PUBLISHED,
    )
    membership = Product.objects.create(event=memberships, kind=ProductKind.MEMBERSHIP, name="Adhésion")
    member_student = Price.objects.create(
        product=membership, name="Étudiant", amount_cents=500, eligibility="En cours d'études"
    )
    member_alumni = Price.objects.create(product=membership, name="Ancien étudiant", amount_cents=1000)
    return Shop(
        organizer, event, date, ticket, adult, student, meal, meal_price, quota, donation,
        memberships, membership, member_student, member_alumni,
    )


PASSWORD = "un mot de passe solide"


def team_member_create(organizer: Organizer, *, role: str = Role.ADMIN, email: str = "",
                       password: str = PASSWORD) -> User:
    """A person of the organiser's team with `role`, who signs in to the back office with
    `email` (default: <role>@<organiser slug>.example) and `password`."""
    email = email or f"{role}@{organizer.slug}.example"
    user = User.objects.create_user(username=email, email=email, password=password, first_name=role.title())
    TeamMember.objects.create(organizer=organizer, user=user, role=role)
    return user
