"""Every back-office page, visited in French by an administrator: it answers 200, and shows no
interface string left in English and no amount in cents. The pages are found from the URL
configuration, so a new page is visited as soon as it exists (and this test says which URL
parameter it does not know how to fill)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from billetterie.organizers.models import Role
from tests.factories import Shop, team_member_create

PO = Path(__file__).resolve().parents[2] / "src/billetterie/locale/fr/LC_MESSAGES/django.po"
# words of English interface text that French interface text does not contain
ENGLISH = re.compile(
    r"\b(the|your|with|this|from|please|save|search|delete|edit|orders|payments|refunds|settings|none|"
    r"yes|back|next|previous|show|hide|sign in|sign out|amount|total due|received|cents)\b", re.I
)
# (not the end of a hexadecimal digest such as a journal entry's hash, "…5a669c")
CENTS = re.compile(r"\b(cents?|centimes?)\b|(?<![0-9a-f])\d{3,}\s?c\b", re.I)


class _Text(HTMLParser):
    """The text a person reads: text nodes outside script/style, and the values of buttons,
    placeholders, titles and labels that are attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in ("placeholder", "title", "aria-label", "alt")
                          or (name == "value" and tag in ("button", "input") and dict(attrs).get("type") in
                              ("submit", "button"))):
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def backoffice_patterns() -> Iterator[tuple[str, str]]:
    """(view name, route) of every back-office page that answers GET."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                    pattern.namespace or namespace)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}", prefix + str(pattern.pattern)

    for name, route in walk(get_resolver().url_patterns, "/", ""):
        if name.startswith("backoffice:"):
            yield name, route


def untranslated_msgids() -> set[str]:
    po = polib.pofile(str(PO))
    return {entry.msgid for entry in po if not entry.translated() and len(entry.msgid) > 3}


@pytest.mark.django_db
def test_every_backoffice_page_is_in_french_with_euros(shop: Shop, client: Client) -> None:
    from tests.backoffice.pages import fill_route, page_data, skipped

    admin = team_member_create(shop.organizer, role=Role.ADMIN)
    data = page_data(shop, admin)
    client.force_login(admin)
    untranslated = untranslated_msgids()
    problems, visited = [], 0
    for name, route in backoffice_patterns():
        if name in skipped():
            continue
        url = fill_route(route, data)
        if url is None:
            problems.append(f"{name}: no test value for a parameter of {route}")
            continue
        response = client.get(url, headers={"accept-language": "fr"})
        if response.status_code in (302, 405):  # an action (POST only) or a page that sends elsewhere
            continue
        visited += 1
        if response.status_code != 200:
            problems.append(f"{name} {url}: {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for text in visible_text(response.content.decode()):
            if text in untranslated:
                problems.append(f"{name} {url}: untranslated {text!r}")
            elif ENGLISH.search(text) and text not in data["_names"]:
                problems.append(f"{name} {url}: English? {text!r}")
            if CENTS.search(text):
                problems.append(f"{name} {url}: an amount in cents? {text!r}")
    assert visited >= 30, "the back office has fewer pages than expected: is the URL walk broken?"
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_walk_would_see_a_page_left_in_english(shop: Shop, client: Client) -> None:
    """The detector itself: the same pages in English are flagged."""
    client.force_login(team_member_create(shop.organizer, role=Role.ADMIN))
    response = client.get(f"/gestion/{shop.organizer.slug}/commandes/", headers={"accept-language": "en"})
    texts = visible_text(response.content.decode())
    assert any(ENGLISH.search(text) for text in texts), texts[:50]
    assert CENTS.search("1500 cents") and CENTS.search("prix : 1500c") and not CENTS.search("15,00 €")
    assert not CENTS.search("fe83b15a669c…")
