"""Donation tax receipts (Cerfa n° 11580, « reçu au titre des dons à certains organismes d'intérêt
général », art. 200, 238 bis et 978 du CGI): the organiser's eligibility, the donors' requests,
the receipts (never changed nor deleted once issued) and their cancellations."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer


class OrganismStatus(models.TextChoices):
    """The Cerfa's « Cochez la case qui convient » of the beneficiary (the common cases)."""

    PUBLIC_UTILITY = "public_utility", _("Association or foundation recognised as being of public utility")
    GENERAL_INTEREST = "general_interest", _("Charity or organisation of general interest (association loi 1901)")
    CORPORATE_FOUNDATION = "corporate_foundation", _("Corporate foundation")
    UNIVERSITY_FOUNDATION = "university_foundation", _("University or partnership foundation")
    MUSEUM = "museum", _("Musée de France")
    EDUCATION = "education", _("Non-profit higher or artistic education establishment of general interest")
    FESTIVAL = "festival", _("Organisation whose main activity is organising festivals")
    AID = "aid", _("Association giving free food aid or medical care to people in need, or helping them find housing")
    RESEARCH = "research", _("Non-profit research establishment of general interest")
    WORSHIP_ALSACE_MOSELLE = "worship", _("Religious or charitable association of Alsace-Moselle")
    OTHER = "other", _("Other organisation")


# the articles of the CGI the gifts give a reduction under (the Cerfa's three boxes)
CGI_ARTICLES = ("200", "238 bis", "978")


class TaxReceiptSignature(models.Model):
    """A signature image (PNG, re-encoded: `services.signature_png`), never changed: the settings
    point at the current one, each receipt at the one it was issued with."""

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="tax_receipt_signatures")
    sha256 = models.CharField(max_length=64, editable=False)
    png = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["organizer", "sha256"], name="taxreceipt_signature_unique")]

    def __str__(self) -> str:
        return f"signature {self.organizer_id}:{self.sha256[:8]}"


