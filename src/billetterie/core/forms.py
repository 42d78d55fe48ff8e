"""Form fields shared by every page where staff type money: amounts are typed and shown in euros,
stored in integer cents."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .money import MAX_CENTS, AmountTooLarge, InvalidAmount, cents_to_decimal, decimal_to_cents, format_money

# "15", "15,5", "15,50", "15.50", "1 250,00" (spaces or no-break spaces between groups of three),
# an optional "€" after; nothing else (no sign, no exponent, no third decimal)
_EUROS = re.compile(r"^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](\d{1,2}))?(?:\s*€)?$")


def parse_euros(text: str) -> int:
    """Euros as staff type them → integer cents; InvalidAmount for anything else."""
    match = _EUROS.match(text.strip())
    if not match:
        raise InvalidAmount(text)
    units = re.sub(r"[ \u00a0\u202f]", "", match.group(1))
    return decimal_to_cents(f"{units}.{match.group(2) or '0'}")


def euros_for_input(cents: int) -> str:
    """What an amount field shows: "15,00" in French, "15.00" in English, no grouping."""
    return number_format(cents_to_decimal(cents), decimal_pos=2, use_l10n=True, force_grouping=False)


class EuroInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "amount", **(attrs or {})})


class EuroField(forms.Field):
    """An amount in euros, cleaned to integer cents."""

    widget = EuroInput
    default_error_messages = {
        "invalid": _("Enter an amount in euros, for example 15 or 15,50."),
        "min_value": _("Enter an amount of at least %(limit)s."),
        "max_value": _("Enter an amount of at most %(limit)s."),
    }

    def __init__(self, *, min_cents: int = 0, max_cents: int = MAX_CENTS, **kwargs: Any) -> None:
        self.min_cents, self.max_cents = min_cents, max_cents
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return euros_for_input(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_euros(str(value))
        except AmountTooLarge:
            raise ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit": format_money(self.max_cents)}
            ) from None
        except InvalidAmount:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if value < self.min_cents:
            raise ValidationError(
                self.error_messages["min_value"], code="min_value", params={"limit": format_money(self.min_cents)}
            )
        if value > self.max_cents:
            raise ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit": format_money(self.max_cents)}
            )
