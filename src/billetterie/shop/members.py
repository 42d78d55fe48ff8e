"""Member prices in the shop (issue 12, item 4): what the buyer proved of their memberships in
this session, and the event page's small form to prove one with a member number and last name.

The proof is kept per organiser in the session: the signed-in customer account (the accounts'
key `customer:<organizer pk>`, read by `customers.selectors.customer_signed_in`) and the members
proved here (`members:<organizer pk>`, their ids). The rule and its rate limits are
`memberships.prices`'; the cart and the order check it again whatever the page showed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billetterie.catalog.models import EventDate, Product, ProductKind
from billetterie.core import clock
from billetterie.core.errors import DomainError
from billetterie.core.ratelimit import RateLimited, client_address
from billetterie.customers.selectors import customer_signed_in
from billetterie.memberships.prices import (
    MemberProof,
    attended_on,
    member_prove,
    price_requirement_for,
    proof_memberships,
    rule_covered,
)
from billetterie.organizers.models import Organizer

from .context import ShopContext, shop_context

# the most members one session keeps proved for one organiser (a family's cards)
MAX_PROVED = 10


def _session_key(organizer_id: int) -> str:
    return f"members:{organizer_id}"


def member_proof(request: HttpRequest, organizer: Organizer) -> MemberProof:
    """What this session proved to this organiser: its signed-in account, the members proved here."""
    customer = customer_signed_in(request.session, organizer.pk)
    raw = request.session.get(_session_key(organizer.pk), [])
    ids = frozenset(pk for pk in raw if isinstance(pk, int)) if isinstance(raw, list) else frozenset()
    return MemberProof(customer_id=customer.pk if customer is not None else None, member_ids=ids)


def _proved_add(request: HttpRequest, organizer: Organizer, member_id: int) -> None:
    key = _session_key(organizer.pk)
    ids = [pk for pk in request.session.get(key, []) if isinstance(pk, int) and pk != member_id]
    request.session[key] = [*ids, member_id][-MAX_PROVED:]


class MemberProofForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Member number"), max_length=40,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "member_%s")
        super().__init__(*args, **kwargs)


def _login_url(organizer: Organizer, next_path: str) -> str | None:
    """The accounts' sign-in page (shop/account.py), back to `next_path` once signed in."""
    for name in ("shop:account_sign_in", "shop:account_login"):
        try:
            return f"{reverse(name, args=[organizer.slug])}?{urlencode({'next': next_path})}"
        except NoReverseMatch:
            continue
    return None


def member_prices_context(ctx: ShopContext, products: list[Product], dates: list[EventDate],
                          form: MemberProofForm | None = None) -> dict[str, object]:
    """Mark the event page's member prices (`price.member_types`: the types' names, `price.member_ok`:
    the proof opens it on one of the dates still sold, or today for a product without dates) and
    say whether to offer the proof form. Two queries, and only the first when no price is a
    member price."""
    prices = [price for product in products for price in getattr(product, "visible_prices", [])]
    rules = price_requirement_for(price.pk for price in prices)
    if not rules:
        return {}
    proof = member_proof(ctx.request, ctx.organizer)
    memberships = proof_memberships(organizer_id=ctx.organizer.pk, proof=proof)
    now = clock.now()
    days = [attended_on(d.start, now) for d in dates if d.cancelled_at is None and d.start > now]
    needed = False
    for product in products:
        for price in getattr(product, "visible_prices", []):
            rule = rules.get(price.pk)
            if rule is None:
                continue
            on = days if product.kind == ProductKind.TICKET and days else [attended_on(None, now)]
            price.member_types = ", ".join(rule.type_names) or _("any membership")
            price.member_ok = any(rule_covered(rule, day, memberships) for day in on)
            needed = needed or not price.member_ok
    # back to the page the buyer sees: after a proof's POST the address is the proof's, which
    # answers POST only, so its event page instead (a preview keeps its own address)
    match = ctx.request.resolver_match
    event_url = (ctx.request.path if ctx.request.method == "GET" or match is None
                 else reverse("shop:event", args=[ctx.organizer.slug, match.kwargs["event_slug"]]))
    return {
        "member_prices": True, "member_proof_needed": needed or form is not None,
        "member_form": form or MemberProofForm(), "member_login_url": _login_url(ctx.organizer, event_url),
        "member_signed_in": proof.customer_id is not None,
    }


@require_POST
def member_prove_view(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The event page's proof: a right number and last name keep the member in the session; a
    wrong pair, or too many, show the event page again with the reason next to the form."""
    from .views import event_or_404, event_response  # the event page's rendering (views import this module)

    ctx = shop_context(request, organizer_slug)
    event = event_or_404(ctx, event_slug)
    form = MemberProofForm(request.POST)
    if not form.is_valid():
        return event_response(ctx, event, status=400, member_form=form)
    try:
        member = member_prove(organizer_id=ctx.organizer.pk, number=form.cleaned_data["number"],
                              last_name=form.cleaned_data["last_name"], client=client_address(request))
    except RateLimited as exc:
        form.add_error(None, exc.message)
        response = event_response(ctx, event, status=429, member_form=form)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        form.add_error(None, exc.message)
        return event_response(ctx, event, status=exc.status if exc.status < 500 else 400, member_form=form)
    _proved_add(request, ctx.organizer, member.pk)
    messages.success(request, _("Membership checked: the member prices it opens can be added to your cart."))
    return HttpResponseRedirect(reverse("shop:event", args=[organizer_slug, event_slug]) + "#member-proof")
