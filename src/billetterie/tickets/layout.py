"""Organisers' own ticket layouts, rendered in a sandbox.

A layout is HTML + CSS with placeholders written `{{ name }}`, from the documented list below and
nothing else: no template tags, no attribute access, no filters, so no code runs and no data
beyond the ticket's own mentions can be reached (`{{ order.secret }}` is refused when saving).
Values are HTML-escaped. The PDF engine may fetch nothing but `data:` URLs: no network, no files.
French ticketing rules want these on each ticket, so a layout must keep them: organiser, event,
date, venue, price category, price paid, serial number, and the QR code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS: dict[str, Any] = {
    "organizer_name": gettext_lazy("the organiser's name"),
    "organizer_legal_name": gettext_lazy("the organiser's legal name"),
    "organizer_address": gettext_lazy("the organiser's address"),
    "event_title": gettext_lazy("the event's title"),
    "event_date": gettext_lazy("the date of the event"),
    "start_time": gettext_lazy("the start time"),
    "end_time": gettext_lazy("the end time (empty when another day)"),
    "venue": gettext_lazy("the venue"),
    "price_category": gettext_lazy("the ticket and price category (Adult, Student…)"),
    "price_paid": gettext_lazy("the price paid, with its currency"),
    "serial": gettext_lazy("the ticket's unique serial number"),
    "ticket_number": gettext_lazy("the ticket's number in its event's uninterrupted series (000123)"),
    "order_code": gettext_lazy("the order code"),
    "attendee_name": gettext_lazy("the attendee's name"),
    "addons": gettext_lazy("the add-ons bought for this attendee (Meal: Child menu · …), empty when none"),
    "qr_code": gettext_lazy("the QR code, as an image"),
}
REQUIRED = (
    "organizer_name", "event_title", "event_date", "venue", "price_category", "price_paid", "serial", "qr_code",
)
MAX_LENGTH = 50_000

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_TEMPLATE_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}")

DEFAULT_LAYOUT = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<style>
  @page { size: A6; margin: 8mm; }
  html { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; }
  h1 { font-size: 14pt; margin: 0 0 2mm; }
  .qr { text-align: center; margin: 4mm 0; }
  .qr img { width: 44mm; height: 44mm; }
  .serial { font-family: "DejaVu Sans Mono", monospace; }
</style></head>
<body>
  <p>{{ organizer_name }}</p>
  <h1>{{ event_title }}</h1>
  <p><strong>{{ event_date }} · {{ start_time }}</strong><br>{{ venue }}</p>
  <div class="qr">{{ qr_code }}</div>
  <p>{{ attendee_name }}<br>{{ price_category }} — {{ price_paid }}</p>
  <p class="serial">{{ serial }}</p>
</body></html>
"""


def layout_errors(html: str) -> list[str]:
    """Why this layout cannot be saved (empty list: it can)."""
    errors = []
    if len(html) > MAX_LENGTH:
        errors.append(_("The layout is too long (at most %(n)d characters).") % {"n": MAX_LENGTH})
    if _TEMPLATE_SYNTAX.search(html):
        errors.append(_("Template tags and comments ({% … %}, {# … #}) are not allowed: only {{ placeholders }}."))
    used = set()
    for match in _PLACEHOLDER.finditer(html):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            errors.append(_("Unknown placeholder: {{ %(name)s }}.") % {"name": name[:60]})
        used.add(name)
    leftover = _PLACEHOLDER.sub("", html)
    if "{{" in leftover or "}}" in leftover:
        errors.append(_("A placeholder is not closed: write {{ name }}."))
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        errors.append(
            _("The ticket must show: %(names)s.") % {"names": ", ".join("{{ " + n + " }}" for n in missing)}
        )
    return errors


def layout_render(html: str, values: Mapping[str, str], *, qr_img: str) -> str:
    """The layout with its placeholders filled (escaped); the QR is our own <img> tag."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "qr_code":
            return qr_img
        return escape(values.get(name, "")) if name in PLACEHOLDERS else ""

    return _PLACEHOLDER.sub(fill, html)


def data_only_url_fetcher() -> Any:
    """A weasyprint URL fetcher that loads `data:` URLs (the QR code) and nothing else."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)
