from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import EventDate, Price, Product
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
