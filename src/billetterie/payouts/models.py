"""What the payment services paid out to the organiser's bank, line by line, and which of our
payments and refunds each line is (decision 0030)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PayoutState(models.TextChoices):
    PAID = "paid", pgettext_lazy("payout", "Paid")
    PENDING = "pending", pgettext_lazy("payout", "Announced")
    IN_TRANSIT = "in_transit", pgettext_lazy("payout", "On its way")
    FAILED = "failed", pgettext_lazy("payout", "Failed")
    CANCELED = "canceled", pgettext_lazy("payout", "Cancelled")


class PayoutSource(models.TextChoices):
    STRIPE = "stripe_api", _("Stripe (fetched)")
    PAYPAL = "paypal_csv", _("PayPal activity file")
    BANK = "bank_csv", _("Payment service file")


class Payout(models.Model):
    """One transfer from a payment service to the organiser's bank account: known once per
    organiser, service and the service's id of it (importing it again adds nothing)."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="payouts")
    provider = models.CharField(_("payment method"), max_length=40)
    source = models.CharField(_("imported from"), max_length=20, choices=PayoutSource.choices)
    psp_id = models.CharField(_("payment service reference"), max_length=200)
    arrival_date = models.DateField(_("arrival date"))
    state = models.CharField(_("state"), max_length=20, choices=PayoutState.choices, default=PayoutState.PAID)
    currency = models.CharField(max_length=3, default="EUR")
    # signed cents: what reached the bank (net), the lines' gross and their fees
    amount_cents = models.BigIntegerField(_("amount paid out (cents)"))
    gross_cents = models.BigIntegerField(_("gross (cents)"), default=0)
    fee_cents = models.BigIntegerField(_("fees (cents)"), default=0)
    # why the payout does not add up (its lines' net sum is not its amount), blank when it does
    problem = models.CharField(_("to check"), max_length=300, blank=True)
    # read with a payment service's test credentials: test money, kept apart in the books
    testmode = models.BooleanField(_("test payout"), default=False)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-arrival_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "provider", "psp_id"], name="payout_unique_per_service")
        ]
        indexes = [models.Index(fields=["organizer", "arrival_date"], name="payout_period_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.psp_id}"


class PayoutItemKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", pgettext_lazy("payout line", "Refund")
    FEE = "fee", _("Fee")
    ADJUSTMENT = "adjustment", _("Adjustment")


class PayoutItem(models.Model):
    """One line of a payout: a payment, a refund, a fee or an adjustment at the payment service,
    with our payment or refund it is (same organiser only), and what does not agree."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    # the line's own id at the service (a balance transaction, a PayPal transaction, a file's row)
    psp_id = models.CharField(max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PayoutItemKind.choices)
    # what the line names (a charge, a refund, a transaction number): what it is matched by
    psp_reference = models.CharField(_("payment service reference"), max_length=200, blank=True)
    # every reference the line may be known by on our side (matched again later with them)
    keys = models.JSONField(default=list, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    booked_on = models.DateField(_("date"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    gross_cents = models.BigIntegerField(_("gross (cents)"))
    fee_cents = models.BigIntegerField(_("fee (cents)"), default=0)
    net_cents = models.BigIntegerField(_("net (cents)"))
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    refund = models.ForeignKey("payments.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    problem = models.CharField(_("to check"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["payout", "psp_id"], name="payout_item_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.psp_reference}"

    @property
    def matched(self) -> bool:
        return (self.payment_id is not None or self.refund_id is not None) and not self.problem


class PayoutImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class PayoutImport(models.Model):
    """A fetch of a period's payouts from Stripe, in the background (the mail queue), with its
    progress. Each payout is written with all its lines in one transaction: a fetch stopped
    anywhere leaves whole payouts only, and running it again adds only what is missing."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="payout_imports")
    provider = models.CharField(max_length=40, default="stripe")
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last progress at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    state = models.CharField(_("state"), max_length=10, choices=PayoutImportState.choices,
                             default=PayoutImportState.QUEUED)
    payouts_seen = models.PositiveIntegerField(_("payouts read"), default=0)
    payouts_new = models.PositiveIntegerField(_("payouts added"), default=0)
    items_new = models.PositiveIntegerField(_("lines added"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payouts fetch")
        verbose_name_plural = _("payouts fetches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.period_start}–{self.period_end}"
