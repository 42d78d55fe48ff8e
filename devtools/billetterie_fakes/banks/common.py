"""The page every fake bank shows, and the notice it posts back (see the package docstring)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from types import ModuleType
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

log = logging.getLogger(__name__)
FAMILIES = ("lyra", "sips")
SESSION_SALT = "billetterie_fakes.banks"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class FakeRefused(Exception):
    """The form the shop posted is not what the real service would accept."""


class Decision(StrEnum):
    PAY = "pay"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Purchase:
    amount_cents: int
    currency: str
    label: str
    notify_url: str
    return_url: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exchange:
    notice_body: str  # application/x-www-form-urlencoded, signed like the real service's
    back_url: str
    back_fields: dict[str, str] | None  # None: the buyer comes back by GET


def _family(name: str) -> ModuleType:
    if not getattr(settings, "PAYMENT_FAKES", False) or name not in FAMILIES:
        raise Http404("no such fake payment service")
    return import_module(f"billetterie_fakes.banks.{name}")


def _local(url: str, request: HttpRequest) -> bool:
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK or host == request.get_host().split(":")[0]


def deliver(url: str, body: str) -> int:
    """Post the notice as the bank would, server to server; its status code, 0 when unreachable."""
    try:
        response = httpx.post(url, content=body.encode(), timeout=10,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    except httpx.HTTPError as exc:
        log.warning("fake bank could not deliver its notice: %s", exc)
        return 0
    return response.status_code


@csrf_exempt  # posted from the shop's page, as to a real bank
@require_POST
def pay(request: HttpRequest, family: str) -> HttpResponse:
    module = _family(family)
    fields = {k: request.POST.get(k, "") for k in request.POST}
    try:
        purchase = module.read(fields)
    except (FakeRefused, KeyError, ValueError) as exc:
        return render(request, "billetterie_fakes/refused.html", {"family": family, "error": str(exc)}, status=400)
    for url in (purchase.notify_url, purchase.return_url):
        if not _local(url, request):
            return render(request, "billetterie_fakes/refused.html",
                          {"family": family, "error": "notify and return URLs must be on this site"}, status=400)
    token = signing.dumps(purchase.__dict__, salt=SESSION_SALT, compress=True)
    return render(request, "billetterie_fakes/page.html", {"family": family, "purchase": purchase, "token": token})


@csrf_exempt  # the session token is signed; a real bank's page has no use for our CSRF cookie
@require_POST
def decide(request: HttpRequest, family: str) -> HttpResponse:
    module = _family(family)
    try:
        purchase = Purchase(**signing.loads(request.POST.get("token", ""), salt=SESSION_SALT, max_age=3600))
        decision = Decision(request.POST.get("decision", ""))
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("unknown payment session") from None
    exchange: Exchange = module.decide(purchase, decision)
    status = deliver(purchase.notify_url, exchange.notice_body)
    log.info("fake %s bank: notice answered %s", family, status)
    if exchange.back_fields is None:
        return HttpResponseRedirect(exchange.back_url)
    return render(request, "billetterie_fakes/back.html", {"url": exchange.back_url, "fields": exchange.back_fields})
