"""The shop's checkout form checks addresses with the same rule as the API (core.validation)."""

from __future__ import annotations

import pytest

from billetterie.shop.forms import CheckoutForm


def _form(email: str) -> CheckoutForm:
    return CheckoutForm({"name": "Camille Martin", "email": email, "terms": "on"}, positions=[], donations=[],
                        providers=[])


@pytest.mark.parametrize("email", ["a@", "a@b", "x@example.org\r\nBcc: y@example.org", '"a\x01"@example.org'])
def test_an_address_no_mail_can_reach_is_refused(email: str) -> None:
    form = _form(email)
    assert not form.is_valid()
    assert list(form.errors) == ["email"]


def test_a_reachable_address_is_accepted_without_its_spaces() -> None:
    form = _form(" camille@example.org ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "camille@example.org"
