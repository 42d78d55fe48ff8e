"""Codes people read (order codes) and secrets people must not guess (order, ticket, preview)."""

from __future__ import annotations

import hmac
import secrets

# no 0/O, 1/I/L, 5/S, 2/Z: codes are read aloud at the box office and typed from paper
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_secret() -> str:
    """160 random bits, URL safe."""
    return secrets.token_urlsafe(20)


def secrets_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
