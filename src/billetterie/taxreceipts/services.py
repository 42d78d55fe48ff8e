"""Tax receipts: the organiser's eligibility and signature, a donor's request at checkout, the
receipts issued when a donation is paid or once a year by staff, and their cancellation when the
donation is refunded (decision 0028).

A receipt is numbered in the transaction that issues it (`core.sequences`, one series per
organiser and year of issue): what commits is numbered 1, 2, 3… without gap. A per-donation
receipt is issued in the transaction that marks the order paid (`subscribers`); everything it
prints is copied on it, so a later change of the settings never changes an issued receipt."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billetterie.catalog.models import ProductKind
from billetterie.core import audit, clock, events
from billetterie.core.audit import audit_record
from billetterie.core.errors import InvalidInput
from billetterie.core.sequences import sequence_next
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.payments.models import Payment, PaymentState
from billetterie.payments.selectors import refunded_line_ids

from .events import TaxReceiptCancelled, TaxReceiptIssued
from .models import (
    CGI_ARTICLES,
    OrganismStatus,
    PaymentWay,
    ReceiptKind,
    ReceiptMode,
    TaxReceipt,
    TaxReceiptCancellation,
    TaxReceiptDonation,
    TaxReceiptRequest,
    TaxReceiptSettings,
    TaxReceiptSignature,
)
from .selectors import settings_missing
from .words import amount_in_words

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")  # a French receipt's dates and years are French ones
REASON_REFUNDED = "refunded"


def _invalid(field: str | None, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


# --- the donor's address ------------------------------------------------------------------------


@dataclass(frozen=True)
class DonorAddress:
    address: str
    postcode: str
    city: str
    country: str = "France"


def _is_france(country: str) -> bool:
    return country.strip().casefold() in ("", "france", "fr")


def donor_address_clean(*, address: str, postcode: str, city: str, country: str = "") -> DonorAddress:
    """The postal address a receipt prints, checked: InvalidInput naming the field otherwise."""
    address, postcode, city = " ".join(address.split()), " ".join(postcode.split()).upper(), " ".join(city.split())
    country = " ".join(country.split()) or "France"
    if not address or len(address) > 300 or not any(c.isalpha() for c in address):
        raise _invalid("address", _("For a tax receipt, give your postal address: number and street."),
                       "donor_address")
    if _is_france(country):
        if not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
            raise _invalid("postcode", _("Enter a French postcode of 5 digits (for example 46200)."), "donor_postcode")
    elif not postcode or len(postcode) > 20 or not all(c.isalnum() or c in " -" for c in postcode):
        raise _invalid("postcode", _("Enter the postcode of your address."), "donor_postcode")
    if not city or len(city) > 100 or not any(c.isalpha() for c in city):
        raise _invalid("city", _("Enter the town or city of your address."), "donor_city")
    if len(country) > 100:
        raise _invalid("country", _("Enter the country of your address."), "donor_country")
    return DonorAddress(address, postcode, city, country)


def request_record(*, order: Order, mode: str, donor: DonorAddress) -> TaxReceiptRequest | None:
    """The buyer's request for a receipt, written with their order (the checkout's transaction).
    None when the organiser does not issue receipts or the order gives nothing. Idempotent: a
    replayed checkout keeps the first request."""
    from .selectors import receipts_offered

    if mode not in ReceiptMode.values:
        raise _invalid("tax_receipt_mode", _("Choose how you want your tax receipt."))
    if not receipts_offered(organizer_id=order.organizer_id):
        return None
    if not order.lines.filter(kind=ProductKind.DONATION).exists():
        return None
    request, created = TaxReceiptRequest.objects.get_or_create(order=order, defaults={
        "organizer_id": order.organizer_id, "mode": mode, "name": order.name, "email": order.email,
        "address": donor.address, "postcode": donor.postcode, "city": donor.city, "country": donor.country,
    })
    if created:
        audit_record(action="taxreceipt.requested", subject=order, organizer_id=order.organizer_id,
                     order_id=order.pk, changes={"tax_receipt": [None, mode]})
    return request


# --- the organiser's settings -------------------------------------------------------------------

SETTINGS_FIELDS = ("enabled", "name", "address", "purpose", "status", "status_detail", "articles",
                   "signatory_name", "signatory_quality")
_TEXT_LIMITS = {"name": 200, "address": 2000, "purpose": 2000, "status_detail": 300, "signatory_name": 200,
                "signatory_quality": 200}


def _settings_checked(values: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        text = str(values.get(name) or "").strip()
        if len(text) > limit or "\x00" in text:
            raise _invalid(name, _("This text is too long: at most %(n)d characters.") % {"n": limit})
        clean[name] = text
    status = str(values.get("status") or "")
    if status and status not in OrganismStatus.values:
        raise _invalid("status", _("Choose the category of the organisation."))
    if status == OrganismStatus.OTHER and not clean["status_detail"]:
        raise _invalid("status_detail", _("Say which kind of organisation it is."))
    articles = [str(a) for a in values.get("articles") or []]
    if any(a not in CGI_ARTICLES for a in articles):
        raise _invalid("articles", _("Choose among the articles 200, 238 bis and 978 of the CGI."))
    clean.update(status=status, articles=[a for a in CGI_ARTICLES if a in articles],
                 enabled=bool(values.get("enabled")))
    return clean


def settings_update(*, organizer_id: int, values: Mapping[str, Any]) -> TaxReceiptSettings:
    """Change the eligibility settings (SETTINGS_FIELDS); turning receipts on needs them complete
    and a signature. Refused whole, with the field, on bad input. Audited."""
    clean = _settings_checked(values)
    with transaction.atomic():
        TaxReceiptSettings.objects.get_or_create(organizer_id=organizer_id)
        current = TaxReceiptSettings.objects.select_for_update().get(organizer_id=organizer_id)
        before = audit.snapshot(current, SETTINGS_FIELDS)
        for name, value in clean.items():
            setattr(current, name, value)
        missing = settings_missing(current)
        if current.enabled and missing:
            raise _invalid("enabled", _("To issue tax receipts, fill in: %(missing)s.")
                           % {"missing": ", ".join(missing)}, "settings_incomplete")
        changes = audit.changed(before, audit.snapshot(current, SETTINGS_FIELDS))
        if changes:
            current.save(update_fields=[*changes, "updated_at"])
            audit_record(action="taxreceipt.settings_changed", subject=current, organizer_id=organizer_id,
                         changes=changes)
    return current


SIGNATURE_MAX_BYTES = 1024 * 1024
SIGNATURE_MAX_PIXELS = 16_000_000  # refused before decoding: a small file can claim a huge image
SIGNATURE_BOX = (600, 240)  # what is kept: the image fitted in this box


def signature_png(*, data: bytes) -> bytes:
    """The uploaded signature checked with Pillow and re-encoded as PNG (fitted in SIGNATURE_BOX,
    its metadata dropped): never the bytes uploaded. InvalidInput for anything but a PNG or JPEG."""
    from PIL import Image, UnidentifiedImageError

    not_an_image = _invalid("signature", _("This file is not an image: send a PNG or JPEG file."), "not_image")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise _invalid("signature", _("This image is too large: at most 1 MB."), "image_too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("PNG", "JPEG"):
                raise not_an_image
            if probe.size[0] * probe.size[1] > SIGNATURE_MAX_PIXELS:
                raise _invalid("signature", _("This image has too many pixels."), "image_too_large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            picture = image.convert("RGBA")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise not_an_image from None
    picture.thumbnail(SIGNATURE_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def signature_set(*, organizer_id: int, data: bytes) -> TaxReceiptSignature:
    """Keep an uploaded signature for the receipts issued from now on (those issued keep theirs)."""
    png = signature_png(data=data)
    digest = hashlib.sha256(png).hexdigest()
    with transaction.atomic():
        TaxReceiptSettings.objects.get_or_create(organizer_id=organizer_id)
        current = TaxReceiptSettings.objects.select_for_update().get(organizer_id=organizer_id)
        signature, _created = TaxReceiptSignature.objects.get_or_create(organizer_id=organizer_id, sha256=digest,
                                                                        defaults={"png": png})
        before = current.signature.sha256[:16] if current.signature is not None else None
        if current.signature_id != signature.pk:
            current.signature = signature
            current.save(update_fields=["signature", "updated_at"])
            audit_record(action="taxreceipt.signature_set", subject=current, organizer_id=organizer_id,
                         changes={"signature": [before, digest[:16]]})
    return signature


# --- issuing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Donation:
    order_id: int
    amount_cents: int
    donated_on: date
    way: str


def _way_of(provider: str) -> str:
    if provider == "cash":
        return PaymentWay.CASH
    if provider == "cheque":
        return PaymentWay.CHEQUE
    return PaymentWay.TRANSFER_CARD  # cards, online services, transfers, the box office's terminal


def _donation_of(order: Order) -> _Donation:
    """The order's donation as a receipt counts it: its donation lines less those refunded, on
    the day it was paid, by the way of its largest confirmed payment."""
    lines = list(OrderLine.objects.filter(order_id=order.pk, kind=ProductKind.DONATION)
                 .values_list("pk", "amount_cents"))
    refunded = refunded_line_ids(order=order) if lines else set()
    cents = sum(amount for pk, amount in lines if pk not in refunded)
    payments = list(Payment.objects.filter(order_id=order.pk, state=PaymentState.CONFIRMED)
                    .order_by("-amount_cents", "pk").values_list("provider", flat=True)[:1])
    paid_at = order.paid_at or clock.now()
    return _Donation(order.pk, cents, timezone.localdate(paid_at, PARIS), _way_of(payments[0] if payments else ""))


def _issue(settings: TaxReceiptSettings, request: TaxReceiptRequest, donations: list[_Donation], *,
           kind: str, testmode: bool, order_id: int | None) -> TaxReceipt:
    total = sum(d.amount_cents for d in donations)
    now = clock.now()
    year = timezone.localdate(now, PARIS).year
    number = sequence_next(organizer_id=settings.organizer_id,
                           name=f"taxreceipt{'-test' if testmode else ''}:{year}")
    receipt = TaxReceipt.objects.create(
        organizer_id=settings.organizer_id, year=year, number=number, testmode=testmode, kind=kind, issued_at=now,
        beneficiary_name=settings.name, beneficiary_address=settings.address, beneficiary_purpose=settings.purpose,
        beneficiary_status=settings.status, beneficiary_status_detail=settings.status_detail,
        articles=list(settings.articles), signatory_name=settings.signatory_name,
        signatory_quality=settings.signatory_quality, signature_id=settings.signature_id,
        donor_name=request.name, donor_email=request.email, donor_address=request.address,
        donor_postcode=request.postcode, donor_city=request.city, donor_country=request.country,
        amount_cents=total, amount_words=amount_in_words(total),
        donated_on=max(d.donated_on for d in donations), first_donated_on=min(d.donated_on for d in donations),
        payment_ways=sorted({d.way for d in donations}),
    )
    TaxReceiptDonation.objects.bulk_create(
        TaxReceiptDonation(receipt=receipt, order_id=d.order_id, amount_cents=d.amount_cents,
                           donated_on=d.donated_on, payment_way=d.way) for d in donations)
    audit_record(action="taxreceipt.issued", subject=receipt, organizer_id=settings.organizer_id, order_id=order_id,
                 changes={"number": [None, receipt.reference], "amount_cents": [None, total]})
    events.publish(TaxReceiptIssued(receipt_id=receipt.pk, organizer_id=settings.organizer_id))
    return receipt


def orders_on_a_receipt(order_ids: Iterable[int]) -> set[int]:
    """The orders whose donation is on a receipt that is not cancelled."""
    return set(TaxReceiptDonation.objects.filter(order_id__in=list(order_ids), receipt__cancellation__isnull=True)
               .values_list("order_id", flat=True))


_ASKED = f"SELECT mode FROM {TaxReceiptRequest._meta.db_table} WHERE order_id = %s"  # noqa: S608


def single_receipt_asked(*, order_id: int) -> bool:
    """Whether the buyer asked for a receipt of this order's donation: one plain query, asked in
    every sale's transaction (almost always: no)."""
    with connection.cursor() as cursor:
        cursor.execute(_ASKED, [order_id])
        row = cursor.fetchone()
    return row is not None and row[0] == ReceiptMode.SINGLE


