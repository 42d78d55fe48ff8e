from __future__ import annotations

from typing import Any

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


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    API_TOKEN = "api_token", _("API token")
    BUYER = "buyer", _("Buyer")
    NOTICE = "notice", _("Payment service notice")
    JOB = "job", _("Scheduled job")
    SYSTEM = "system", _("System")


class AuditEntry(models.Model):
    """One change of an order, line, payment, refund, ticket, catalogue item, payment setting or
    staff permission: who, when, what, and the changed fields before and after (core/audit.py).

    Written in the transaction of the change; never updated nor deleted."""

    organizer_id = models.BigIntegerField(_("organiser"), null=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_kind = models.CharField(_("who"), max_length=12, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=100, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=60)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField(null=True)
    order_id = models.BigIntegerField(null=True)  # every entry about an order, its payments and tickets
    changes = models.JSONField(_("changes"), default=dict)  # field -> [before, after]

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["order_id", "at"], name="audit_order_idx"),
            models.Index(fields=["subject_type", "subject_id", "at"], name="audit_subject_idx"),
            # an organiser's latest entry and its entries since a time: the back office's figures'
            # stamp (payments/stamped_cache.py), one index probe each whatever the other organisers
            models.Index(fields=["organizer_id", "id"], name="audit_organizer_idx"),
            models.Index(fields=["organizer_id", "at"], name="audit_organizer_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries are never deleted")


class Sequence(models.Model):
    """The last number given in one gapless series of an organiser (core/sequences.py): invoices
    of a year, credit notes, tax receipts, the tickets of an event."""

    organizer_id = models.BigIntegerField()
    name = models.CharField(max_length=60)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organizer_id", "name"], name="sequence_unique")]

    def __str__(self) -> str:
        return f"{self.organizer_id}:{self.name} = {self.last}"
