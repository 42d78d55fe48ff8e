from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def wallet_enabled() -> bool:
    """Whether the order page offers Apple Wallet passes (a pass certificate is configured)."""
    names = ("WALLET_PASS_CERT", "WALLET_PASS_KEY", "WALLET_WWDR_CERT", "WALLET_PASS_TYPE_ID", "WALLET_TEAM_ID")
    return all(getattr(settings, name, "") for name in names)
