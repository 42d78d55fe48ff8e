from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.core.ids import new_secret
from billetterie.core.money import validate_max_cents
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
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    fee_cents = models.PositiveBigIntegerField(_("fee (cents)"), default=0)
    psp_reference = models.CharField(_("payment service reference"), max_length=200, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    needs_attention = models.CharField(_("to check by staff"), max_length=300, blank=True)
    # a client's key for recording this payment (API): a retried request returns this row
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    # started in a test mode (the built-in sandbox, a payment service's test credentials): no real
    # money moves, whatever the mode is by the time its notice comes (decision 0010)
    testmode = models.BooleanField(_("test payment"), default=False, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "idempotency_key"], name="payment_idempotency_unique")
        ]
        indexes = [
            # the dashboard: money received per day, and the few payments to watch (not every payment)
            models.Index(fields=["confirmed_at"], name="payment_confirmed_idx",
                         condition=models.Q(state="confirmed")),
            models.Index(fields=["order"], name="payment_to_watch_idx",
                         condition=models.Q(state="pending") | ~models.Q(needs_attention="")),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference[:8]}"


class ProviderNotice(models.Model):
    """Every verified notice from a payment service, once: the unique key makes replays no-ops."""

    provider = models.CharField(max_length=40)
    # notice ids come from each merchant account's own counters: unique per organiser, not globally
    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, null=True, related_name="+")
    notice_id = models.CharField(max_length=200)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, related_name="notices")
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "organizer", "notice_id"], name="notice_unique_per_organizer")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.notice_id}"


class Channel(models.TextChoices):
    WEB = "web", _("Web shop")
    BOX_OFFICE = "box_office", _("Box office")
    API = "api", _("API")


class PaymentMethodConfig(models.Model):
    """One payment method an organiser offers: where, in which mode, with which credentials.

    Sandbox and live credentials are kept apart, each encrypted at rest (`payments.crypto`); only
    the active mode's reach the provider. Amount limits narrow the provider's own."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="payment_methods",
                                  verbose_name=_("organiser"))
    provider = models.CharField(_("payment method"), max_length=40)
    enabled = models.BooleanField(_("offered"), default=True)
    on_web = models.BooleanField(_("web shop"), default=True)
    on_box_office = models.BooleanField(_("box office"), default=False)
    on_api = models.BooleanField(_("API"), default=False)
    mode = models.CharField(_("mode"), max_length=10, default="sandbox",
                            choices=[("sandbox", _("Test (sandbox)")), ("live", _("Live"))])
    sandbox_credentials = models.BinaryField(default=b"", editable=False)
    live_credentials = models.BinaryField(default=b"", editable=False)
    label = models.CharField(_("name shown to buyers"), max_length=100, blank=True,
                             help_text=_("Leave blank for the method's usual name."))
    min_amount_cents = models.PositiveBigIntegerField(_("minimum amount (cents)"), null=True, blank=True,
                                                      validators=[validate_max_cents])
    max_amount_cents = models.PositiveBigIntegerField(_("maximum amount (cents)"), null=True, blank=True,
                                                      validators=[validate_max_cents])
    fee_fixed_cents = models.PositiveBigIntegerField(_("fee, fixed part (cents)"), default=0,
                                                     validators=[validate_max_cents])
    fee_per_mille = models.PositiveIntegerField(_("fee, proportional part (‰)"), default=0,
                                                help_text=_("Per thousand of the amount: 15 ‰ = 1.5 %."))
    position = models.PositiveIntegerField(_("display order"), default=0)
    instructions = models.TextField(_("instructions for buyers"), blank=True)
    days_to_pay = models.PositiveIntegerField(
        _("days to pay"), default=7, help_text=_("Bank transfer: how long the order keeps its places.")
    )

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["organizer", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "provider"], name="payment_method_unique")]

    def __str__(self) -> str:
        return f"{self.organizer_id}:{self.provider}"


class RefundState(models.TextChoices):
    CREATED = "created", _("Started")
    PENDING = "pending", _("Awaiting the payment service")
    DONE = "done", _("Refunded")
    FAILED = "failed", _("Failed")
    MANUAL = "manual", _("To do in the payment service's back office")


# refunds that count as money given back: every one started, unless it failed
REFUND_COUNTING_STATES = (RefundState.CREATED, RefundState.PENDING, RefundState.DONE, RefundState.MANUAL)


class Refund(models.Model):
    """One refund of (part of) a confirmed payment; its reference is the idempotency key of the
    PSP call and is stored before the call is made."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    reference = models.CharField(max_length=40, unique=True, default=new_secret, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=RefundState.choices, default=RefundState.CREATED)
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    psp_reference = models.CharField(_("payment service reference"), max_length=200, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # the order line it refunds (a ticket, a meal…), when staff chose one: its ticket is revoked
    line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="refunds", verbose_name=_("order line"))
    # staff's choice at refund time: the places of what it covers (the line, or the whole order
    # once nothing is kept) go back on sale
    release_places = models.BooleanField(_("places released"), default=True)
    # the session-wide refund it is part of (payments.batch), one order's share of it
    batch_item = models.ForeignKey("payments.RefundBatchItem", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="refunds", editable=False)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["id"]
        # the dashboard: money refunded per day
        indexes = [models.Index(fields=["created_at"], name="refund_created_idx")]

    def __str__(self) -> str:
        return f"refund {self.reference[:8]}"

    @property
    def state_label(self) -> str:
        """The state worded for the payment's method (a refund by hand of cash is not done in a
        payment service's back office): `labels.refund_state_label`."""
        from .labels import refund_label  # the labels read the providers' registry, which reads these models

        return refund_label(self)


