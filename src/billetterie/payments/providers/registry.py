"""Every payment provider the platform knows: one line each."""

from __future__ import annotations

from .base import Provider
from .lyra import ClicAndPayProvider, LyraProvider, PayZenProvider, ScelliusProvider, SogecommerceProvider
from .monetico import MoneticoProvider
from .offline import InvoiceProvider, TransferProvider
from .ogone import OgoneProvider
from .paybox import PayboxProvider
from .payfip import PayFiPProvider
from .paypal import PayPalProvider
from .sandbox import SandboxProvider
from .sips import SherlocksProvider, SipsProvider, SogenactifProvider
from .stripe import StripeProvider

PROVIDERS: dict[str, Provider] = {
    SandboxProvider.identifier: SandboxProvider(),
    StripeProvider.identifier: StripeProvider(),
    PayPalProvider.identifier: PayPalProvider(),
    LyraProvider.identifier: LyraProvider(),
    PayZenProvider.identifier: PayZenProvider(),
    SogecommerceProvider.identifier: SogecommerceProvider(),
    ScelliusProvider.identifier: ScelliusProvider(),
    ClicAndPayProvider.identifier: ClicAndPayProvider(),
    SipsProvider.identifier: SipsProvider(),
    SogenactifProvider.identifier: SogenactifProvider(),
    SherlocksProvider.identifier: SherlocksProvider(),
    PayboxProvider.identifier: PayboxProvider(),
    OgoneProvider.identifier: OgoneProvider(),
    MoneticoProvider.identifier: MoneticoProvider(),
    PayFiPProvider.identifier: PayFiPProvider(),
    TransferProvider.identifier: TransferProvider(),
    InvoiceProvider.identifier: InvoiceProvider(),
}


def provider_get(identifier: str) -> Provider | None:
    return PROVIDERS.get(identifier)
