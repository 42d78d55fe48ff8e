"""What `billetterie demo` does with the stand-ins when this package is installed (see cli.py)."""

from __future__ import annotations

import os
import subprocess

import httpx

from .servers import SERVERS, start

LINES = [
    "  PayZen (Lyra) and Mercanet (SIPS): local fake bank pages, press « Payer » or « Refuser »",
    "  PayFiP (local fake): press « Payer », « Refuser » or « Annuler »",
    "  Stripe (local fake): 4242 4242 4242 4242, 3-D Secure 4000 0000 0000 3220; PayPal (local fake): Approve",
]


def servers_start() -> list[subprocess.Popen[bytes]]:
    """The payment services that run as their own process (`servers/`), each on a free loopback
    port; the setting it is known by points the provider's sandbox mode at it. Called before
    Django reads its settings."""
    procs = []
    for name, server in SERVERS.items():
        if os.environ.get(server.setting):
            continue  # already pointed somewhere by the caller
        try:
            proc, url = start(name)
        except (RuntimeError, OSError) as exc:
            print(f"billetterie demo: the fake {name} could not start ({exc}); its method will not work")
            continue
        os.environ[server.setting] = url
        procs.append(proc)
    return procs


def webhooks_register(site: str, organizer_slug: str) -> None:
    """localstripe posts its signed webhooks to the demo organiser's notify URL."""
    from billetterie.jobs.management.commands.load_demo import DEMO_STRIPE_CREDENTIALS

    base = os.environ.get("STRIPE_API_BASE", "")
    if base.startswith("http://127.0.0.1"):
        try:
            httpx.post(f"{base}/_config/webhooks/demo", data={
                "url": f"{site}/payments/notify/stripe/{organizer_slug}/",
                "secret": DEMO_STRIPE_CREDENTIALS["webhook_secret"],
            }, timeout=5)
        except httpx.HTTPError:
            pass
