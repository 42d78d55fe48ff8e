"""Payment credentials encrypted at rest: Fernet with a key derived from SECRET_KEY (HKDF).

Rotating SECRET_KEY keeps working while the old key stays in SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_HKDF_SALT = b"billetterie.payments"
_HKDF_INFO = b"payment credentials encryption v1"


def _fernet_for(secret: str) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.encode())))


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(s) for s in secrets])


def credentials_encrypt(values: dict[str, str]) -> bytes:
    if not values:
        return b""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode())


def credentials_decrypt(blob: bytes | memoryview | None) -> dict[str, str]:
    """The stored credentials; an empty dict when none, or when they cannot be read (a lost key)."""
    raw = bytes(blob or b"")
    if not raw:
        return {}
    try:
        data = json.loads(_fernet().decrypt(raw))
    except (InvalidToken, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def mask(value: str) -> str:
    """What staff see of a stored secret: never more than its last 4 characters."""
    if not value:
        return ""
    return "•" * 8 + (value[-4:] if len(value) >= 12 else "")
