"""Reads of tax receipts: the organiser's settings, what a checkout offers, the receipts of a year
and the figures of the yearly declaration (art. 222 bis du CGI)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CGI_ARTICLES, TaxReceipt, TaxReceiptSettings


def settings_of(*, organizer_id: int) -> TaxReceiptSettings:
    """The organiser's settings (an unsaved, switched-off row when it never set them)."""
    found = TaxReceiptSettings.objects.select_related("signature").filter(organizer_id=organizer_id).first()
    return found or TaxReceiptSettings(organizer_id=organizer_id)


_FIELD_NAMES = {
    "name": gettext_lazy("the name of the organisation"), "address": gettext_lazy("its address"),
    "purpose": gettext_lazy("its object"), "status": gettext_lazy("its category"),
    "signatory_name": gettext_lazy("the signatory's name"), "signatory_quality": gettext_lazy("the signatory's title"),
}


def settings_missing(settings: TaxReceiptSettings) -> list[str]:
    """What a receipt must print and the settings lack (empty: receipts can be issued)."""
    missing = []
    for field in ("name", "address", "purpose", "status", "signatory_name", "signatory_quality"):
        if not str(getattr(settings, field) or "").strip():
            missing.append(str(_FIELD_NAMES[field]))
    if not [a for a in settings.articles or [] if a in CGI_ARTICLES]:
        missing.append(_("the article of the CGI"))
    if settings.signature_id is None:
        missing.append(_("the signature image"))
    return missing


def receipts_offered(*, organizer_id: int) -> bool:
    """A buyer who gives may ask for a receipt: the organiser opted in with complete settings."""
    settings = settings_of(organizer_id=organizer_id)
    return settings.enabled and not settings_missing(settings)


def receipts_of_year(*, organizer_id: int, year: int, testmode: bool = False) -> QuerySet[TaxReceipt]:
    """The receipts issued in `year` (specimens apart), newest first, with their cancellation."""
    return (TaxReceipt.objects.filter(organizer_id=organizer_id, year=year, testmode=testmode)
            .select_related("cancellation").order_by("-number"))


def receipt_years(*, organizer_id: int) -> list[int]:
    return sorted(set(TaxReceipt.objects.filter(organizer_id=organizer_id, testmode=False)
                      .values_list("year", flat=True)), reverse=True)


@dataclass(frozen=True)
class Declaration:
    """Art. 222 bis du CGI: the total amount and number of the receipts issued in the year, which
    the organisation declares; the cancelled ones are shown apart and not counted."""

    year: int
    count: int
    total_cents: int
    cancelled_count: int
    cancelled_cents: int


def declaration_figures(*, organizer_id: int, year: int) -> Declaration:
    live = Q(cancellation__isnull=True)
    row = TaxReceipt.objects.filter(organizer_id=organizer_id, year=year, testmode=False).aggregate(
        count=Count("pk", filter=live), total=Sum("amount_cents", filter=live),
        cancelled=Count("pk", filter=~live), cancelled_total=Sum("amount_cents", filter=~live),
    )
    return Declaration(year, row["count"] or 0, row["total"] or 0, row["cancelled"] or 0, row["cancelled_total"] or 0)


def receipts_of_order(*, order_id: int) -> list[TaxReceipt]:
    """The receipts (cancelled ones included, marked) that cover the order's donation."""
    return list(TaxReceipt.objects.filter(donations__order_id=order_id).select_related("cancellation")
                .order_by("issued_at").distinct())


def receipt_of(*, organizer_id: int, receipt_id: int) -> TaxReceipt | None:
    return (TaxReceipt.objects.select_related("cancellation", "signature")
            .filter(organizer_id=organizer_id, pk=receipt_id).first())
