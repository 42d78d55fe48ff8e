from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import Event
from billetterie.orders.models import OrderLine


class EventKey(models.Model):
    """The Ed25519 key pair that signs an event's tickets.

    The public key is handed to scanners, which verify tickets offline. The private key never
    leaves the server: it is stored encrypted with a key derived from SECRET_KEY (see services)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="signing_key")
    public_key = models.BinaryField(_("public key"), max_length=32, editable=False)
    private_key_encrypted = models.BinaryField(max_length=200, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket signing key")
        verbose_name_plural = _("ticket signing keys")

    def __str__(self) -> str:
        return f"{self.event} ({bytes(self.public_key).hex()[:16]}…)"


class RevokedTicket(models.Model):
    """A ticket payload that no longer admits: its line got a new nonce (ticket reissued), or
    none at all (a refund covered the line: reason "refunded").

    Cancelled, expired and refunded orders are revoked by their state; this table keeps the old
    nonces, which the offline scanners need to refuse old copies of a reissued or refunded ticket."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="revoked_tickets")
    nonce = models.BinaryField(max_length=8)
    revoked_at = models.DateTimeField(_("revoked at"))
    reason = models.CharField(_("reason"), max_length=40, default="reissued")
    # the staff member who reissued the ticket (None: done by the system, or that account is gone)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("revoked ticket")
        verbose_name_plural = _("revoked tickets")
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"{self.line_id}:{bytes(self.nonce).hex()}"


class TicketLayout(models.Model):
    """An organiser's own ticket page: HTML with documented placeholders only (see tickets.layout).

    One for an event, or one for all the organiser's events (event left empty)."""

    organizer = models.ForeignKey(
        "organizers.Organizer", on_delete=models.CASCADE, related_name="ticket_layouts", verbose_name=_("organiser")
    )
    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="ticket_layout",
        verbose_name=_("event"), help_text=_("Empty: every event of the organiser without its own layout."),
    )
    html = models.TextField(_("HTML layout"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket layout")
        verbose_name_plural = _("ticket layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["organizer"], condition=models.Q(event=None), name="ticket_layout_one_default"
            )
        ]

    def __str__(self) -> str:
        return str(self.event or self.organizer)
