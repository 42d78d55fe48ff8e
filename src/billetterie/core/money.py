"""Money is integer minor units (cents) plus a currency; conversions happen at the edges only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

# the largest amount a row can hold: amounts are stored in 32-bit columns (21,474,836.47 €)
MAX_CENTS = 2_147_483_647


class InvalidAmount(ValueError):
    pass


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def decimal_to_cents(amount: Decimal | str) -> int:
    try:
        value = Decimal(str(amount).strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation as exc:
        raise InvalidAmount(str(amount)) from exc
    if not value.is_finite():
        raise InvalidAmount(str(amount))
    quantized = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if quantized != value:
        raise InvalidAmount(str(amount))
    return int(quantized * 100)


def format_money(cents: int, currency: str = "EUR") -> str:
    """Locale-aware: 12,50 € in French, €12.50 in English."""
    from django.utils.translation import get_language

    amount = number_format(cents_to_decimal(cents), decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = {"EUR": "€"}.get(currency, currency)
    if (get_language() or "fr").startswith("en"):
        return f"{symbol}{amount}"
    return f"{amount}\u00a0{symbol}"