def receipt_issue_for_order(*, order_id: int) -> TaxReceipt | None:
    """In the transaction that marks the order paid: the per-donation receipt its buyer asked
    for (a specimen for a test order). Nothing when none was asked, a yearly one was, or the
    organiser stopped issuing receipts since; idempotent."""
    request = TaxReceiptRequest.objects.filter(order_id=order_id).first()
    if request is None or request.mode != ReceiptMode.SINGLE:
        return None
    order = Order.objects.get(pk=order_id)
    settings = TaxReceiptSettings.objects.select_related("signature").filter(organizer_id=order.organizer_id).first()
    if settings is None or not settings.enabled or settings_missing(settings):
        log.warning("order %s: a tax receipt was asked for, the organiser no longer issues them", order_id)
        return None
    if order.state != OrderState.PAID or orders_on_a_receipt([order_id]):
        return None
    donation = _donation_of(order)
    if donation.amount_cents <= 0:
        return None
    return _issue(settings, request, [donation], kind=ReceiptKind.SINGLE, testmode=order.testmode,
                  order_id=order_id)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=PARIS), datetime(year + 1, 1, 1, tzinfo=PARIS)


def yearly_receipts_issue(*, organizer_id: int, donation_year: int) -> list[TaxReceipt]:
    """Staff issue the yearly summaries of `donation_year`: one receipt per donor (by email) who
    asked for one, for all their paid donations of that year not on a receipt yet (test orders
    and refunded donations left out). Running it again issues only what is new. Audited."""
    today = timezone.localdate(clock.now(), PARIS)
    if not 2000 <= donation_year <= today.year:
        raise _invalid("year", _("Choose a year that has begun."), "year_invalid")
    with transaction.atomic():
        # one issue at a time per organiser: a donation is never put on two receipts
        settings = (TaxReceiptSettings.objects.select_for_update(of=("self",)).select_related("signature")
                    .filter(organizer_id=organizer_id).first())
        if settings is None or not settings.enabled or settings_missing(settings):
            raise InvalidInput(_("Turn tax receipts on in their settings first."), code="receipts_off")
        start, end = _year_bounds(donation_year)
        requests = list(TaxReceiptRequest.objects.filter(
            organizer_id=organizer_id, mode=ReceiptMode.YEARLY, order__state=OrderState.PAID,
            order__testmode=False, order__paid_at__gte=start, order__paid_at__lt=end,
        ).select_related("order").order_by("order__paid_at", "order_id"))
        covered = orders_on_a_receipt(r.order_id for r in requests)
        by_donor: dict[str, list[TaxReceiptRequest]] = {}
        for request in requests:
            if request.order_id not in covered:
                by_donor.setdefault(request.email.casefold(), []).append(request)
        issued = []
        for donor_requests in by_donor.values():
            donations = [d for d in (_donation_of(r.order) for r in donor_requests) if d.amount_cents > 0]
            if donations:  # the latest request's name and address: where the donor lives now
                issued.append(_issue(settings, donor_requests[-1], donations, kind=ReceiptKind.YEARLY,
                                     testmode=False, order_id=None))
    return issued


