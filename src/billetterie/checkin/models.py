"""Check-in lists and scans.

"First scan wins" is enforced by the database: at most one accepted, not undone entry per
(list, order line) — a partial unique index. An undo marks that entry undone, so the ticket may
enter again. Offline scans are synced with a client-made id, unique per device: a replayed sync
adds nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import Event, EventDate, Product
from billetterie.orders.models import OrderLine


class CheckinList(models.Model):
    """Who may enter through one door: every ticket of the event, or some products and dates."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    name = models.CharField(_("name"), max_length=200)
    all_products = models.BooleanField(
        _("all tickets"), default=True, help_text=_("Untick to choose the products that enter through this list.")
    )
    products = models.ManyToManyField(Product, blank=True, related_name="checkin_lists", verbose_name=_("products"))
    dates = models.ManyToManyField(
        EventDate, blank=True, related_name="checkin_lists", verbose_name=_("dates"),
        help_text=_("None chosen: every date."),
    )
    accept_test_tickets = models.BooleanField(
        _("accept test tickets"), default=False,
        help_text=_("Tickets of orders paid in test mode are refused at the door unless this is ticked "
                    "(for a rehearsal of the entrance)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in list")
        verbose_name_plural = _("check-in lists")
        ordering = ["event", "name", "id"]

    def __str__(self) -> str:
        return f"{self.event} — {self.name}"


class ScanKind(models.TextChoices):
    ENTRY = "entry", _("Entry")
    UNDO = "undo", _("Undo")


class ScanResult(models.TextChoices):
    OK = "ok", _("Accepted")
    ALREADY_REDEEMED = "already_redeemed", _("Already scanned")
    UNKNOWN = "unknown", _("Unknown ticket")
    REVOKED = "revoked", _("Revoked ticket")
    WRONG_EVENT = "wrong_event", _("Ticket of another event")
    WRONG_LIST_OR_DATE = "wrong_list_or_date", _("Not valid on this list or date")
    UNPAID = "unpaid", _("Order not paid")
    TEST_TICKET = "test_ticket", _("Test ticket")


class Scan(models.Model):
    """One scan at a door, accepted or refused, online or synced from an offline device."""

    # no database foreign-key constraints: each would lock the referenced row (FOR KEY SHARE) at
    # every scan, and every scan of a door references the same list row (decision 0008); Django
    # still cascades deletions, and only the check-in services write scans
    checkin_list = models.ForeignKey(
        CheckinList, on_delete=models.CASCADE, related_name="scans", db_index=False, db_constraint=False
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="scans", db_constraint=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ScanKind.choices, default=ScanKind.ENTRY)
    result = models.CharField(_("result"), max_length=20, choices=ScanResult.choices)
    device_id = models.CharField(_("device"), max_length=64)
    client_scan_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    scanned_at = models.DateTimeField(_("received at"))
    client_scanned_at = models.DateTimeField(_("scanned at (offline device)"), null=True, blank=True)
    offline = models.BooleanField(_("offline"), default=False)
    conflict = models.BooleanField(
        _("double entry"), default=False, help_text=_("Two devices let this ticket in while offline.")
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkin_list", "line"],
                condition=Q(kind="entry", result="ok", undone_at=None),
                name="scan_first_entry_wins",
            ),
            models.UniqueConstraint(  # per list: devices of other lists (other tenants) never collide
                fields=["checkin_list", "device_id", "client_scan_id"],
                condition=Q(client_scan_id__isnull=False),
                name="scan_client_id_once_per_list",
            ),
        ]
        # few indexes: each scan writes every one of them (the first-entry index serves the look-ups)
        indexes = [models.Index(fields=["checkin_list", "scanned_at"], name="scan_list_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.result} ({self.device_id})"

    @property
    def effective_at(self) -> datetime:
        """When the ticket was shown: the device's time for an offline scan."""
        return self.client_scanned_at or self.scanned_at
