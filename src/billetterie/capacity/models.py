from __future__ import annotations

from django.db import models

from billetterie.catalog.models import Quota


class Hold(models.Model):
    """One place taken in one quota, by a cart position and then by the order line it became.

    Active while `released_at` is null; `expires_at` null means sold (kept for good). Its holders
    are named by the domains above (cart, orders) without this one importing them; only the
    capacity services write holds and the quotas' `used` counters (decision 0016)."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="holds")
    position = models.ForeignKey("cart.CartPosition", on_delete=models.SET_NULL, null=True, related_name="holds")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.SET_NULL, null=True, related_name="holds")
    expires_at = models.DateTimeField(null=True)
    released_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "cart_hold"  # the table it always had (moved from the cart app)
        indexes = [
            models.Index(
                fields=["quota", "expires_at"], name="hold_active_expiry", condition=models.Q(released_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on quota {self.quota_id}"