def yearly_pending_count(*, organizer_id: int, donation_year: int) -> int:
    """How many donors a yearly issue for `donation_year` would give a receipt now (roughly: their
    refunded donations are only left out when issuing)."""
    start, end = _year_bounds(donation_year)
    requests = TaxReceiptRequest.objects.filter(
        organizer_id=organizer_id, mode=ReceiptMode.YEARLY, order__state=OrderState.PAID, order__testmode=False,
        order__paid_at__gte=start, order__paid_at__lt=end)
    pairs = list(requests.values_list("order_id", "email"))
    covered = orders_on_a_receipt(order_id for order_id, _email in pairs)
    return len({email.casefold() for order_id, email in pairs if order_id not in covered})


# --- cancelling -----------------------------------------------------------------------------------


def receipts_cancel_for_order(*, order_id: int, reason: str = REASON_REFUNDED) -> list[TaxReceipt]:
    """The order's donation was refunded: each receipt that covers it is cancelled (a record, the
    receipt kept) and its donor told. A yearly summary is cancelled whole: its other donations
    go on the next yearly issue. Idempotent."""
    with transaction.atomic():
        ids = set(TaxReceiptDonation.objects.filter(order_id=order_id).values_list("receipt_id", flat=True))
        receipts = list(TaxReceipt.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        done = set(TaxReceiptCancellation.objects.filter(receipt_id__in=ids).values_list("receipt_id", flat=True))
        cancelled = []
        for receipt in receipts:
            if receipt.pk in done:
                continue
            TaxReceiptCancellation.objects.create(receipt=receipt, cancelled_at=clock.now(), reason=reason[:300])
            audit_record(action="taxreceipt.cancelled", subject=receipt, organizer_id=receipt.organizer_id,
                         order_id=order_id, changes={"cancelled": [None, reason[:300]]})
            events.publish(TaxReceiptCancelled(receipt_id=receipt.pk, organizer_id=receipt.organizer_id))
            cancelled.append(receipt)
    return cancelled


def line_refunded(*, order_id: int, line_id: int) -> list[TaxReceipt]:
    """A refund covered one line: if it is a donation, its receipts are cancelled."""
    if not OrderLine.objects.filter(pk=line_id, order_id=order_id, kind=ProductKind.DONATION).exists():
        return []
    return receipts_cancel_for_order(order_id=order_id)
