"""Amounts typed by people or read from files become integer cents, or InvalidAmount: never another
exception, never an amount a row cannot hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billetterie.core.money import MAX_CENTS, AmountTooLarge, InvalidAmount, decimal_to_cents


@pytest.mark.parametrize(("text", "cents"), [
    ("12", 1200), ("12,50", 1250), ("12.5", 1250), ("1 250,00", 125000), ("1\u202f250", 125000),
    ("-42,10", -4210), ("0", 0), (Decimal("3.10"), 310),
    ("21474836,47", MAX_CENTS), ("-21474836,47", -MAX_CENTS),
])
def test_amounts_become_cents(text: str | Decimal, cents: int) -> None:
    assert decimal_to_cents(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "12,345", "NaN", "Infinity", "-inf", "1,2,3", "1e-30"])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(InvalidAmount):
        decimal_to_cents(text)


@pytest.mark.parametrize("text", [
    "21474836,48", "-21474836,48", "1e30", "-1e30", "9" * 29, "99999999999999999999", "1e999999999",
])
def test_amounts_no_row_can_hold_are_refused(text: str) -> None:
    # 1e30 and 29 digits made quantize raise decimal.InvalidOperation; 20 digits reached the database
    with pytest.raises(AmountTooLarge):
        decimal_to_cents(text)
