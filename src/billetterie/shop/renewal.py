"""The links of a membership renewal reminder, in the shop.

- /<organiser>/membership/renew/<token>/: the membership page of the shop, remembered for the
  visitor's session, so that the cart fills in the member's details for that membership's
  product and the order renews that very member (the new period follows the current one);
- /<organiser>/membership/stop-reminders/<token>/: a page asking to confirm (a POST, so that a
  mail scanner following links stops nothing), then no more reminders for that member.

A bad or expired link is answered 400/410 with a message in the visitor's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billetterie.memberships.links import LinkInvalid, renewal_token_read, stop_token_read
from billetterie.memberships.models import Member
from billetterie.memberships.services import member_reminders_stop

from .context import ShopContext, shop_context
from .views import _render


def _session_key(ctx: ShopContext) -> str:
    return f"renewal:{ctx.organizer.slug}"


@dataclass(frozen=True)
class Renewal:
    """What a renewal link put in the session: this member renews with this product."""

    member: Member
    product_id: int


def renewal_of(ctx: ShopContext) -> Renewal | None:
    """The renewal the visitor opened from a reminder, if any (its member still on the register)."""
    saved = ctx.request.session.get(_session_key(ctx))
    if not isinstance(saved, dict):
        return None
    member = Member.objects.filter(pk=saved.get("member") or 0, organizer=ctx.organizer).first()
    product_id = saved.get("product")
    if member is None or not isinstance(product_id, int):
        return None
    return Renewal(member=member, product_id=product_id)


def renewal_forget(ctx: ShopContext) -> None:
    ctx.request.session.pop(_session_key(ctx), None)


def _link_error(request: HttpRequest, ctx: ShopContext, exc: LinkInvalid) -> HttpResponse:
    return _render(request, ctx, "shop/membership_link.html", {"error": exc.message}, status=exc.status)


@require_http_methods(["GET"])
def renew(request: HttpRequest, organizer_slug: str, token: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    try:
        membership = renewal_token_read(token=token, organizer_id=ctx.organizer.pk)
    except LinkInvalid as exc:
        return _link_error(request, ctx, exc)
    product = membership.type.product
    if product is None or not product.active or not membership.type.active:
        return _link_error(request, ctx, LinkInvalid(
            _("This membership is no longer offered online. Please contact the organiser.")))
    request.session[_session_key(ctx)] = {"member": membership.member_id, "product": product.pk}
    messages.info(request, _("Renewal of the membership of %(name)s: add “%(product)s” to your cart, the "
                             "member's details will be filled in.") % {"name": membership.member,
                                                                      "product": product.name})
    return HttpResponseRedirect(reverse("shop:event", args=[organizer_slug, product.event.slug]))


@require_http_methods(["GET", "POST"])
def reminders_stop(request: HttpRequest, organizer_slug: str, token: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    try:
        member = stop_token_read(token=token, organizer_id=ctx.organizer.pk)
    except LinkInvalid as exc:
        return _link_error(request, ctx, exc)
    done = member.reminders_stopped_at is not None
    if request.method == "POST":
        member = member_reminders_stop(member_id=member.pk)
        done = True
    return _render(request, ctx, "shop/membership_link.html", {"member": member, "stopped": done})