class TaxReceiptSettings(models.Model):
    """The organiser's eligibility to issue tax receipts, as printed on them; off until opted in."""

    organizer = models.OneToOneField(Organizer, on_delete=models.CASCADE, primary_key=True,
                                     related_name="tax_receipt_settings")
    enabled = models.BooleanField(_("issue tax receipts"), default=False)
    name = models.CharField(_("name of the organisation"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    purpose = models.TextField(_("object"), blank=True)
    status = models.CharField(_("category of organisation"), max_length=30, choices=OrganismStatus.choices,
                              blank=True)
    # « reconnue d'utilité publique par décret en date du … publié au JO du … », « Autre organisme : … »
    status_detail = models.CharField(_("details of the category"), max_length=300, blank=True)
    articles = models.JSONField(_("articles of the CGI"), default=list, blank=True)  # among CGI_ARTICLES
    signatory_name = models.CharField(_("signatory's name"), max_length=200, blank=True)
    signatory_quality = models.CharField(_("signatory's title"), max_length=200, blank=True)
    signature = models.ForeignKey(TaxReceiptSignature, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tax receipt settings")
        verbose_name_plural = _("tax receipt settings")

    def __str__(self) -> str:
        return f"tax receipts {self.organizer_id}"


class ReceiptMode(models.TextChoices):
    SINGLE = "single", _("A receipt for this donation")
    YEARLY = "yearly", _("One receipt a year for all my donations")


class TaxReceiptRequest(models.Model):
    """A buyer who gives asked, at checkout, for a tax receipt: their postal address and whether
    they want it per donation or once a year. Written with the order."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, primary_key=True, related_name="tax_receipt_request")
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="tax_receipt_requests")
    mode = models.CharField(_("receipt"), max_length=10, choices=ReceiptMode.choices, default=ReceiptMode.SINGLE)
    name = models.CharField(_("donor"), max_length=200)
    email = models.EmailField(_("email"))
    address = models.CharField(_("address"), max_length=300)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tax receipt request")
        verbose_name_plural = _("tax receipt requests")
        indexes = [models.Index(fields=["organizer", "mode", "email"], name="taxreceipt_request_donor_idx")]

    def __str__(self) -> str:
        return f"request {self.order_id}"


class ReceiptKind(models.TextChoices):
    SINGLE = "single", _("Donation")
    YEARLY = "yearly", _("Yearly summary")


class PaymentWay(models.TextChoices):
    """The Cerfa's « mode de versement du don » for a gift in money."""

    CASH = "cash", _("Cash")
    CHEQUE = "cheque", pgettext_lazy("payment way", "Cheque")
    TRANSFER_CARD = "transfer_card", _("Transfer, direct debit, bank card")


class Immutable(models.Model):
    """Rows written once: a second save or a delete is a programming error, refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} is never changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{type(self).__name__} is never deleted")


class TaxReceipt(Immutable):
    """An issued receipt: everything it prints, copied when it was issued. Numbered per organiser
    and year without gap (`core.sequences`, series « taxreceipt:<year> »); a test order's receipt is
    a specimen of its own series (« taxreceipt-test:<year> »), never a real number."""

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="tax_receipts")
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    testmode = models.BooleanField(_("specimen (test order)"), default=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ReceiptKind.choices, default=ReceiptKind.SINGLE)
    issued_at = models.DateTimeField(_("issued at"))
    # the beneficiary, as in the settings when issued
    beneficiary_name = models.CharField(max_length=200)
    beneficiary_address = models.TextField()
    beneficiary_purpose = models.TextField()
    beneficiary_status = models.CharField(max_length=30, choices=OrganismStatus.choices)
    beneficiary_status_detail = models.CharField(max_length=300, blank=True)
    articles = models.JSONField(default=list)
    signatory_name = models.CharField(max_length=200)
    signatory_quality = models.CharField(max_length=200)
    signature = models.ForeignKey(TaxReceiptSignature, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="receipts")
    # the donor
    donor_name = models.CharField(_("donor"), max_length=200)
    donor_email = models.EmailField(_("email"))
    donor_address = models.CharField(_("address"), max_length=300)
    donor_postcode = models.CharField(_("postcode"), max_length=20)
    donor_city = models.CharField(_("city"), max_length=100)
    donor_country = models.CharField(_("country"), max_length=100, blank=True)
    # the gift
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    amount_words = models.CharField(_("amount in words"), max_length=300)
    donated_on = models.DateField(_("date of the donation"))  # a yearly summary: its last donation
    first_donated_on = models.DateField()  # a yearly summary: its first donation (else = donated_on)
    payment_ways = models.JSONField(default=list)  # PaymentWay values
    nature = models.CharField(max_length=20, default="numeraire", editable=False)  # « Numéraire »
    form = models.CharField(max_length=20, default="don_manuel", editable=False)  # « Déclaration de don manuel »

    class Meta:
        verbose_name = _("tax receipt")
        verbose_name_plural = _("tax receipts")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "testmode", "year", "number"],
                                    name="taxreceipt_number_unique"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """« 2026-00042 » (« TEST-2026-00001 » for a specimen)."""
        return f"{'TEST-' if self.testmode else ''}{self.year}-{self.number:05d}"


class TaxReceiptDonation(Immutable):
    """One donation a receipt covers: an order's donation lines, paid on one day. An order's
    donation is on one receipt that is not cancelled at most (`services`: issuing locks the
    organiser's settings row); a cancelled yearly summary's other donations may go on a new one."""

    receipt = models.ForeignKey(TaxReceipt, on_delete=models.PROTECT, related_name="donations")
    # PROTECT: an order on a receipt can never be deleted
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="tax_receipt_donations")
    amount_cents = models.PositiveBigIntegerField()
    donated_on = models.DateField()
    payment_way = models.CharField(max_length=20, choices=PaymentWay.choices)

    class Meta:
        verbose_name = _("donation on a tax receipt")
        verbose_name_plural = _("donations on tax receipts")
        ordering = ["donated_on", "id"]

    def __str__(self) -> str:
        return f"{self.receipt_id}:{self.order_id}"


class TaxReceiptCancellation(Immutable):
    """A receipt cancelled (its donation refunded): the receipt stays, marked, and no longer counts."""

    receipt = models.OneToOneField(TaxReceipt, on_delete=models.PROTECT, primary_key=True,
                                   related_name="cancellation")
    cancelled_at = models.DateTimeField(_("cancelled at"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("tax receipt cancellation")
        verbose_name_plural = _("tax receipt cancellations")

    def __str__(self) -> str:
        return f"cancellation {self.receipt_id}"
