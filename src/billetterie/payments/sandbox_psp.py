"""The sandbox payment service, a test PSP served by the app itself so everything runs offline.

It behaves like a hosted card page of a real PSP: it knows nothing of our orders but what the
signed session says, it never stores a card number, and it tells the merchant the outcome only
through an HMAC-signed server-to-server notice (a task, retried until acknowledged).

Test cards (any future expiry, any 3-digit CVC):
  4242 4242 4242 4242  approved
  4000 0000 0000 0002  declined
  4000 0000 0000 3220  3-D Secure challenge, then approved or refused on the challenge page
  4000 0000 0000 0077  approved, but the notice arrives late
  4000 0000 0000 0259  approved, and the notice is sent twice"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .providers.sandbox import SESSION_SALT, notice_sign

SESSION_MAX_AGE = 3600


@dataclass(frozen=True)
class TestCard:
    outcome: str  # approve, decline, challenge
    late: bool = False
    duplicate: bool = False


TEST_CARDS = {
    "4242424242424242": TestCard("approve"),
    "4000000000000002": TestCard("decline"),
    "4000000000003220": TestCard("challenge"),
    "4000000000000077": TestCard("approve", late=True),
    "4000000000000259": TestCard("approve", duplicate=True),
}


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, digit in enumerate(reversed(number)):
        d = int(digit)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class CardForm(forms.Form):
    holder = forms.CharField(label=_("Name on the card"), max_length=100)
    number = forms.CharField(label=_("Card number"), max_length=30)
    expiry = forms.CharField(label=_("Expiry (MM/YY)"), max_length=5)
    cvc = forms.CharField(label=_("Security code"), max_length=4)

    def clean_number(self) -> str:
        number = "".join(c for c in self.cleaned_data["number"] if c in "0123456789")
        if len(number) < 13 or not _luhn_ok(number):
            raise forms.ValidationError(_("This card number is not valid."))
        if number not in TEST_CARDS:
            raise forms.ValidationError(_("Sandbox: use one of the test card numbers listed on this page."))
        return number

    def clean_expiry(self) -> str:
        value = self.cleaned_data["expiry"].replace(" ", "")
        try:
            month, year = (int(x) for x in value.split("/"))
        except ValueError:
            raise forms.ValidationError(_("Write the expiry as MM/YY.")) from None
        today = date.today()
        if not 1 <= month <= 12 or (2000 + year, month) < (today.year, today.month):
            raise forms.ValidationError(_("This card has expired."))
        return value

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not (cvc.isascii() and cvc.isdigit() and len(cvc) in (3, 4)):
            raise forms.ValidationError(_("The security code has 3 or 4 digits."))
        return cvc


def _session(token: str) -> dict[str, object]:
    try:
        data: dict[str, object] = signing.loads(token, salt=SESSION_SALT, max_age=SESSION_MAX_AGE)
    except signing.BadSignature:
        raise Http404("unknown payment session") from None
    return data


def notice_send(session: dict[str, object], status: str, *, reason: str = "", late: bool = False,
                copies: int = 1) -> None:
    """Queue the signed notice(s) for the merchant; `late` delays them as a slow PSP would."""
    from .tasks import sandbox_deliver_notice

    body = json.dumps(
        {
            "notice_id": uuid.uuid4().hex,
            "payment": session["ref"],
            "status": status,
            "amount_cents": session["amount"],
            "currency": session["currency"],
            "transaction": "SBX" + uuid.uuid4().hex[:12].upper(),
            "reason": reason,
        }
    )
    args = (str(session["notify_url"]), body, notice_sign(body.encode()))
    for _copy in range(copies):
        if late:
            sandbox_deliver_notice.schedule(args=args, delay=settings.SANDBOX_NOTICE_DELAY_SECONDS)
        else:
            _deliver(*args)


def _deliver(notify_url: str, body: str, signature: str) -> None:
    from .tasks import sandbox_deliver_notice

    sandbox_deliver_notice(notify_url, body, signature)


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, session: str) -> HttpResponse:
    data = _session(session)
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        card = TEST_CARDS[form.cleaned_data["number"]]
        if card.outcome == "challenge":
            return HttpResponseRedirect(reverse("sandbox_psp:challenge", kwargs={"session": session}))
        if card.outcome == "decline":
            notice_send(data, "failed", reason="card_declined")
        else:
            notice_send(data, "confirmed", late=card.late, copies=2 if card.duplicate else 1)
        return HttpResponseRedirect(str(data["return_url"]))
    return render(request, "payments/sandbox/pay.html", {"data": data, "form": form, "cards": TEST_CARDS})


@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, session: str) -> HttpResponse:
    data = _session(session)
    if request.method == "POST":
        if request.POST.get("answer") == "approve":
            notice_send(data, "confirmed")
        else:
            notice_send(data, "failed", reason="authentication_failed")
        return HttpResponseRedirect(str(data["return_url"]))
    return render(request, "payments/sandbox/challenge.html", {"data": data})


app_name = "sandbox_psp"
urlpatterns = [
    path("pay/<str:session>/", pay, name="pay"),
    path("challenge/<str:session>/", challenge, name="challenge"),
]
