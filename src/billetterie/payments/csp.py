"""Selectors: what the pages leading to a payment may load, and where their forms may send the
buyer (Content-Security-Policy, decision 0011), read from each provider and the organiser's
settings of it (the mode, a payment page URL the bank gave)."""

from __future__ import annotations

from collections.abc import Iterable

from billetterie.core.csp import Sources

from .providers.registry import provider_get
from .selectors import provider_config


def payment_page_sources(*, organizer_id: int, provider_ids: Iterable[str]) -> Sources:
    """The union of what these providers' pages need: only the methods a page offers open it."""
    sources = Sources()
    for provider_id in dict.fromkeys(provider_ids):
        provider = provider_get(provider_id)
        if provider is not None:  # the methods staff record (cash…) have no page
            sources |= provider.page_sources(provider_config(organizer_id=organizer_id, provider_id=provider_id))
    return sources
