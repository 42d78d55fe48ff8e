"""The double-entry books: an organiser's accounts, its transactions and their lines.

A transaction is written once, with all its lines, by `ledger.services.post`, which refuses one
that does not sum to zero; nothing updates or deletes them (a correction is a new transaction).
Balances are sums of lines, never a stored figure."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("account number"), max_length=20)
    label = models.CharField(_("account"), max_length=120)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["organizer", "code"]
        constraints = [models.UniqueConstraint(fields=["organizer", "code"], name="ledger_account_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Journal(models.TextChoices):
    """The FEC's JournalCode: sales, and the money journals."""

    SALES = "VE", _("Sales journal")
    BANK = "BQ", _("Bank and payment services journal")
    CASH = "CA", _("Cash journal")


class TransactionKind(models.TextChoices):
    PAYMENT = "payment", _("Payment received")
    PAYMENT_REVERSAL = "payment_reversal", _("Payment cancelled")
    REFUND = "refund", _("Refund given")
    REFUND_REVERSAL = "refund_reversal", _("Refund failed")
    SALE = "sale", _("Sale posted")  # a sale, or a change of it (cancelled, refunded in part)
    PAYOUT = "payout", _("Payout")  # a payment service paid out to the bank (payouts; its reversal too)


class Transaction(models.Model):
    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.PROTECT, related_name="+")
    # what it is and what made it: once per key, so a retried notice or event never posts twice
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    journal = models.CharField(max_length=2, choices=Journal.choices)
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(_("label"), max_length=200)
    piece = models.CharField(_("reference"), max_length=40, blank=True)  # the order's code
    # the rows it follows, by id: the books outlive nothing, but point at the payments domain's rows
    # without holding them (a plain column, no foreign key)
    order_id = models.BigIntegerField(null=True, blank=True)
    payment_id = models.BigIntegerField(null=True, blank=True)
    refund_id = models.BigIntegerField(null=True, blank=True)
    # test money or a test order (decision 0010): kept apart, out of every balance and export
    testmode = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "key"], name="ledger_transaction_key_unique")]
        indexes = [
            models.Index(fields=["order_id"], name="ledger_txn_order_idx"),
            models.Index(fields=["payment_id"], name="ledger_txn_payment_idx", condition=Q(payment_id__isnull=False)),
            models.Index(fields=["refund_id"], name="ledger_txn_refund_idx", condition=Q(refund_id__isnull=False)),
            models.Index(fields=["organizer", "date"], name="ledger_txn_date_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class Line(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit_cents = models.PositiveBigIntegerField(default=0)
    credit_cents = models.PositiveBigIntegerField(default=0)
    # a sales or VAT line: the VAT rate it is at (hundredths of a percent)
    vat_rate_bp = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        ordering = ["id"]
        constraints = [
            # one side only, never nothing
            models.CheckConstraint(condition=(Q(debit_cents=0) & Q(credit_cents__gt=0))
                                   | (Q(credit_cents=0) & Q(debit_cents__gt=0)), name="ledger_line_one_side"),
        ]
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_line_account_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} D{self.debit_cents} C{self.credit_cents}"
