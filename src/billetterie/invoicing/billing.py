"""The buyer's billing details (issue 13): a buyer who buys for a company or an association asks
at checkout for an invoice in its name, with its billing address, SIREN or SIRET, intra-EU VAT
number and their own reference (a purchase order). The details are written with the order, in
the checkout's transaction and before the order can be paid (the shop passes them to
`orders.services.order_place` as what it stores once the order exists), so that an invoice issued
in that same transaction (a free order) or later (paid, or paid by invoice) is made out to them.

The invoice copies them when it is issued (`services._buyer`) and never changes: staff may correct
the details until then (`billing_details_set`), never after — the fix for an issued invoice is a
credit note and a new invoice."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, InvalidInput
from billetterie.orders.models import Order

from .countries import country_code
from .models import BillingDetails, Invoice, InvoicingSettings

# the parts a buyer types, in the order the form shows them (the error's `field` names one)
PARTS = ("organization", "address", "postcode", "city", "country", "registration", "vat_number", "reference")
STORED = ("organization", "address", "postcode", "city", "country", "country_code", "siren", "siret", "vat_number",
          "reference")
REFERENCE_MAX = 100


@dataclass(frozen=True)
class Billing:
    """Billing details as checked by `billing_clean`: the numbers compact, the country's code found."""

    organization: str
    address: str
    postcode: str
    city: str
    country: str = "France"
    country_code: str = "FR"
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    reference: str = ""


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def _text(value: str) -> str:
    return " ".join(str(value or "").split())


def _registration(text: str) -> tuple[str, str]:
    """(SIREN, SIRET) from a SIREN (9 digits) or a SIRET (14) typed with or without spaces."""
    number = "".join(c for c in text if c not in " .-\u00a0\u202f")
    if not number:
        return "", ""
    try:
        if len(number) == 9:
            return fr_siren.validate(number), ""
        if len(number) == 14:
            siret = fr_siret.validate(number)
            return siret[:9], siret
    except ValidationError:
        pass
    raise _invalid("registration", _("This SIREN or SIRET number is not valid: a SIREN has 9 digits, a SIRET 14, "
                                     "with a check digit (check for a typing mistake)."), "billing_registration")


def _vat(text: str, siren: str) -> str:
    if not text.strip():
        return ""
    try:
        number = str(eu_vat.validate(text.upper()))
    except ValidationError:
        raise _invalid("vat_number", _("This intra-EU VAT number is not valid: it starts with the country's two "
                                       "letters, for example FR40303265045."), "billing_vat_number") from None
    if siren and number.startswith("FR") and number[-9:] != siren:
        raise _invalid("vat_number", _("This French VAT number is not the one of the SIREN given: its last nine "
                                       "digits are the SIREN."), "billing_vat_siren")
    return number


def billing_clean(*, organization: str, address: str, postcode: str, city: str, country: str = "",
                  registration: str = "", vat_number: str = "", reference: str = "") -> Billing:
    """The billing details checked: InvalidInput naming the part (`details["field"]`, one of PARTS)."""
    organization, address, city = _text(organization), _text(address), _text(city)
    postcode, country, reference = _text(postcode).upper(), _text(country) or "France", _text(reference)
    if not organization or len(organization) > 200 or not any(c.isalnum() for c in organization):
        raise _invalid("organization", _("Enter the name of the company or association the invoice is made out to."),
                       "billing_organization")
    if not address or len(address) > 300 or not any(c.isalpha() for c in address):
        raise _invalid("address", _("Enter the organisation's address: number and street."), "billing_address")
    code = country_code(country)
    if code is None or len(country) > 100:
        raise _invalid("country", _("Enter the country's name, for example France or Belgique, or its two-letter "
                                    "code (BE)."), "billing_country")
    if code == "FR":
        if not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
            raise _invalid("postcode", _("Enter a French postcode of 5 digits (for example 46200)."),
                           "billing_postcode")
    elif len(postcode) > 20 or not all(c.isalnum() or c in " -" for c in postcode):
        raise _invalid("postcode", _("Enter the postcode of the organisation's address."), "billing_postcode")
    if not city or len(city) > 100 or not any(c.isalpha() for c in city):
        raise _invalid("city", _("Enter the organisation's town or city."), "billing_city")
    siren, siret = _registration(registration)
    vat = _vat(vat_number, siren)
    if len(reference) > REFERENCE_MAX:
        raise _invalid("reference", _("Your reference has at most %(n)d characters.") % {"n": REFERENCE_MAX},
                       "billing_reference")
    return Billing(organization, address, postcode, city, country, code, siren, siret, vat, reference)


