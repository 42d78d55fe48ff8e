"""What staff read of a refund's state, worded for the method that took the money.

A refund left to do by hand (`RefundState.MANUAL`) is done in the payment service's own back
office for a card service, but by hand for cash, a cheque, a card terminal or a transfer: the
enum's one label cannot say both, so the wording comes from how the method settles (its declared
`Settlement`, decision 0017), never from its identifier."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Refund, RefundState
from .providers.registry import settlement_of


def refund_state_label(*, state: str, provider: str) -> str:
    """The state as staff read it for a refund of a payment made with `provider`."""
    if state == RefundState.MANUAL:
        settlement = settlement_of(provider)
        if settlement is not None and settlement.offline:
            return _("To refund by hand (cash, cheque, transfer…)")
    return str(RefundState(state).label) if state in RefundState.values else state


def refund_label(refund: Refund) -> str:
    return refund_state_label(state=refund.state, provider=refund.payment.provider)
