"""Every payment provider the platform knows: one line each."""

from __future__ import annotations

from .base import Provider
from .offline import InvoiceProvider, TransferProvider
from .sandbox import SandboxProvider

PROVIDERS: dict[str, Provider] = {
    SandboxProvider.identifier: SandboxProvider(),
    TransferProvider.identifier: TransferProvider(),
    InvoiceProvider.identifier: InvoiceProvider(),
}


def provider_get(identifier: str) -> Provider | None:
    return PROVIDERS.get(identifier)
