"""The names of the payment methods are translated (the box office's too)."""

from __future__ import annotations

import pytest
from django.utils import translation

from billetterie.payments.models import Channel
from billetterie.payments.selectors import methods_offered
from tests.factories import Shop

pytestmark = pytest.mark.django_db


def test_the_box_office_methods_are_named_in_french(shop: Shop) -> None:
    """They were marked with an alias makemessages does not know (`_lazy`): never extracted, so
    the box office and the admin said "Cash" and "Cheque" in French too."""
    with translation.override("fr"):
        names = [m.name for m in methods_offered(organizer=shop.organizer, channel=Channel.BOX_OFFICE,
                                                 amount_cents=1500)]
    assert names == ["Espèces", "Chèque", "Terminal de paiement (guichet)"]
