"""What staff are told when a refund's amount is refused."""

from __future__ import annotations

import pytest
from django.utils import translation

from billetterie.core.errors import InvalidInput
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "left"), [("fr", "12,34\u00a0€"), ("en", "€12.34")])
def test_a_refund_beyond_what_is_left_says_what_is_left_in_euros(shop: Shop, language: str, left: str) -> None:
    """It said "(1234 cents)" to staff, who type euros."""
    payment = payment_record_external(order_id=order_placed(shop, tickets=1, meals=0).pk, method="cash",
                                      amount_cents=1500)
    refund_create(payment=payment, amount_cents=266)
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        refund_create(payment=payment, amount_cents=1235)
    assert refused.value.code == "amount_invalid"
    assert f"({left})" in str(refused.value.message)
    assert "cent" not in str(refused.value.message)