def billing_details_of(*, order_id: int) -> BillingDetails | None:
    return BillingDetails.objects.filter(order_id=order_id).first()


def _issued(order_id: int) -> Conflict | None:
    invoice = Invoice.objects.filter(order_id=order_id).only("number").first()
    if invoice is None:
        return None
    return Conflict(_("Invoice %(number)s is issued: an issued invoice never changes. To correct its buyer, issue a "
                      "credit note and a new invoice.") % {"number": invoice.number}, code="invoice_issued")


def billing_details_record(*, order: Order, billing: Billing) -> BillingDetails | None:
    """At checkout, in its transaction, once the order exists and before it can be paid: the
    organisation the buyer's invoice is made out to. None when the organiser does not invoice.
    Idempotent: a replayed checkout keeps the first details."""
    if not InvoicingSettings.objects.filter(organizer_id=order.organizer_id, enabled=True).exists():
        return None
    existing = BillingDetails.objects.filter(order=order).first()
    if existing is not None:
        return existing
    refusal = _issued(order.pk)
    if refusal is not None:  # the invoice would not carry them: never dropped silently
        raise refusal
    row = BillingDetails.objects.create(order=order, organizer_id=order.organizer_id, **asdict(billing))
    audit_record(action="billing_details.recorded", subject=row, organizer_id=order.organizer_id, order_id=order.pk,
                 changes={name: [None, value] for name, value in asdict(billing).items() if value})
    return row


def billing_details_set(*, order_id: int, billing: Billing | None) -> BillingDetails | None:
    """Staff correct (or add, or with None remove) an order's billing details: only while its
    invoice is not issued (Conflict `invoice_issued` after: an issued invoice never changes).
    Under the order's row lock, which the transaction that issues the invoice holds too."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        refusal = _issued(order.pk)
        if refusal is not None:
            raise refusal
        row = BillingDetails.objects.filter(order=order).first()
        if billing is None:
            if row is not None:
                audit_record(action="billing_details.removed", subject=row, organizer_id=order.organizer_id,
                             order_id=order.pk, changes={"organization": [row.organization, None]})
                row.delete()
            return None
        values = asdict(billing)
        if row is None:
            row = BillingDetails.objects.create(order=order, organizer_id=order.organizer_id, **values)
            audit_record(action="billing_details.recorded", subject=row, organizer_id=order.organizer_id,
                         order_id=order.pk, changes={name: [None, value] for name, value in values.items() if value})
            return row
        changes = {name: [getattr(row, name), value] for name, value in values.items() if getattr(row, name) != value}
        if changes:
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=[*STORED, "updated_at"])
            audit_record(action="billing_details.changed", subject=row, organizer_id=order.organizer_id,
                         order_id=order.pk, changes=changes)
        return row


def buyer_of(details: BillingDetails | None, order: Order) -> dict[str, Any]:
    """The buyer as an invoice prints it: the organisation (BT-44) and the person who ordered,
    when the buyer gave billing details; the person alone otherwise (a consumer)."""
    buyer = {"name": order.name, "email": order.email, "phone": order.phone, "order": order.code}
    if details is None:
        return buyer
    return {**buyer, "name": details.organization, "contact": order.name, "address": details.address,
            "postcode": details.postcode, "city": details.city, "country": details.country,
            "country_code": details.country_code, "siren": details.siren, "siret": details.siret,
            "vat_number": details.vat_number, "reference": details.reference, "business": True}
