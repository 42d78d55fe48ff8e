"""Create (or reuse) the bench organiser and its API token, and a fresh event for one run.

Run with the project's Python and settings (DATABASE_URL set): prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from billetterie.api.models import ApiToken  # noqa: E402
from billetterie.api.services import api_token_create  # noqa: E402
from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication  # noqa: E402
from billetterie.catalog.services import date_capacity_sync  # noqa: E402
from billetterie.organizers.models import Organizer  # noqa: E402
from billetterie.payments.models import PaymentMethodConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slug", required=True)
    parser.add_argument("--quota", type=int, default=1000)
    args = parser.parse_args()
    organizer, _created = Organizer.objects.get_or_create(
        slug="bench",
        defaults={"name": "Bench", "contact_email": "bench@example.org", "noreply_email": "noreply@example.org"},
    )
    # a bench server is not the demo (no SANDBOX_PAYMENTS): the shop rush pays with the built-in
    # sandbox, turned on as an organiser's staff would (decision 0010)
    PaymentMethodConfig.objects.get_or_create(organizer=organizer, provider="sandbox")
    ApiToken.objects.filter(organizer=organizer).delete()
    _row, token = api_token_create(organizer=organizer, name="bench", permissions="read,orders,checkin")
    event = Event.objects.create(organizer=organizer, title=f"Rush {args.slug}", slug=args.slug,
                                 publication=Publication.PUBLISHED)
    start = timezone.now() + timedelta(days=90)
    date = EventDate.objects.create(event=event, start=start, end=start + timedelta(hours=4), capacity=args.quota)
    quota = date_capacity_sync(date=date)
    product = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Ticket", max_per_order=10)
    price = Price.objects.create(product=product, name="Normal", amount_cents=1000)
    json.dump({"token": token, "event_id": event.pk, "event_slug": event.slug, "date_id": date.pk,
               "product_id": product.pk, "price_id": price.pk, "quota_id": quota.pk}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
