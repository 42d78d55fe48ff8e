"""The header's « Mon compte » / « Se connecter » link: whether the visitor is signed in to this
organiser's shop, read from the session alone (no query on every page)."""

from __future__ import annotations

from typing import Any

from django import template

from billetterie.customers.selectors import session_key

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_session(context: Any, organizer: Any) -> bool:
    request = context.get("request")
    session = getattr(request, "session", None)
    return bool(session is not None and organizer is not None and session.get(session_key(organizer.pk)))
