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


class _WrittenOnce(models.QuerySet):
    """The ticketing record's rows are written once: no update, no delete, through any queryset."""

    def update(self, **kwargs: object) -> int:
        raise TypeError(f"{self.model.__name__} rows are never changed (CGI art. 290 quater)")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are never deleted (CGI art. 290 quater)")


class _WrittenOnceModel(models.Model):
    objects = _WrittenOnce.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are never changed (CGI art. 290 quater)")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are never deleted (CGI art. 290 quater)")


class TicketNumber(_WrittenOnceModel):
    """A ticket's number in its event's uninterrupted series (CGI art. 290 quater, annexe IV art.
    50 sexies B), given when its order becomes paid, in that transaction (tickets.series).

    What the daily summary needs is copied here when the ticket is issued (its category, price,
    date), so the record says what was sold whatever the catalogue becomes. Never changed nor
    deleted (the model refuses it, and on PostgreSQL a trigger too): a refunded ticket keeps its
    number and gets a TicketCancellation. Test orders have their own series (`testmode`)."""

    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="ticket_number")
    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    testmode = models.BooleanField(default=False)
    number = models.PositiveIntegerField(_("ticket number"))
    issued_at = models.DateTimeField(_("issued at"))
    date = models.ForeignKey("catalog.EventDate", on_delete=models.PROTECT, null=True, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    price = models.ForeignKey("catalog.Price", on_delete=models.PROTECT, null=True, related_name="+")
    category = models.CharField(_("price category"), max_length=300)
    amount_cents = models.PositiveBigIntegerField(_("price paid (cents)"))
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        verbose_name = _("ticket number")
        verbose_name_plural = _("ticket numbers")
        constraints = [
            models.UniqueConstraint(fields=["event", "testmode", "number"], name="ticket_number_unique"),
        ]
        indexes = [models.Index(fields=["organizer", "issued_at"], name="ticket_number_issued_idx")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.number:06d}"

    @property
    def text(self) -> str:
        """As printed on the ticket: 000123."""
        return f"{self.number:06d}"


class TicketCancellation(_WrittenOnceModel):
    """A numbered ticket that no longer admits because its money went back (its line or its whole
    order refunded) or its order was cancelled: the summary shows it cancelled, its number stays."""

    ticket = models.OneToOneField(TicketNumber, on_delete=models.PROTECT, related_name="cancellation")
    cancelled_at = models.DateTimeField(_("cancelled at"))
    reason = models.CharField(_("reason"), max_length=20)

    class Meta:
        verbose_name = _("cancelled ticket")
        verbose_name_plural = _("cancelled tickets")

    def __str__(self) -> str:
        return f"{self.ticket} ({self.reason})"
