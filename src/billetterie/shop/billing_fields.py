"""An invoice in an organisation's name, asked for in the cart (issue 13): « Facture au nom d'une
société ou d'une association », a box then the organisation's name, billing address, SIREN or
SIRET, intra-EU VAT number and the buyer's own reference. Offered only when the organiser
invoices; the details are written with the order (`details_save`, passed to `order_place`: before
a free order is paid, so that its invoice carries them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.core.errors import InvalidInput
from billetterie.invoicing.billing import REFERENCE_MAX, Billing, billing_clean, billing_details_record
from billetterie.orders.models import Order

WANTED = "billing"
# form field -> its part (invoicing.billing.PARTS)
PART_FIELDS = {"billing_organization": "organization", "billing_address": "address",
               "billing_postcode": "postcode", "billing_city": "city", "billing_country": "country",
               "billing_registration": "registration", "billing_vat_number": "vat_number",
               "billing_reference": "reference"}


def billing_fields_add(form: forms.Form) -> list[str]:
    """Add the billing details' fields to the checkout form; returns their names (the template's order)."""
    form.fields[WANTED] = forms.BooleanField(label=_("Invoice in the name of a company or an association"),
                                             required=False)
    texts = {"billing_organization": (_("Company or association"), 200, "organization"),
             "billing_address": (_("Address (number and street)"), 300, "street-address"),
             "billing_postcode": (_("Postcode"), 20, "postal-code"),
             "billing_city": (_("City"), 100, "address-level2"),
             "billing_country": (_("Country"), 100, "country-name"),
             "billing_registration": (_("SIREN or SIRET (optional)"), 30, "off"),
             "billing_vat_number": (_("Intra-EU VAT number (optional)"), 30, "off"),
             "billing_reference": (_("Reference or purchase order (optional)"), REFERENCE_MAX, "off")}
    for name, (label, size, autocomplete) in texts.items():
        # required when the box is ticked: checked in `billing_clean`, with a message that says why
        form.fields[name] = forms.CharField(label=label, max_length=size, required=False,
                                            widget=forms.TextInput(attrs={"autocomplete": autocomplete}))
    form.fields["billing_country"].initial = "France"
    return [WANTED, *PART_FIELDS]


def billing_fields_clean(form: Any, cleaned: dict[str, Any]) -> None:
    """A ticked box needs the organisation's name and address; the form's errors say what is wrong,
    next to the field. Sets `form.billing` to the checked details when asked for, else None."""
    form.billing = None
    if WANTED not in form.fields or not cleaned.get(WANTED):
        return
    if any(name in form.errors for name in PART_FIELDS):  # too long: the field says so already
        return
    try:
        billing = billing_clean(**{part: cleaned.get(name) or "" for name, part in PART_FIELDS.items()})
    except InvalidInput as exc:
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        form.add_error(f"billing_{field}" if f"billing_{field}" in form.fields else WANTED, exc.message)
        return
    form.billing = billing


def details_save(form: Any, order: Order) -> None:
    """In the checkout's transaction, before the order can be paid: the organisation the buyer's
    invoice is made out to, if they asked for one (nothing otherwise)."""
    billing: Billing | None = getattr(form, "billing", None)
    if billing is not None:
        billing_details_record(order=order, billing=billing)
