"""Emails to buyers, through an outbox (filled in by the notification helper)."""

from __future__ import annotations


def email_order_confirmed(*, order_id: int) -> None:
    """Queue the confirmation email of a paid order (placeholder replaced by the outbox work)."""
