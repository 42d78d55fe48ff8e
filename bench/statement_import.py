"""Time a bank statement import: N lines, of which P pay pending orders by transfer and the rest
are other movements (debits, credits without an order code), as a real statement is.

    BILLETTERIE_VAR=$(mktemp -d) .venv/bin/python bench/statement_import.py --lines 20000 --paying 1000

Migrates a fresh database (SQLite under BILLETTERIE_VAR, or DATABASE_URL), makes the orders through
the order services, then imports. With the background import (StatementImport), prints the time
the upload's request takes and the time the job takes to process the file; before it, the time of
the one request that did everything. Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from billetterie.cart.services import CartAdd  # noqa: E402
from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication  # noqa: E402
from billetterie.catalog.selectors import Visibility  # noqa: E402
from billetterie.catalog.services import date_capacity_sync  # noqa: E402
from billetterie.orders.services import Checkout, LineSpec, Person, order_create  # noqa: E402
from billetterie.organizers.models import Organizer  # noqa: E402
from billetterie.payments import services  # noqa: E402


def _orders(organizer: Organizer, count: int) -> list[str]:
    event = Event.objects.create(organizer=organizer, title="Bench", slug=f"bench-{time.time_ns()}",
                                 publication=Publication.PUBLISHED)
    start = timezone.now() + timedelta(days=30)
    date = EventDate.objects.create(event=event, start=start, end=start + timedelta(hours=4), capacity=count + 10)
    date_capacity_sync(date=date)
    product = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Entrée")
    price = Price.objects.create(product=product, name="Normal", amount_cents=1000)
    codes = []
    for n in range(count):
        line = LineSpec(CartAdd(product=product, price=price, date=date), Person(name=f"P{n}", email=f"p{n}@example.org"))
        order, _new = order_create(organizer=organizer, lines=[line], visibility=Visibility(staff=True), channel="api",
                                   checkout=Checkout(email=f"b{n}@example.org", name="Acheteur", terms_accepted=True))
        codes.append(order.code)
    return codes


def _statement(codes: list[str], lines: int) -> str:
    rows = ["Date;Libellé;Montant"]
    for i in range(lines):
        if i < len(codes):
            rows.append(f"01/12/2026;VIR M DUPONT {codes[i]};10,00")
        elif i % 2:
            rows.append(f"01/12/2026;CB SUPERMARCHE {i:06d};-{i % 97 + 1},{i % 100:02d}")
        else:
            rows.append(f"01/12/2026;VIR COTISATION {i:06d};{i % 50 + 5},00")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--paying", type=int, default=1_000)
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    organizer = Organizer.objects.create(slug=f"bench-{time.time_ns()}", name="Bench", contact_email="b@example.org",
                                         noreply_email="n@example.org")
    started = time.monotonic()
    content = _statement(_orders(organizer, args.paying), args.lines)
    result: dict[str, object] = {"lines": args.lines, "paying": args.paying,
                                 "setup_seconds": round(time.monotonic() - started, 1)}
    start = getattr(services, "statement_import_start", None)
    if start is None:  # before: the upload's request imported the whole file
        began = time.monotonic()
        outcome = services.statement_import(organizer_id=organizer.pk, content=content)
        result.update(request_seconds=round(time.monotonic() - began, 2), counts=outcome.__dict__)
    else:
        began = time.monotonic()
        job = start(organizer_id=organizer.pk, content=content, filename="bench.csv", user_id=None, queue=False)
        result["request_seconds"] = round(time.monotonic() - began, 2)
        began = time.monotonic()
        job = services.statement_import_run(import_id=job.pk)
        result.update(job_seconds=round(time.monotonic() - began, 2), state=job.state,
                      counts={"recorded": job.recorded, "already_imported": job.already_imported,
                              "unmatched": job.unmatched, "problems": job.problems})
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
