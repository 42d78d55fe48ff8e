"""Invoices and credit notes (issue 13, item 2), and each organiser's invoicing settings.

An issued document is a snapshot: the seller, the buyer, the lines, the VAT and the totals as
they were when it was numbered. It is never changed nor deleted (the model refuses, the admin
offers neither); a correction is a credit note that points at the invoice. Both point at their
order with PROTECT, so an invoiced order cannot be deleted either (seed 004: "the booking cannot
be deleted, only cancelled, which generates a credit note")."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer


class ImmutableDocument(Exception):
    """An issued invoice or credit note was about to be changed or deleted."""


class VatRegime(models.TextChoices):
    # "franchise en base" (art. 293 B du CGI): most associations; the invoice shows no VAT
    NOT_SUBJECT = "not_subject", _("Not subject to VAT (art. 293 B du CGI)")
    SUBJECT = "subject", _("Subject to VAT")


class InvoicingSettings(models.Model):
    """One organiser's invoicing: off by default; once on, every paid order gets an invoice."""

    organizer = models.OneToOneField(Organizer, on_delete=models.CASCADE, related_name="invoicing_settings")
    enabled = models.BooleanField(_("invoicing on"), default=False)
    vat_regime = models.CharField(_("VAT"), max_length=20, choices=VatRegime.choices, default=VatRegime.NOT_SUBJECT)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    prefix = models.CharField(_("invoice number prefix"), max_length=8, default="F")
    credit_note_prefix = models.CharField(_("credit note number prefix"), max_length=8, default="AV")
    payment_terms = models.CharField(_("payment terms"), max_length=300, blank=True)
    payment_days = models.PositiveIntegerField(_("days to pay an invoice"), default=30)
    # the late-payment mentions on invoices to buyers who gave no organisation too (an invoice to
    # a business buyer always has them: decision 0029); off by default, a consumer owes neither
    b2b_mentions = models.BooleanField(_("late-payment mentions on every invoice"), default=False)
    late_penalty_rate = models.CharField(_("late-payment penalty rate"), max_length=200, blank=True)
    # printed on the contract of an order paid in parts, with {PourcentageAcompte}, {MontantAcompte},
    # {Solde} and {Total} filled in (invoicing.contract)
    contract_text = models.TextField(_("contract text"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoicing settings")
        verbose_name_plural = _("invoicing settings")

    def __str__(self) -> str:
        return f"{self.organizer_id}"


class DocumentQuerySet(models.QuerySet[Any]):
    """Issued documents cannot be deleted in bulk, nor updated but for their payment status."""

    # what may change on an issued invoice: whether its buyer paid it (not part of the document)
    MUTABLE = frozenset({"paid_at"})

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument("an issued invoice or credit note is never deleted")

    def update(self, **kwargs: Any) -> int:
        if set(kwargs) - self.MUTABLE:
            raise ImmutableDocument("an issued invoice or credit note is never changed")
        return super().update(**kwargs)


class _Document(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number in the series"))
    # issued for a test order (sandbox money): numbered in a series of its own, marked as a
    # specimen, never part of the organiser's real series (decision 0029)
    testmode = models.BooleanField(_("test document"), default=False)
    issued_at = models.DateTimeField(_("issued at"))
    currency = models.CharField(max_length=3, default="EUR")
    seller = models.JSONField(_("seller"), default=dict)
    buyer = models.JSONField(_("buyer"), default=dict)
    # [{label, quantity, unit_cents, vat_rate_bp, net_cents, vat_cents, gross_cents}]
    lines = models.JSONField(_("lines"), default=list)
    # [{vat_rate_bp, net_cents, vat_cents, gross_cents}], one per rate
    vat_breakdown = models.JSONField(_("VAT breakdown"), default=list)
    net_cents = models.BigIntegerField(_("total excluding VAT (cents)"))
    vat_cents = models.BigIntegerField(_("VAT (cents)"))
    gross_cents = models.BigIntegerField(_("total including VAT (cents)"))
    mentions = models.JSONField(_("mentions"), default=dict)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocument(f"{self.number} is issued: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocument(f"{self.number} is issued: it is never deleted")


class Invoice(_Document):
    # one invoice per order: PROTECT, an invoiced order cannot be deleted
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    # pay by invoice: the date the buyer pays it by; none for an order paid when invoiced
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "number"], name="invoice_number_unique")]


class CreditNoteCause(models.TextChoices):
    REFUND = "refund", _("Refund")
    CANCELLATION = "cancellation", _("Cancellation")


class CreditNote(_Document):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_notes")
    cause = models.CharField(_("cause"), max_length=20, choices=CreditNoteCause.choices)
    # the refund it answers (payments.Refund), once: a replayed event issues nothing twice
    refund_id = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "number"], name="credit_note_number_unique")]


class BillingDetails(models.Model):
    """The company or association a buyer asked their invoice to be made out to (issue 13), with
    its billing address and numbers: written with the order at checkout, copied on the invoice
    when it is issued (the invoice is the record; this row is only what it will say). Staff may
    correct it until the invoice is issued, never after (invoicing.billing)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="billing_details")
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    organization = models.CharField(_("organisation"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=100, default="France")
    country_code = models.CharField(_("country code"), max_length=2, default="FR")  # ISO 3166-1 alpha-2
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    reference = models.CharField(_("reference or purchase order"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("billing details")
        verbose_name_plural = _("billing details")

    def __str__(self) -> str:
        return self.organization
