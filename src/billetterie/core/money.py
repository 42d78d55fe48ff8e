"""Money is integer minor units (cents) plus a currency; conversions happen at the edges only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

# the largest amount a row can hold: amounts are stored in 32-bit columns (21,474,836.47 €)
MAX_CENTS = 2_147_483_647


class InvalidAmount(ValueError):
    """Not an amount in euros with at most two decimals, or one no row can hold."""


class AmountTooLarge(InvalidAmount):
    pass


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


_MAX_EUROS = Decimal(MAX_CENTS) / 100


def decimal_to_cents(amount: Decimal | str) -> int:
    """Euros as typed ("12,50", "12.5", "1 250") → integer cents. Negative amounts are kept (a
    bank statement's debits): refusing them is each caller's rule, with its own message. Beyond
    ±MAX_CENTS is refused here (AmountTooLarge), so no caller hands the database an amount its
    column cannot hold."""
    try:
        value = Decimal(str(amount).strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation as exc:
        raise InvalidAmount(str(amount)) from exc
    if not value.is_finite():
        raise InvalidAmount(str(amount))
    # before quantize, which raises InvalidOperation past 28 digits (1e30); copy_abs, not abs(),
    # which rounds to the context and overflows past 1e999999
    if value.copy_abs() > _MAX_EUROS:
        raise AmountTooLarge(str(amount))
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
