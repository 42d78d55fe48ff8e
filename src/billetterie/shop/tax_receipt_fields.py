"""The tax receipt a buyer who gives may ask for in the cart (issue 13, item 5): « Je souhaite un
reçu fiscal », per donation or once a year, and the postal address the receipt prints. Offered
only when the organiser issues receipts and the cart has, or offers, a donation; the request is
written with the order (`request_save`, in the checkout's transaction)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import ProductKind
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import Order
from billetterie.taxreceipts.models import ReceiptMode
from billetterie.taxreceipts.services import DonorAddress, donor_address_clean, request_record

WANTED = "tax_receipt"
MODE = "tax_receipt_mode"
# the donor's address: form field -> its part
ADDRESS_FIELDS = {"tax_receipt_address": "address", "tax_receipt_postcode": "postcode",
                  "tax_receipt_city": "city", "tax_receipt_country": "country"}


def tax_receipt_fields_add(form: forms.Form) -> list[str]:
    """Add the receipt's fields to the checkout form; returns their names (the template's order)."""
    form.fields[WANTED] = forms.BooleanField(label=_("I would like a tax receipt for my donation"), required=False)
    form.fields[MODE] = forms.ChoiceField(label=_("Tax receipt"), choices=ReceiptMode.choices,
                                          initial=ReceiptMode.SINGLE, required=False, widget=forms.RadioSelect)
    texts = {"tax_receipt_address": (_("Address (number and street)"), 300, "street-address"),
             "tax_receipt_postcode": (_("Postcode"), 20, "postal-code"),
             "tax_receipt_city": (_("City"), 100, "address-level2"),
             "tax_receipt_country": (_("Country"), 100, "country-name")}
    for name, (label, size, autocomplete) in texts.items():
        # required when the box is ticked: checked in `tax_receipt_clean`, with a message that says why
        form.fields[name] = forms.CharField(label=label, max_length=size, required=False,
                                            widget=forms.TextInput(attrs={"autocomplete": autocomplete}))
    form.fields["tax_receipt_country"].initial = "France"
    return [WANTED, MODE, *ADDRESS_FIELDS]


def _gives(form: Any, cleaned: dict[str, Any]) -> bool:
    in_cart = any(p.product.kind == ProductKind.DONATION and p.amount_cents for p in form.positions)
    offered = any(cleaned.get(f"donation_{p.pk}") for p in form.donations)
    return in_cart or offered


def tax_receipt_clean(form: Any, cleaned: dict[str, Any]) -> None:
    """A ticked box needs a donation and a postal address; the form's errors say which is missing.
    Sets `form.tax_receipt` to (mode, address) when one is asked for, else None."""
    form.tax_receipt = None
    if WANTED not in form.fields or not cleaned.get(WANTED):
        return
    if not _gives(form, cleaned):
        form.add_error(WANTED, _("A tax receipt is for a donation: enter the amount you give, or untick the box."))
        return
    mode = cleaned.get(MODE) or ReceiptMode.SINGLE
    try:
        address = donor_address_clean(**{part: cleaned.get(name) or "" for name, part in ADDRESS_FIELDS.items()})
    except InvalidInput as exc:
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        form.add_error(f"tax_receipt_{field}" if f"tax_receipt_{field}" in form.fields else WANTED, exc.message)
        return
    form.tax_receipt = (mode, address)


def request_save(form: Any, order: Order) -> None:
    """In the checkout's transaction: the buyer's request, if they made one (nothing otherwise)."""
    wanted: tuple[str, DonorAddress] | None = getattr(form, "tax_receipt", None)
    if wanted is not None:
        request_record(order=order, mode=wanted[0], donor=wanted[1])
