from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.core.ids import new_secret
from billetterie.orders.models import Order


class PaymentState(models.TextChoices):
    CREATED = "created", _("Started")
    PENDING = "pending", _("Awaiting the payment service")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    """One attempt to pay an order; the order's paid state is derived from confirmed payments."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("payment method"), max_length=40)
    reference = models.CharField(max_length=40, unique=True, default=new_secret, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=PaymentState.choices, default=PaymentState.CREATED)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    psp_reference = models.CharField(_("payment service reference"), max_length=200, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    needs_attention = models.CharField(_("to check by staff"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference[:8]}"


class ProviderNotice(models.Model):
    """Every verified notice from a payment service, once: the unique key makes replays no-ops."""

    provider = models.CharField(max_length=40)
    notice_id = models.CharField(max_length=200)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, related_name="notices")
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "notice_id"], name="notice_unique")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.notice_id}"
