"""Every payment method the platform knows: one line each, a provider or a method staff record."""

from __future__ import annotations

from .base import Method, Provider, RecordedMethod, Settlement
from .lyra import ClicAndPayProvider, LyraProvider, PayZenProvider, ScelliusProvider, SogecommerceProvider
from .monetico import MoneticoProvider
from .offline import CARD_TERMINAL, CASH, CHEQUE, InvoiceProvider, TransferProvider
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


# methods with nothing to start: money staff take in hand at the box office, in display order
RECORDED_METHODS: dict[str, RecordedMethod] = {
    CASH.identifier: CASH,
    CHEQUE.identifier: CHEQUE,
    CARD_TERMINAL.identifier: CARD_TERMINAL,
}


def provider_get(identifier: str) -> Provider | None:
    return PROVIDERS.get(identifier)


def method_get(identifier: str) -> Method | None:
    """A provider, or a method staff record (cash, cheque, card terminal)."""
    return PROVIDERS.get(identifier) or RECORDED_METHODS.get(identifier)


def settlement_of(identifier: str) -> Settlement | None:
    """How the method settles (None: a method this installation does not have)."""
    method = method_get(identifier)
    return method.capabilities.settlement if method is not None else None


def methods_settling(*settlements: Settlement) -> list[str]:
    """The identifiers of the methods that settle in one of these ways, recorded ones first."""
    methods: dict[str, Method] = {**RECORDED_METHODS, **PROVIDERS}
    return [key for key, method in methods.items() if method.capabilities.settlement in settlements]
