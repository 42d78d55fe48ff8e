"""The one set of test data builders: a small organiser with an event, a membership page and their
products; its team; orders placed, paid and ticketed through the same services as a buyer's (the
cart, the checkout, the payment service's confirmation); a check-in list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User

from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
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
from billetterie.catalog.selectors import Visibility
from billetterie.catalog.services import date_capacity_sync
from billetterie.checkin.models import CheckinList
from billetterie.checkin.selectors import ListScope, checkin_list_scope
from billetterie.checkin.services import checkin_list_create
from billetterie.core import clock
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.services import Checkout, LineSpec, Person, order_create, order_mark_paid, order_place
from billetterie.organizers.models import Organizer, Role, TeamMember
from billetterie.payments.models import Channel, Payment, PaymentMethodConfig
from billetterie.payments.providers.base import EventKind, PaymentUrls, ProviderEvent
from billetterie.payments.services import notice_apply, payment_record_external, payment_start
from billetterie.tickets.signing import ticket_payload


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
    # attendee_tickets off: each test sees the buyer's emails only; the attendees' own tickets
    # (issue 12, on by default for a new event) are tested with it on (tests/notifications/test_attendee_tickets.py)
    event = Event.objects.create(
        organizer=organizer, title="JIP 2027", slug="jip", venue="Salle des fêtes, Souillac",
        theme="Soirées", publication=Publication.PUBLISHED, attendee_tickets=False,
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


# --- orders ---------------------------------------------------------------------------------------

ATTENDEES = ("Camille Durand", "Léo Martin", "Inès Bernard", "Hugo Petit")
URLS = PaymentUrls("http://testserver/r", "http://testserver/n")  # where a payment service sends back


def order_placed(
    shop: Shop, *, tickets: int = 2, meals: int = 1, membership: bool = False, donation_cents: int = 0,
    locale: str = "fr", name: str = "Camille Durand", email: str = "acheteur@example.org",
    attendees: Sequence[str] = ATTENDEES, answers: Mapping[str, str] | None = None, channel: str = Channel.WEB,
) -> Order:
    """A pending order of `tickets` adult tickets (15 € each) for the event's date, an alumni
    membership (10 €), `meals` meals (12 € each) and a donation, bought by `name` <`email`>. On
    the web the meals are for the tickets' attendees in turn (`attached_to`, printed on their
    ticket); placed at once, for no one (each gets its own voucher).

    Each ticket and the membership is for one of `attendees` in turn (the n-th with the address
    p<n>@example.org), with `answers` to the product's questions (by question id). On the web,
    the buyer's way: a cart, then the checkout; on another channel ("api", "box_office"), placed
    at once without a cart, as the API places it."""
    items = [CartAdd(product=shop.ticket, price=shop.adult, date=shop.date) for _ in range(tickets)]
    items += [CartAdd(product=shop.membership, price=shop.member_alumni)] if membership else []
    items += [CartAdd(product=shop.meal, price=shop.meal_price) for _ in range(meals)]
    items += [CartAdd(product=shop.donation, donation_cents=donation_cents)] if donation_cents else []
    people = [
        Person(name=attendees[i % len(attendees)], email=f"p{i}@example.org", answers=dict(answers or {}))
        for i in range(tickets + membership)
    ]
    people += [Person() for _ in items[len(people):]]  # meals and donations are for no one in particular
    if channel != Channel.WEB:
        order, _created = order_create(
            organizer=shop.organizer,
            lines=[LineSpec(item, person) for item, person in zip(items, people, strict=True)],
            checkout=Checkout(email=email, name=name, locale=locale, terms_accepted=True),
            visibility=Visibility(staff=True), channel=channel,
        )
        return order
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    positions = [position for item in items for position in cart_add(cart=cart, item=item, visibility=Visibility())]
    # as the checkout does by default: the meals go to the attendees of the tickets in turn
    ticket_ids = [p.pk for p in positions if p.product_id == shop.ticket.pk]
    meal_ids = [p.pk for p in positions if p.product_id == shop.meal.pk] if ticket_ids else []
    checkout = Checkout(email=email, name=name, locale=locale, terms_accepted=True,
                        people={p.pk: person for p, person in zip(positions, people, strict=True)},
                        addons_for={meal: ticket_ids[i % len(ticket_ids)] for i, meal in enumerate(meal_ids)})
    return order_place(cart_token=cart.token, checkout=checkout)


def order_paid(
    shop: Shop, *, method: str = "", tickets: int = 2, meals: int = 1, membership: bool = False,
    donation_cents: int = 0, locale: str = "fr", name: str = "Camille Durand", email: str = "acheteur@example.org",
    attendees: Sequence[str] = ATTENDEES, answers: Mapping[str, str] | None = None, channel: str = Channel.WEB,
) -> Order:
    """An order placed as `order_placed` does with the same arguments, then paid in full (its
    confirmation email queued on commit, as in production):

    - `method=""`: marked paid by the orders domain (`order_mark_paid`), with no payment row;
    - `"sandbox"`: by card with the built-in sandbox, started, then confirmed by the sandbox's
      verified notice; test money, so a test order (decision 0010). Outside the demo's settings
      the organiser turns the sandbox on first (`sandbox_turned_on`);
    - another method (`"cash"`, `"cheque"`, `"card_terminal"`, `"transfer"`…): the whole amount
      received outside any payment service, as staff record it (`payment_record_external`)."""
    order = order_placed(shop, tickets=tickets, meals=meals, membership=membership, donation_cents=donation_cents,
                         locale=locale, name=name, email=email, attendees=attendees, answers=answers, channel=channel)
    if not method:
        assert order_mark_paid(order_id=order.pk)
    elif method == "sandbox":
        payment_start(order=order, provider_id="sandbox", urls=URLS)
        payment_confirm(order.payments.get())
    else:
        payment_record_external(order_id=order.pk, method=method, amount_cents=order.total_cents)
    order.refresh_from_db()
    assert order.state == OrderState.PAID, order.state
    return order


def sandbox_turned_on(shop: Shop) -> PaymentMethodConfig:
    """What the organiser's staff do to take test payments on a server that is not the demo
    (nothing more when the organiser has set the sandbox up already)."""
    config, _created = PaymentMethodConfig.objects.get_or_create(
        organizer=shop.organizer, provider="sandbox", defaults={"enabled": True, "on_web": True, "on_api": True},
    )
    return config


def payment_confirm(payment: Payment, notice_id: str = "") -> None:
    """The payment service's verified notice that the payment went through (for its whole amount)."""
    notice_apply(provider_id=payment.provider, organizer_id=payment.order.organizer_id, event=ProviderEvent(
        notice_id or f"n-{payment.pk}", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR",
        psp_reference=f"psp-{payment.pk}",
    ))


# --- check-in -------------------------------------------------------------------------------------

def tickets_issued(shop: Shop, count: int = 1, *, method: str = "") -> list[tuple[OrderLine, str]]:
    """`count` paid tickets of one order (`order_paid` with `method`, no meal) and the text of their
    QR codes, in the order of their lines."""
    order = order_paid(shop, tickets=count, meals=0, method=method)
    lines = list(order.lines.filter(kind="ticket").select_related("order", "product__event").order_by("id"))
    return [(line, ticket_payload(line=line)) for line in lines]


def door(shop: Shop, name: str = "Entrée principale", *, product_ids: list[int] | None = None,
         date_ids: list[int] | None = None, accept_test_tickets: bool = False) -> tuple[CheckinList, ListScope]:
    """A check-in list of the event (all its tickets unless products or dates are given) and its scope."""
    checkin_list = checkin_list_create(event=shop.event, name=name, product_ids=product_ids, date_ids=date_ids,
                                       accept_test_tickets=accept_test_tickets)
    return checkin_list, checkin_list_scope(list_id=checkin_list.pk, organizer_id=shop.organizer.pk)
