"""Every payment provider the platform knows: one line each."""

from __future__ import annotations

from .base import Provider
from .sandbox import SandboxProvider

PROVIDERS: dict[str, Provider] = {
    SandboxProvider.identifier: SandboxProvider(),
}


def provider_get(identifier: str) -> Provider | None:
    return PROVIDERS.get(identifier)
