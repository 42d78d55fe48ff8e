from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("To deliver")
    DONE = "done", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class EventDelivery(models.Model):
    """One domain event to hand to one subscriber (core/events.py).

    Written in the same transaction as the change the event reports, so a crash leaves either
    both or neither; delivered after commit, and again by the periodic sweep until it succeeds."""

    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    subscriber = models.CharField(_("subscriber"), max_length=120)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="event_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}"