class StatementLine(models.Model):
    """A bank statement line imported by staff, kept once (by a hash of the line) so importing the
    same statement twice records nothing twice."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="statement_lines")
    line_hash = models.CharField(max_length=64)
    booked_on = models.CharField(_("date"), max_length=20, blank=True)
    label = models.CharField(_("label"), max_length=500)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "line_hash"], name="statement_line_unique")]

    def __str__(self) -> str:
        return self.label[:60]


class StatementImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class StatementImport(models.Model):
    """A bank statement file imported in the background (the mail queue), chunk by chunk, with its
    progress: the lines read so far and what they gave. Each chunk is its own transaction with the
    progress it made, so an import stopped anywhere goes on from where it stood (decision 0011).
    The file's text is kept until the import is done."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="statement_imports")
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last progress at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    content = models.TextField(blank=True)
    state = models.CharField(_("state"), max_length=10, choices=StatementImportState.choices,
                             default=StatementImportState.QUEUED)
    total_lines = models.PositiveIntegerField(_("lines"), default=0)
    lines_done = models.PositiveIntegerField(_("lines read"), default=0)
    recorded = models.PositiveIntegerField(_("payments recorded"), default=0)
    already_imported = models.PositiveIntegerField(_("lines already imported"), default=0)
    unmatched = models.PositiveIntegerField(_("lines without an order code"), default=0)
    problems = models.PositiveIntegerField(_("lines to check"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.lines_done}/{self.total_lines})"


class RefundBatchKind(models.TextChoices):
    CANCEL_DATE = "cancel_date", _("Date cancelled, every holder refunded")
    PART = "part", _("Part of every ticket refunded")


class RefundBatchState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Refunding")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class RefundBatch(models.Model):
    """A session-wide refund (seeds 001 and 002): every holder of a date refunded, in full with the
    date cancelled, or a part of every ticket (an amount or a percentage). One item per order,
    processed one at a time by `payments.batch`, each in its own transaction with its refunds
    stored before any payment service is called: the batch can stop anywhere and run again."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="refund_batches")
    date = models.ForeignKey("catalog.EventDate", on_delete=models.PROTECT, related_name="refund_batches",
                             verbose_name=_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=RefundBatchKind.choices)
    # the form's one-time key: the same confirmation sent twice (a double click) is one batch
    key = models.CharField(max_length=64, editable=False)
    # a part refund: so much per ticket, or this percentage of each ticket's price
    per_ticket_cents = models.PositiveBigIntegerField(_("amount per ticket (cents)"), null=True, blank=True)
    percent = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=RefundBatchState.choices,
                             default=RefundBatchState.QUEUED)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last progress at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total_items = models.PositiveIntegerField(_("orders"), default=0)
    items_done = models.PositiveIntegerField(_("orders processed"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session-wide refund")
        verbose_name_plural = _("session-wide refunds")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "key"], name="refund_batch_key_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_id} ({self.items_done}/{self.total_items})"


class RefundBatchItemState(models.TextChoices):
    PENDING = "pending", _("To process")
    STORED = "stored", _("Refunds stored, being sent")
    PROCESSED = "processed", _("Processed")


class RefundBatchItemResult(models.TextChoices):
    REFUNDS = "", _("Refunds stored")
    NOTHING = "nothing", _("Nothing to refund")
    CANCELLED = "cancelled", _("Unpaid order cancelled")
    REFUSED = "refused", _("Refused")


class RefundBatchItem(models.Model):
    """One order's share of a batch, once (unique per batch): its refunds point at it, their
    references (the payment services' idempotency keys) derive from the batch and the order."""

    batch = models.ForeignKey(RefundBatch, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refund_batch_items")
    state = models.CharField(_("state"), max_length=10, choices=RefundBatchItemState.choices,
                             default=RefundBatchItemState.PENDING)
    # what was refunded for it, in total and per order line ({line id: cents}); the lines of a
    # part refund keep the tickets valid but lower what each may still be refunded
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"), default=0)
    lines = models.JSONField(default=dict, blank=True)
    # why nothing was refunded (already refunded, unpaid order cancelled…) or what went wrong
    result = models.CharField(max_length=20, blank=True, choices=RefundBatchItemResult.choices)
    message = models.CharField(_("message"), max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order of a session-wide refund")
        verbose_name_plural = _("orders of a session-wide refund")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["batch", "order"], name="refund_batch_item_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.order_id}"
