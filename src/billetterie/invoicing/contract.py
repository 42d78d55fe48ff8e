"""The contract of an order paid in parts (issue 13, item 3; seed 004): the invoice never speaks
of payments, the contract does — the order's total, the deposit received, the balance left to
pay and when it is due.

Its figures are also the placeholders organisers write in their texts (the contract's text in the
invoicing settings, the emails that carry it): {PourcentageAcompte} (« 30 % »), {MontantAcompte}
(« 30,00 € »), {Solde} (« 70,00 € ») and {Total} (« 100,00 € »), the names of seed 004's list.

An order is "paid in parts" while it has received part of its total (a box-office or transfer
part payment recorded, an order kept part-paid at its due time): the deposit is what it holds
(received less refunded, fees aside), the balance what is still due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderState
from billetterie.payments.balance import order_balance
from billetterie.tickets.layout import data_only_url_fetcher

from .models import Invoice
from .services import invoicing_settings_of

PLACEHOLDERS: dict[str, Any] = {
    "PourcentageAcompte": _("the deposit as a percentage of the total, with the % sign"),
    "MontantAcompte": _("the deposit received, in euros with the € sign"),
    "Solde": _("the balance left to pay, in euros with the € sign"),
    "Total": _("the order's total, in euros with the € sign"),
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class Contract:
    total_cents: int
    deposit_cents: int
    balance_cents: int
    balance_due_on: date | None
    currency: str = "EUR"

    @property
    def percent(self) -> Decimal:
        """The deposit's share of the total, in percent to two decimals (0 for a free order)."""
        if self.total_cents <= 0:
            return Decimal(0)
        return (Decimal(self.deposit_cents) * 100 / self.total_cents).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def part_paid(self) -> bool:
        return 0 < self.deposit_cents < self.total_cents


def order_contract(*, order: Order) -> Contract:
    """The order's total, deposit, balance and the balance's due date: the order's due time while
    it waits for payment, the invoice's due date when paid on invoice, none otherwise."""
    balance = order_balance(order=order)
    total = int(order.total_cents)
    deposit = min(max(balance.kept_cents, 0), total)
    due_on = None
    if deposit < total and order.state == OrderState.PENDING and order.expires_at is not None:
        due_on = timezone.localdate(order.expires_at)
    elif deposit < total and order.state == OrderState.AWAITING_INVOICE:
        due_on = Invoice.objects.filter(order=order).values_list("due_on", flat=True).first()
    return Contract(total, deposit, total - deposit, due_on, order.currency)


def _percent_text(value: Decimal) -> str:
    text = number_format(value.normalize() if value == value.to_integral() else value, use_l10n=True)
    return f"{text}\u00a0%"


def contract_placeholders(*, order: Order) -> dict[str, str]:
    """The placeholders' values for the order, in the language being rendered."""
    contract = order_contract(order=order)
    return {
        "PourcentageAcompte": _percent_text(contract.percent),
        "MontantAcompte": format_money(contract.deposit_cents, contract.currency),
        "Solde": format_money(contract.balance_cents, contract.currency),
        "Total": format_money(contract.total_cents, contract.currency),
    }


def placeholders_unknown(text: str) -> list[str]:
    """The {Names} of `text` that are not placeholders (a typo the organiser must see)."""
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known {Name} replaced by its value; anything else left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def contract_text(*, order: Order) -> str:
    """The organiser's contract text with the order's figures filled in ("" when none)."""
    text = invoicing_settings_of(organizer_id=order.organizer_id).contract_text
    return placeholders_fill(text, contract_placeholders(order=order)) if text else ""


def contract_pdf(*, order: Order) -> bytes:
    """The contract as a PDF, in the order's language: the lines and total, the deposit received,
    the balance and its due date, and the organiser's text."""
    from weasyprint import HTML  # heavy import, only where PDFs are made

    with translation.override(order.locale):
        contract = order_contract(order=order)
        context = {
            "order": order, "organizer": order.organizer,
            "lines": [{"label": line.label, "attendee": line.attendee_name,
                       "amount": format_money(line.amount_cents, order.currency)}
                      for line in order.lines.order_by("id")],
            "contract": contract, "values": contract_placeholders(order=order), "text": contract_text(order=order),
            "due_on": date_format(contract.balance_due_on, "DATE_FORMAT") if contract.balance_due_on else "",
            "today": date_format(timezone.localdate(), "DATE_FORMAT"),
        }
        html = render_to_string("invoicing/contract.html", context)
    return bytes(HTML(string=html, url_fetcher=data_only_url_fetcher()).write_pdf())


def contract_filename(*, order: Order) -> str:
    return f"contrat-{order.code}.pdf"
