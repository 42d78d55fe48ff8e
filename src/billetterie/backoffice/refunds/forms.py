"""Forms of the session-wide refunds: each confirmation carries a one-time key, so the same form
sent twice (a double click, a reload) starts one batch."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billetterie.core.forms import EuroField

MODE_AMOUNT, MODE_PERCENT = "amount", "percent"


class ConfirmForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(label=_("Reason given to the buyers' records (optional)"), max_length=300,
                             required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class PercentField(forms.CharField):
    """A percentage as staff type it: "50", "33,33", "12.5", up to two decimals, more than 0, at most 100."""

    default_error_messages = {"invalid": _("Enter a percentage between 0 and 100, for example 50 or 33,33.")}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value or "").strip().replace("%", "").strip().replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        exponent = number.as_tuple().exponent
        if not number.is_finite() or not isinstance(exponent, int) or exponent < -2 or not 0 < number <= 100:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class PartForm(ConfirmForm):
    """A part of every ticket of a date: so much per ticket, or a percentage of each ticket's price."""

    mode = forms.ChoiceField(label=_("Refund"), widget=forms.RadioSelect, initial=MODE_PERCENT, choices=[
        (MODE_PERCENT, _("A percentage of each ticket's price")), (MODE_AMOUNT, _("An amount per ticket")),
    ])
    percent = PercentField(label=_("Percentage"), required=False, help_text=_("For example 50 or 33,33."))
    amount = EuroField(label=_("Amount per ticket (€)"), required=False, min_cents=1,
                       help_text=_("Never more than what is left of a ticket's price."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == MODE_PERCENT and data.get("percent") is None and "percent" not in self.errors:
            self.add_error("percent", _("Enter the percentage to refund."))
        if data.get("mode") == MODE_AMOUNT and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount to refund per ticket."))
        return data

    def part(self) -> tuple[int | None, Decimal | None]:
        """(amount per ticket in cents, percentage): one of them, by the mode chosen."""
        if self.cleaned_data["mode"] == MODE_AMOUNT:
            return self.cleaned_data["amount"], None
        return None, self.cleaned_data["percent"]
