"""What every shop view needs to know about the visitor: the organiser, the cart, what they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from billetterie.cart.models import Cart
from billetterie.cart.services import cart_get_or_create
from billetterie.catalog.selectors import Visibility
from billetterie.organizers.models import Organizer
from billetterie.organizers.selectors import user_is_staff_of

PREVIEW_SESSION_KEY = "preview_events"


def _cart_key(organizer: Organizer) -> str:
    return f"cart:{organizer.slug}"


@dataclass
class ShopContext:
    request: HttpRequest
    organizer: Organizer
    visibility: Visibility

    def cart(self, *, create: bool = False) -> Cart | None:
        token = self.request.session.get(_cart_key(self.organizer))
        if not create:
            return Cart.objects.filter(organizer=self.organizer, token=token).first() if token else None
        cart = cart_get_or_create(organizer=self.organizer, token=token)
        self.request.session[_cart_key(self.organizer)] = cart.token
        return cart

    def forget_cart(self) -> None:
        self.request.session.pop(_cart_key(self.organizer), None)


def shop_context(request: HttpRequest, organizer_slug: str) -> ShopContext:
    organizer = Organizer.objects.filter(slug=organizer_slug).first()
    if organizer is None:
        raise Http404
    previews = frozenset(request.session.get(PREVIEW_SESSION_KEY, []))
    staff = user_is_staff_of(user=request.user, organizer=organizer)
    return ShopContext(request, organizer, Visibility(staff=staff, preview_event_ids=previews))


def preview_grant(request: HttpRequest, event_id: int) -> None:
    previews = set(request.session.get(PREVIEW_SESSION_KEY, []))
    previews.add(event_id)
    request.session[PREVIEW_SESSION_KEY] = sorted(previews)
