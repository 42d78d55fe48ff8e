"""Make the check-in bench's data: an organiser, a check-in token, an event, a check-in list and N
paid tickets (bought through the order services, 10 per order), their QR texts written to a file.

Run with the project's Python and settings (DATABASE_URL set); prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from billetterie.api.services import api_token_create  # noqa: E402
from billetterie.cart.services import CartAdd  # noqa: E402
from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication  # noqa: E402
from billetterie.catalog.selectors import Visibility  # noqa: E402
from billetterie.catalog.services import date_capacity_sync  # noqa: E402
from billetterie.checkin.services import checkin_list_create  # noqa: E402
from billetterie.orders.models import OrderLine  # noqa: E402
from billetterie.orders.services import Checkout, LineSpec, Person, order_create, order_mark_paid  # noqa: E402
from billetterie.organizers.models import Organizer  # noqa: E402
from billetterie.tickets.signing import ticket_payload  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slug", required=True)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--out", required=True, help="file for the tickets' QR texts, one per line")
    args = parser.parse_args()
    started = time.monotonic()
    organizer, _created = Organizer.objects.get_or_create(
        slug="bench-checkin",
        defaults={"name": "Bench check-in", "contact_email": "bench@example.org",
                  "noreply_email": "noreply@example.org"},
    )
    _row, token = api_token_create(organizer=organizer, name=f"scanner {args.slug}", permissions="checkin")
    event = Event.objects.create(organizer=organizer, title=f"Check-in {args.slug}", slug=args.slug,
                                 publication=Publication.PUBLISHED, venue="Salle")
    start = timezone.now() + timedelta(days=30)
    date = EventDate.objects.create(event=event, start=start, end=start + timedelta(hours=4),
                                    capacity=args.tickets + 10)
    date_capacity_sync(date=date)
    product = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Entrée", max_per_order=10)
    price = Price.objects.create(product=product, name="Normal", amount_cents=1000)
    checkin_list = checkin_list_create(event=event, name="Entrée principale")
    left = args.tickets
    n = 0
    while left > 0 and time.monotonic() - started < 600:
        size = min(10, left)
        lines = [
            LineSpec(CartAdd(product=product, price=price, date=date),
                     Person(name=f"Personne {n + i}", email=f"p{n + i}@example.org"))
            for i in range(size)
        ]
        checkout = Checkout(email="acheteur@example.org", name="Acheteur", terms_accepted=True)
        order, _new = order_create(organizer=organizer, lines=lines, checkout=checkout,
                                   visibility=Visibility(staff=True), channel="api")
        order_mark_paid(order_id=order.pk)
        left -= size
        n += size
    lines_qs = OrderLine.objects.filter(product=product).select_related("order__organizer", "product__event")
    with open(args.out, "w") as out:
        for line in lines_qs.order_by("id"):
            out.write(ticket_payload(line=line) + "\n")
    json.dump({"token": token, "list_id": checkin_list.pk, "event_id": event.pk, "tickets": n,
               "seconds": round(time.monotonic() - started, 1)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
