"""Money, references and the buyer's return, shared by the bank services."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from billetterie.core.ids import new_secret
from billetterie.payments.providers.bank_common import (
    cents_from_decimal,
    cents_from_digits,
    decimal_from_cents,
    euros_text,
    our_ref,
    psp_ref,
)
from billetterie.payments.providers.base import NoticeRejected, PaymentUrls


@pytest.mark.parametrize(("cents", "decimal", "text"), [
    (1, Decimal("0.01"), "0.01"), (99, Decimal("0.99"), "0.99"), (100, Decimal("1.00"), "1.00"),
    (1999, Decimal("19.99"), "19.99"), (123456789, Decimal("1234567.89"), "1234567.89"),
])
def test_amounts_round_trip_exactly(cents: int, decimal: Decimal, text: str) -> None:
    assert decimal_from_cents(cents) == decimal and str(decimal_from_cents(cents)) == text
    assert euros_text(cents) == text
    assert cents_from_decimal(decimal) == cents and cents_from_decimal(text) == cents
    assert cents_from_digits(str(cents)) == cents and cents_from_digits(f"{cents:03d}") == cents


@given(st.integers(min_value=0, max_value=10**13))
def test_any_amount_round_trips(cents: int) -> None:
    assert cents_from_decimal(decimal_from_cents(cents)) == cents
    assert cents_from_decimal(euros_text(cents)) == cents


@pytest.mark.parametrize("bad", ["19.999", "-1.00", "1e3", "", " ", "1,00", "NaN", "0x10", "١٢"])
def test_non_cent_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        cents_from_decimal(bad)


@pytest.mark.parametrize("bad", ["", "-1", "1.0", "１２", "12a"])
def test_non_digit_cents_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        cents_from_digits(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_only_integer_cents_convert(bad: object) -> None:
    with pytest.raises(ValueError):
        decimal_from_cents(bad)  # type: ignore[arg-type]


def test_references_round_trip_in_letters_and_digits() -> None:
    for _ in range(200):
        ours = new_secret()
        theirs = psp_ref(ours)
        assert len(theirs) == 27 and theirs.isalnum() and theirs.isascii()
        assert our_ref(theirs) == ours
    edge = base64.urlsafe_b64encode(b"\xff" * 20).rstrip(b"=").decode()
    assert our_ref(psp_ref(edge)) == edge
    zero = base64.urlsafe_b64encode(b"\0" * 20).rstrip(b"=").decode()
    assert our_ref(psp_ref(zero)) == zero


@pytest.mark.parametrize("bad", ["", "short", "z" * 27, "a" * 26 + "-", "0" * 28])
def test_foreign_references_are_refused(bad: str) -> None:
    with pytest.raises(NoticeRejected):
        our_ref(bad)


def test_only_our_secrets_are_encoded() -> None:
    with pytest.raises(ValueError):
        psp_ref("ABC-123")


@pytest.mark.django_db
def test_browser_return_only_redirects() -> None:
    from billetterie.payments.providers.bank_common import browser_return_url

    url = browser_return_url(PaymentUrls("http://testserver/assoc/o/X/s/", "http://testserver/payments/notify/p/a/"))
    path = url.removeprefix("http://testserver")
    for method in ("get", "post"):
        response = getattr(Client(), method)(path, data={"vads_result": "00"} if method == "post" else None)
        assert response.status_code == 303 and response["Location"] == "http://testserver/assoc/o/X/s/"
    assert Client().get(path[:-5] + "xxxx/").status_code == 404
