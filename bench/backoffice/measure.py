"""Time the back office's pages against a running server: sign in as the seeded treasurer, warm
each page up, then GET it N times one after the other and report p50 / p95 / max in ms as JSON
lines. Only 127.0.0.1; bounded in count (--requests) and time (--budget seconds per page).

With --after-sale, the dashboard and the orders list are timed again with one sale made before
each request (a ticket sold at the box office and paid in cash, through the services, on the
database the server uses: DATABASE_URL and DJANGO_SETTINGS_MODULE as run.sh sets them): what a
treasurer watching the dashboard during an on-sale rush sees."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable

import httpx


def seller(slug: str) -> Callable[[], None]:
    """One sale per call: a ticket of the first date still on sale, paid in cash at the box office."""
    import django

    django.setup()
    import secrets

    from billetterie.cart.services import CartAdd
    from billetterie.catalog.models import EventDate, Product, ProductKind
    from billetterie.orders.services import Checkout, LineSpec, Person
    from billetterie.organizers.models import Organizer
    from billetterie.payments.box_office import CASH, box_office_sell

    organizer = Organizer.objects.get(slug=slug)
    ticket = Product.objects.filter(event__organizer=organizer, kind=ProductKind.TICKET).first()
    assert ticket is not None
    date = EventDate.objects.filter(event=ticket.event).order_by("-start").first()
    price = ticket.prices.order_by("id").first()
    checkout = Checkout(email="", name="Vente au guichet")

    def sell() -> None:
        line = LineSpec(item=CartAdd(product=ticket, price=price, date=date), person=Person(name="Camille Martin"))
        box_office_sell(organizer=organizer, lines=[line],
                        checkout=checkout, method=CASH, sale_key=secrets.token_hex(8), request_hash="",
                        send_email=False)
    return sell


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    page = client.get("/gestion/connexion/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    answer = client.post("/gestion/connexion/", data={"csrfmiddlewaretoken": token.group(1), "email": email,
                                                       "password": password}, headers={"Referer": str(page.url)})
    assert answer.status_code in (302, 303), f"sign-in refused: {answer.status_code}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client: httpx.Client, name: str, path: str, requests: int, budget: float,
            before: Callable[[], None] | None = None) -> dict[str, object]:
    for _ in range(3):
        client.get(path)
    times, statuses, started = [], set(), time.monotonic()
    for _ in range(requests):
        if time.monotonic() - started > budget:
            break
        if before is not None:
            before()
        t0 = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        statuses.add(answer.status_code)
    return {"page": name, "path": path, "n": len(times), "statuses": sorted(statuses),
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:58200")
    parser.add_argument("--slug", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--after-sale", action="store_true")
    args = parser.parse_args()
    assert args.base.startswith("http://127.0.0.1:"), "loopback only"
    with httpx.Client(base_url=args.base, timeout=60, follow_redirects=False) as client:
        sign_in(client, args.email, args.password)
        root = f"/gestion/{args.slug}"
        listing = client.get(f"{root}/commandes/")
        order = re.search(rf'href="({re.escape(root)}/commandes/[^"?]+/)"', listing.text)
        pages = [
            ("dashboard", f"{root}/tableau-de-bord/"),
            ("dashboard, 90 days", f"{root}/tableau-de-bord/?period=90"),
            ("orders list", f"{root}/commandes/"),
            ("orders list, search by name", f"{root}/commandes/?q=Moreau"),
            ("orders list, search by email", f"{root}/commandes/?q=acheteur4242@bench.example"),
            ("orders list, search by code", f"{root}/commandes/?q=B0004242"),
            # (before 2026-12-03 night this was ?state=paid, a parameter the list ignores: page 50 of all)
            ("orders list, paid, page 50", f"{root}/commandes/?status=paid&page=50"),
            ("catalogue", f"{root}/catalogue/"),
        ]
        if order:
            pages.append(("an order's page", order.group(1)))
        for name, path in pages:
            print(json.dumps(measure(client, name, path, args.requests, args.budget)), flush=True)
        if args.after_sale:
            sell = seller(args.slug)
            for name, path in pages[:3]:
                print(json.dumps(measure(client, f"{name}, after a sale", path, args.requests, args.budget, sell)),
                      flush=True)


if __name__ == "__main__":
    main()
