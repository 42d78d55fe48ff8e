"""Seed a PostgreSQL database with one organiser and N orders (default 100,000) for the back-office
benchmark: orders spread over the last 90 days, 1 to 3 lines each (tickets on 3 dates, meals,
donations, memberships), 90 % paid (a confirmed payment each, by card, transfer or cash), 5 %
pending, 3 % refunded in full, 2 % refunded in part, a few test orders. Built with bulk_create in
batches (the models' defaults apply), then the dates spread with one UPDATE.

    DATABASE_URL=postgres://… DJANGO_SETTINGS_MODULE=billetterie.settings \
        .venv/bin/python bench/backoffice/seed.py --orders 100000 --slug bench-bo

Prints a JSON line: the organiser's slug, the staff sign-in, counts and seconds taken."""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import timedelta

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication, Quota, Section  # noqa: E402
from billetterie.catalog.services import date_capacity_sync  # noqa: E402
from billetterie.core import clock  # noqa: E402
from billetterie.orders.models import Order, OrderLine, OrderState  # noqa: E402
from billetterie.organizers.models import Organizer, Role, TeamMember  # noqa: E402
from billetterie.payments.models import Payment, PaymentState, Refund, RefundState  # noqa: E402

BATCH = 5000
EMAIL, PASSWORD = "tresorerie@bench.example", "bench-password-0123"
FIRST = ["Camille", "Louis", "Inès", "Hugo", "Léa", "Jules", "Chloé", "Adam", "Manon", "Gabriel"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def catalogue(slug: str) -> tuple[Organizer, list[tuple[Product, Price, EventDate | None]]]:
    organizer = Organizer.objects.create(
        name="Association du banc d'essai", slug=slug, contact_email="contact@bench.example",
        noreply_email="ne-pas-repondre@bench.example", legal_name="Association du banc d'essai",
    )
    user = User.objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    TeamMember.objects.create(organizer=organizer, user=user, role=Role.TREASURY)
    event = Event.objects.create(organizer=organizer, title="Festival 2027", slug="festival",
                                 publication=Publication.PUBLISHED, venue="Salle des fêtes")
    start = clock.now() + timedelta(days=30)
    dates = []
    for day in range(3):
        date = EventDate.objects.create(event=event, start=start + timedelta(days=day), capacity=100_000)
        date_capacity_sync(date=date)
        dates.append(date)
    ticket = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Entrée")
    adult = Price.objects.create(product=ticket, name="Adulte", amount_cents=1500)
    young = Price.objects.create(product=ticket, name="Jeune", amount_cents=1000)
    meal = Product.objects.create(event=event, kind=ProductKind.ADDON, name="Repas")
    meal_price = Price.objects.create(product=meal, name="Repas complet", amount_cents=1200)
    meal.quotas.add(Quota.objects.create(event=event, name="Repas", size=100_000))
    donation = Product.objects.create(event=event, kind=ProductKind.DONATION, name="Don")
    campaign = Event.objects.create(organizer=organizer, title="Adhésions 2026-2027", slug="adhesions",
                                    section=Section.MEMBERSHIPS, publication=Publication.PUBLISHED)
    membership = Product.objects.create(event=campaign, kind=ProductKind.MEMBERSHIP, name="Adhésion")
    member = Price.objects.create(product=membership, name="Membre", amount_cents=2000)
    items: list[tuple[Product, Price, EventDate | None]] = [(ticket, adult, d) for d in dates]
    items += [(ticket, young, dates[0]), (meal, meal_price, dates[1]), (membership, member, None)]
    items.append((donation, Price(amount_cents=500), None))
    return organizer, items


def seed(organizer: Organizer, items: list[tuple[Product, Price, EventDate | None]], count: int) -> dict[str, int]:
    rng = random.Random(20261203)  # noqa: S311 (test data, reproducible)
    totals = {"orders": 0, "lines": 0, "payments": 0, "refunds": 0}
    now = clock.now()
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        plans = []
        for n in range(start, start + size):
            chosen = [items[rng.randrange(len(items))] for _ in range(rng.randint(1, 3))]
            roll = rng.random()
            state = OrderState.PENDING if roll < 0.05 else OrderState.REFUNDED if roll < 0.08 else OrderState.PAID
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            amounts = [price.amount_cents for _, price, _ in chosen]
            order = Order(
                organizer=organizer, code=f"B{n:07d}", state=state, name=name, email=f"acheteur{n}@bench.example",
                total_cents=sum(amounts), paid_at=None if state == OrderState.PENDING else now,
                refunded_at=now if state == OrderState.REFUNDED else None, testmode=n % 500 == 0,
                channel="box_office" if n % 10 == 0 else "web",
            )
            plans.append((order, chosen, amounts, roll))
        with transaction.atomic():
            Order.objects.bulk_create([p[0] for p in plans])
            lines, payments = [], []
            for order, chosen, amounts, roll in plans:
                for (product, price, date), amount in zip(chosen, amounts, strict=True):
                    lines.append(OrderLine(
                        order=order, product=product, price=price if price.pk else None, date=date, kind=product.kind,
                        label=f"{product.name} — {price.name}" if price.pk else product.name, amount_cents=amount,
                        attendee_name=order.name if product.needs_person else "",
                        answers={"Régime alimentaire": "Végétarien"} if product.kind == ProductKind.ADDON else {},
                    ))
                if order.state != OrderState.PENDING:
                    provider = "stripe" if roll < 0.7 else "transfer" if roll < 0.9 else "cash"
                    payments.append(Payment(order=order, provider=provider, state=PaymentState.CONFIRMED,
                                            amount_cents=order.total_cents, confirmed_at=now, testmode=order.testmode))
            OrderLine.objects.bulk_create(lines)
            Payment.objects.bulk_create(payments)
            refunds = []
            for payment in payments:
                if payment.order.state == OrderState.REFUNDED:
                    refunds.append(Refund(payment=payment, state=RefundState.DONE, amount_cents=payment.amount_cents,
                                          done_at=now))
                elif rng.random() < 0.02:
                    refunds.append(Refund(payment=payment, state=RefundState.DONE,
                                          amount_cents=max(1, payment.amount_cents // 3), done_at=now))
            Refund.objects.bulk_create(refunds)
        totals["orders"] += size
        totals["lines"] += len(lines)
        totals["payments"] += len(payments)
        totals["refunds"] += len(refunds)
    with connection.cursor() as cursor:  # spread over 90 days, the most recent orders last
        cursor.execute(
            "UPDATE orders_order SET created_at = now() - (%s - id %% %s) * interval '77 seconds' "
            "WHERE organizer_id = %s", [count, count, organizer.pk],
        )
        cursor.execute("UPDATE orders_order SET paid_at = created_at + interval '5 minutes' "
                       "WHERE organizer_id = %s AND paid_at IS NOT NULL", [organizer.pk])
        cursor.execute("UPDATE payments_payment p SET created_at = o.created_at, "
                       "confirmed_at = o.created_at + interval '5 minutes' FROM orders_order o "
                       "WHERE p.order_id = o.id AND o.organizer_id = %s", [organizer.pk])
        cursor.execute("UPDATE payments_refund r SET created_at = o.created_at + interval '2 days', "
                       "done_at = o.created_at + interval '2 days' FROM payments_payment p, orders_order o "
                       "WHERE r.payment_id = p.id AND p.order_id = o.id AND o.organizer_id = %s", [organizer.pk])
        cursor.execute("ANALYZE")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--slug", default="bench-bo")
    args = parser.parse_args()
    started = time.monotonic()
    organizer, items = catalogue(args.slug)
    totals = seed(organizer, items, args.orders)
    print(json.dumps({"slug": organizer.slug, "email": EMAIL, "password": PASSWORD, **totals,
                      "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
