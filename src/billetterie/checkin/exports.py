"""Exports of a list's tickets, scanned or not: CSV (`;`, UTF-8 BOM, for French Excel) and XLSX,
written by the shared table writers (`core.tabular`); the back office's exports (reporting) write
the same table to a file in the background."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from billetterie.core.tabular import Column, Kind, Table, csv_bytes, xlsx_bytes

from .selectors import ListScope, TicketRow, ticket_rows


def _columns() -> list[Column]:
    return [
        Column(_("Ticket no."), width=14), Column(_("Order code"), width=10), Column(_("Name"), width=28),
        Column(_("Buyer"), width=28), Column(_("Ticket"), width=30),
        Column(_("Scanned at"), Kind.TIMESTAMP, width=20), Column(_("Device"), width=16),
        Column(_("Test order"), width=10),
    ]


def _values(row: TicketRow) -> list[Any]:
    """One ticket. A test order's ticket is listed only by a list that accepts test tickets
    (decision 0010), and says so in the last column."""
    test = _("test") if row.test else ""
    return [row.serial, row.order_code, row.name, row.buyer, row.label, row.checked_in_at, row.checked_in_device,
            test]


def _sheet_name(scanned: bool | None) -> str:
    if scanned is None:
        return _("Tickets")[:31]
    return (_("Scanned") if scanned else _("Not scanned"))[:31]


def tickets_table(*, scope: ListScope, scanned: bool | None) -> Table:
    """The list's tickets as a table whose rows are read as they are written (constant memory)."""
    rows: Iterator[list[Any]] = (_values(row) for row in ticket_rows(scope=scope, scanned=scanned))
    return Table(_sheet_name(scanned), _columns(), rows)


def tickets_csv(*, scope: ListScope, scanned: bool | None) -> bytes:
    return csv_bytes(tickets_table(scope=scope, scanned=scanned))


def tickets_xlsx(*, scope: ListScope, scanned: bool | None) -> bytes:
    return xlsx_bytes([tickets_table(scope=scope, scanned=scanned)])
