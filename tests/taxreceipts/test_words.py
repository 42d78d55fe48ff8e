"""The amount in words (« Somme en toutes lettres ») in French."""

from __future__ import annotations

import pytest

from billetterie.taxreceipts.words import amount_in_words


@pytest.mark.parametrize(("cents", "words"), [
    (50, "cinquante centimes"),
    (1, "un centime"),
    (100, "un euro"),
    (101, "un euro et un centime"),
    (8000, "quatre-vingts euros"),
    (8100, "quatre-vingt-un euros"),
    (7100, "soixante et onze euros"),
    (12050, "cent vingt euros et cinquante centimes"),
    (20000, "deux cents euros"),
    (123456, "mille deux cent trente-quatre euros et cinquante-six centimes"),
    (100_000_000, "un million d'euros"),
    (150_000_000, "un million cinq cent mille euros"),
    (0, "zéro euro"),
])
def test_amount_in_words(cents: int, words: str) -> None:
    assert amount_in_words(cents) == words


def test_negative_amount_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_words(-1)
