"""What an order's sale should be in the books, from its state and its money (pure arithmetic).

The rule (docs/dev/ledger.md): a sale is recognised when the order is paid, VAT included in the
price, VAT due on receipt as for services. A paid order's recognised sale is what it keeps, at
most its total: a refund of part of a paid order reduces its sale (a line's refund that line's
kind, the rest shared in proportion), a surplus waiting to go back is no sale. Any other state
(pending, awaiting its invoice, paid but unfulfillable, refunded, cancelled, expired) has no sale.
The payment fee is income from its payment on; it goes back only when refunds exceed what the
order itself received."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from billetterie.orders.models import OrderState

from .chart import sales_account

SALE_STATES = (OrderState.PAID,)


@dataclass(frozen=True)
class Money:
    """The figures of `payments.balance.OrderBalance` the books follow."""

    state: str
    total_cents: int
    received_cents: int
    fees_cents: int
    refunded_cents: int


def sale_gross(money: Money) -> int:
    """The sale the books should show for the order, VAT included."""
    if money.state not in SALE_STATES:
        return 0
    return min(max(money.received_cents - money.refunded_cents, 0), money.total_cents)


def fees_given_back(money: Money) -> int:
    """The part of the payment fees the refunds gave back: what they refunded beyond what the order received."""
    return min(max(money.refunded_cents - money.received_cents, 0), money.fees_cents)


def customer_balance(money: Money) -> int:
    """The order's 411 balance (debit − credit) the books should show: its sale, less what it keeps,
    less the fees given back. 0 for an order paid and settled; negative when money is owed back
    (a deposit on an unpaid order, a surplus, a refund that failed); positive when the buyer owes."""
    kept = money.received_cents - money.refunded_cents
    return sale_gross(money) - kept - fees_given_back(money)


def vat_of(net_cents: int, rate_bp: int) -> int:
    return int((Decimal(net_cents) * rate_bp / 10000).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def net_of(gross_cents: int, rate_bp: int) -> int:
    """The net of `gross_cents` VAT included, such that net + VAT(net) = gross where one exists:
    the invoice's rule (EN 16931: the VAT of a rate is its basis times the rate), so that the
    books and the invoices agree to the cent."""
    if rate_bp == 0:
        return gross_cents
    sign = -1 if gross_cents < 0 else 1
    gross = abs(gross_cents)
    guess = int((Decimal(gross) * 10000 / (10000 + rate_bp)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    for net in (guess, guess - 1, guess + 1):
        if net + vat_of(net, rate_bp) == gross:
            return sign * net
    return sign * guess


def share(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (non-negative) by largest remainder; the parts add up."""
    weight = sum(weights)
    if not weights:
        return []
    if weight == 0:
        return [total] + [0] * (len(weights) - 1)
    parts = [total * w // weight for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class SoldLine:
    line_id: int
    kind: str
    amount_cents: int
    vat_rate_bp: int


Group = tuple[str, int]  # (sales account code, VAT rate)


@dataclass(frozen=True)
class SaleTarget:
    net: dict[Group, int]  # per sales account and rate, VAT excluded
    vat: dict[int, int]  # per rate

    @property
    def gross_cents(self) -> int:
        return sum(self.net.values()) + sum(self.vat.values())


def sale_target(*, lines: Iterable[SoldLine], total_cents: int, gross_cents: int,
                line_refunds: Iterable[tuple[int, int]] = ()) -> SaleTarget:
    """The sale of `gross_cents` (≤ `total_cents`) split by sales account and VAT rate: the order's
    lines, less the refunds of named lines on their own group, less the rest in proportion."""
    lines = list(lines)
    groups: dict[Group, int] = defaultdict(int)
    group_of: dict[int, Group] = {}
    for line in lines:
        group = (sales_account(line.kind).code, line.vat_rate_bp)
        groups[group] += line.amount_cents
        group_of[line.line_id] = group
    if not groups:
        groups[(sales_account("").code, 0)] = 0
    difference = total_cents - sum(groups.values())
    if difference:  # a total that is not its lines' sum (none today): the largest group takes it
        largest = max(groups, key=lambda g: groups[g])
        groups[largest] += difference
    to_take = total_cents - gross_cents
    for line_id, amount in line_refunds:
        refunded = group_of.get(line_id)
        if refunded is None or to_take <= 0:
            continue
        taken = min(amount, groups[refunded], to_take)
        groups[refunded] -= taken
        to_take -= taken
    keys = sorted(groups)
    if to_take > 0:
        for key, part in zip(keys, share(to_take, [max(groups[k], 0) for k in keys]), strict=True):
            groups[key] -= part
    net: dict[Group, int] = {}
    vat: dict[int, int] = {}
    for rate in sorted({rate for _code, rate in keys}):
        at_rate = [k for k in keys if k[1] == rate]
        gross = sum(groups[k] for k in at_rate)
        rate_net = net_of(gross, rate)
        vat[rate] = gross - rate_net
        for key, part in zip(at_rate, share(rate_net, [max(groups[k], 0) for k in at_rate]), strict=True):
            net[key] = part
    return SaleTarget(net=net, vat=vat)
