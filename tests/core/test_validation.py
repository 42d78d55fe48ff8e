"""core.validation.email_is_valid: the one rule the shop, the API and the services share."""

from __future__ import annotations

import pytest

from billetterie.core.validation import email_is_valid


@pytest.mark.parametrize("value", ["a@example.org", "Camille.Martin+jip@example.org", "p0@sous-domaine.example.fr",
                                   "x@xn--bcher-kva.example", "x@bücher.example"])
def test_addresses_mail_can_reach(value: str) -> None:
    assert email_is_valid(value)


@pytest.mark.parametrize("value", [
    "", "a@", "a@b", "@example.org", "a@@example.org", "a b@example.org", "a@example.org ", " a@example.org",
    "x@example.org\r\nBcc: y@example.org", "x@example.org\n", "x@example.org\r", '"a\r\n"@example.org',
    '"a\x01"@example.org', "a@exa\tmple.org", "a@example.org\x00", None, 42,
])
def test_addresses_no_mail_can_reach(value: object) -> None:
    assert not email_is_valid(value)
