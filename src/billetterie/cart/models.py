from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import EventDate, Price, Product, Quota
from billetterie.core.ids import new_secret
from billetterie.organizers.models import Organizer


class Cart(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="carts")
    token = models.CharField(max_length=40, unique=True, default=new_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart")

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartPosition(models.Model):
    """One unit in a cart: a ticket, a membership, a meal or a donation."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="positions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    price = models.ForeignKey(Price, on_delete=models.PROTECT, null=True, blank=True)
    date = models.ForeignKey(EventDate, on_delete=models.PROTECT, null=True, blank=True)
    amount_cents = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product_id} × 1 (cart {self.cart_id})"


class Hold(models.Model):
    """One place taken in one quota, by a cart position and then by the order line it became.

    Active while `released_at` is null; `expires_at` null means sold (kept for good)."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="holds")
    position = models.ForeignKey(CartPosition, on_delete=models.SET_NULL, null=True, related_name="holds")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.SET_NULL, null=True, related_name="holds")
    expires_at = models.DateTimeField(null=True)
    released_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["quota", "expires_at"], name="hold_active_expiry", condition=models.Q(released_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on quota {self.quota_id}"
