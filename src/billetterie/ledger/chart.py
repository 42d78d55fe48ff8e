"""The chart of accounts every organiser's books start with: French PCG numbers (the 2025 plan,
with the associations' accounts of règlement ANC 2018-06), one clearing account per payment
service, one sales account per kind of product.

An account exists per organiser and is created on its first posting (`accounts_for`); its code
is what the FEC export and an accountant read. Codes never change meaning: a new need is a new
code, never a reused one (the books of past years keep theirs)."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.catalog.models import ProductKind


@dataclass(frozen=True)
class AccountSpec:
    code: str
    label: str


CUSTOMERS = AccountSpec("411", "Clients")
# a buyer's credit kept for them (the customers domain, later): what we owe them, not a sale
CUSTOMER_CREDIT = AccountSpec("4191", "Clients – avances et avoirs")
VOUCHERS = AccountSpec("4198", "Bons cadeaux en circulation")
VAT_COLLECTED = AccountSpec("44571", "TVA collectée")
BANK = AccountSpec("512", "Banque")
CHEQUES = AccountSpec("5112", "Chèques à encaisser")
CARDS = AccountSpec("5115", "Cartes bancaires à encaisser")
CASH = AccountSpec("530", "Caisse")
# what the payment services keep for themselves (posted with their payouts, issue 13 item 8)
BANK_FEES = AccountSpec("627", "Services bancaires et assimilés")
TICKET_SALES = AccountSpec("7061", "Billetterie")
ADDON_SALES = AccountSpec("7062", "Prestations annexes (repas, options)")
# the buyer's payment fee (decision 0006), charged on top of the order
FEE_INCOME = AccountSpec("7088", "Frais de paiement facturés")
# associations: dues are 756, gifts from the public 7541 (ANC 2018-06, in force since 2020; the
# old 7713 « libéralités perçues » is no longer in the plan)
MEMBERSHIP_DUES = AccountSpec("756", "Cotisations")
DONATIONS = AccountSpec("7541", "Dons manuels")

SALES_BY_KIND: dict[str, AccountSpec] = {
    ProductKind.TICKET: TICKET_SALES,
    ProductKind.ADDON: ADDON_SALES,
    ProductKind.MEMBERSHIP: MEMBERSHIP_DUES,
    ProductKind.DONATION: DONATIONS,
}

# money staff record by hand goes to the account where it actually is
_RECORDED: dict[str, AccountSpec] = {
    "cash": CASH,
    "cheque": CHEQUES,
    "card_terminal": CARDS,
    "transfer": BANK,
    "invoice": BANK,  # an awaited invoice is usually paid by transfer
}

# one clearing account (467, « autres comptes débiteurs ou créditeurs ») per payment service: what
# it collected for the organiser and has not paid out yet
_SERVICES: dict[str, str] = {
    "stripe": "Stripe", "paypal": "PayPal", "systempay": "Systempay", "payzen": "PayZen",
    "sogecommerce": "Sogecommerce", "scellius": "Scellius", "clicandpay": "Clic&Pay", "mercanet": "Mercanet",
    "sogenactif": "Sogenactif", "sherlocks": "Sherlocks", "paybox": "Paybox", "ogone": "Ogone",
    "monetico": "Monetico", "payfip": "PayFiP", "sandbox": "Paiements de test (sandbox)",
}
_SERVICE_CODES: dict[str, str] = {
    "stripe": "46701", "paypal": "46702", "systempay": "46703", "payzen": "46704", "sogecommerce": "46705",
    "scellius": "46706", "clicandpay": "46707", "mercanet": "46708", "sogenactif": "46709", "sherlocks": "46710",
    "paybox": "46711", "ogone": "46712", "monetico": "46713", "payfip": "46714", "sandbox": "46799",
}
OTHER_SERVICE = AccountSpec("46700", "Autres services de paiement")

BASE = (CUSTOMERS, CUSTOMER_CREDIT, VOUCHERS, VAT_COLLECTED, BANK, CHEQUES, CARDS, CASH, BANK_FEES, TICKET_SALES,
        ADDON_SALES, FEE_INCOME, MEMBERSHIP_DUES, DONATIONS)
SALES_CODES = frozenset(spec.code for spec in SALES_BY_KIND.values())


def money_account(provider: str) -> AccountSpec:
    """Where a payment made with `provider` lands first."""
    if provider in _RECORDED:
        return _RECORDED[provider]
    if provider in _SERVICE_CODES:
        return AccountSpec(_SERVICE_CODES[provider], f"{_SERVICES[provider]} – à encaisser")
    return OTHER_SERVICE


def sales_account(kind: str) -> AccountSpec:
    return SALES_BY_KIND.get(kind, TICKET_SALES)


def every_spec() -> list[AccountSpec]:
    """The whole chart, for a page or a document that lists it."""
    return [*BASE, *(money_account(p) for p in _SERVICE_CODES), OTHER_SERVICE]
