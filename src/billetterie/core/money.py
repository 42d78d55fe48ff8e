"""Money is integer minor units (cents) plus a currency; conversions happen at the edges only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext

# The largest amount accepted where one is typed (a price, a donation, a method's limit or fee,
# an amount staff or the API record or refund, a bank statement line) and for an order's total: a
# business limit, enforced at the edges (decision 0013). The columns are 64-bit, so what adds
# amounts up (a total plus its fee, refunds, revenue, ledger balances) never overflows.
# 21,474,836.47 € is the limit of the 32-bit days, kept on purpose: no sale of ours comes near it,
# raising it would accept amounts nobody checked end to end, and an API client that reads a price
# or a total as a 32-bit integer still can.
MAX_CENTS = 2_147_483_647


class InvalidAmount(ValueError):
    """Not an amount in euros with at most two decimals, or one beyond MAX_CENTS."""


class AmountTooLarge(InvalidAmount):
    pass


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


_MAX_EUROS = Decimal(MAX_CENTS) / 100


def decimal_to_cents(amount: Decimal | str) -> int:
    """Euros as typed ("12,50", "12.5", "1 250") → integer cents. Negative amounts are kept (a
    bank statement's debits): refusing them is each caller's rule, with its own message. Beyond
    ±MAX_CENTS is refused here (AmountTooLarge), so every caller gets the business limit."""
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


def validate_max_cents(value: int | None) -> None:
    """Model field validator for the amounts staff type in cents (prices, donation bounds, a
    method's limits and fee): the admin's forms refuse beyond MAX_CENTS, on every database (a
    64-bit column's own range would let 92 quadrillion euros through)."""
    if value is not None and abs(value) > MAX_CENTS:
        raise ValidationError(
            gettext("Enter an amount of at most %(max)s.") % {"max": format_money(MAX_CENTS)}, code="max_value"
        )


def format_money(cents: int, currency: str = "EUR") -> str:
    """Locale-aware: 12,50 € in French, €12.50 in English."""
    from django.utils.translation import get_language

    amount = number_format(cents_to_decimal(cents), decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = {"EUR": "€"}.get(currency, currency)
    if (get_language() or "fr").startswith("en"):
        return f"{symbol}{amount}"
    return f"{amount}\u00a0{symbol}"
