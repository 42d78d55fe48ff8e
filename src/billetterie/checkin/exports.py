"""Exports of a list's tickets, scanned or not: CSV (`;`, UTF-8 BOM, for French Excel) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .selectors import ListScope, TicketRow, ticket_rows

TZ = ZoneInfo("Europe/Paris")


def _headers() -> list[str]:
    return [_("Ticket no."), _("Order code"), _("Name"), _("Buyer"), _("Ticket"), _("Scanned at"), _("Device"),
            _("Test order")]


def _values(row: TicketRow) -> list[str]:
    """One ticket. A test order's ticket is listed only by a list that accepts test tickets
    (decision 0010), and says so in the last column."""
    at = row.checked_in_at.astimezone(TZ).strftime("%d/%m/%Y %H:%M:%S") if row.checked_in_at else ""
    test = _("test") if row.test else ""
    return [row.serial, row.order_code, row.name, row.buyer, row.label, at, row.checked_in_device, test]


def _safe(value: str) -> str:
    """No formula injection: a cell starting with = + - @ is text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def tickets_csv(*, scope: ListScope, scanned: bool | None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_headers())
    for row in ticket_rows(scope=scope, scanned=scanned):
        writer.writerow([_safe(v) for v in _values(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def tickets_xlsx(*, scope: ListScope, scanned: bool | None) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_sheet_name(scanned))
    bold = book.add_format({"bold": True})
    _write_rows(sheet, bold, ticket_rows(scope=scope, scanned=scanned))
    book.close()
    return out.getvalue()


def _sheet_name(scanned: bool | None) -> str:
    if scanned is None:
        return _("Tickets")[:31]
    return (_("Scanned") if scanned else _("Not scanned"))[:31]


def _write_rows(sheet: object, bold: object, rows: Iterable[TicketRow]) -> None:
    sheet.write_row(0, 0, _headers(), bold)  # type: ignore[attr-defined]
    widths = [14, 10, 28, 28, 30, 20, 16, 10]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)  # type: ignore[attr-defined]
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, _values(row))  # type: ignore[attr-defined]
