"""An amount in words, in French, as a tax receipt writes it (« Somme en toutes lettres »).

num2words spells the numbers (« quatre-vingts », « deux cent trente-quatre », « vingt et un »);
the currency's words are ours: num2words' own currency mode writes « zéro euros et cinquante
centimes », « un euro et zéro centimes » and « un million euros », which a receipt must not."""

from __future__ import annotations

from num2words import num2words


def _number(value: int) -> str:
    return str(num2words(value, lang="fr"))


def _euros(euros: int) -> str:
    words = _number(euros)
    unit = "euro" if euros == 1 else "euros"
    # « un million d'euros », « deux milliards d'euros »: a noun takes « de » before the unit
    if euros >= 1_000_000 and euros % 1_000_000 == 0:
        return f"{words} d'{unit}"
    return f"{words} {unit}"


def amount_in_words(cents: int) -> str:
    """« cent vingt euros et cinquante centimes » for 12050; « cinquante centimes » for 50;
    « un euro » for 100; « zéro euro » for 0."""
    if cents < 0:
        raise ValueError("an amount in words is never negative")
    euros, rest = divmod(int(cents), 100)
    if rest == 0:
        return _euros(euros) if euros else "zéro euro"
    centimes = f"{_number(rest)} {'centime' if rest == 1 else 'centimes'}"
    return f"{_euros(euros)} et {centimes}" if euros else centimes
