"""The invoicing settings form (« Facturation »): typed as the organiser reads them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.invoicing.contract import PLACEHOLDERS, placeholders_unknown
from billetterie.invoicing.models import VatRegime

_PREFIX_HELP = _("Letters, digits or hyphens, at most 8: numbers read like F2026-000001.")


# the form's field names for the settings' fields, where they differ
FIELD_OF = {"prefix": "invoice_prefix"}


class InvoicingSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Issue an invoice for every paid order"), required=False,
                                 help_text=_("Once an invoice is issued for an order, the order can no longer be "
                                             "deleted: cancelling or refunding it issues a credit note."))
    vat_regime = forms.ChoiceField(label=_("VAT"), choices=VatRegime.choices, widget=forms.RadioSelect)
    vat_number = forms.CharField(label=_("VAT number"), max_length=20, required=False,
                                 help_text=_("For example FR40123456789; required when subject to VAT."))
    # not "prefix": a form's own attribute (its fields' name prefix)
    invoice_prefix = forms.RegexField(label=_("Invoice number prefix"), regex=r"^[A-Za-z0-9-]{1,8}$", max_length=8,
                              help_text=_PREFIX_HELP,
                              error_messages={"invalid": _("Use at most 8 letters, digits or hyphens.")})
    credit_note_prefix = forms.RegexField(label=_("Credit note number prefix"), regex=r"^[A-Za-z0-9-]{1,8}$",
                                          max_length=8,
                                          error_messages={"invalid": _("Use at most 8 letters, digits or hyphens.")})
    payment_terms = forms.CharField(label=_("Payment terms"), max_length=300, required=False,
                                    help_text=_("Printed on each invoice, for example « Payable à réception ». "
                                                "Empty: paid on ordering, or within the days to pay below."))
    payment_days = forms.IntegerField(label=_("Days to pay an invoice"), min_value=0, max_value=60,
                                      help_text=_("For orders paid on invoice: the invoice is due this many days "
                                                  "after it is issued (at most 60, the legal limit)."))
    b2b_mentions = forms.BooleanField(
        label=_("Also print the late-payment mentions on invoices to buyers who gave no organisation"),
        required=False,
        help_text=_("Late-payment penalties and the 40 € fixed recovery indemnity are always printed on an invoice "
                    "to a company or an association (the buyer gave its details at checkout). Tick to print them "
                    "on the others too, for businesses that buy at the box office or through the API; a consumer "
                    "owes neither."))
    late_penalty_rate = forms.CharField(label=_("Late-payment penalty rate"), max_length=200, required=False,
                                        help_text=_("Empty: three times the legal interest rate."))
    contract_text = forms.CharField(label=_("Contract text"), max_length=5000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        self.fields["contract_text"].help_text = _(
            "Printed on the contract of an order paid in parts. Placeholders: %(names)s.") % {"names": names}

    def clean_vat_number(self) -> str:
        return "".join(str(self.cleaned_data.get("vat_number") or "").split()).upper()

    def clean_contract_text(self) -> str:
        text = str(self.cleaned_data.get("contract_text") or "")
        unknown = placeholders_unknown(text)
        if unknown:
            raise forms.ValidationError(_("Unknown placeholder: %(names)s. Use %(known)s.") % {
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)})
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("vat_regime") == VatRegime.SUBJECT and not data.get("vat_number"):
            self.add_error("vat_number", _("An organiser subject to VAT gives its VAT number."))
        return data
