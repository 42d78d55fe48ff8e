"""Tables for spreadsheets, written in constant memory: XLSX (xlsxwriter in `constant_memory` mode,
streamed to a file: each row is written out as it comes) and CSV (`;`, a UTF-8 byte-order mark and
decimal commas: what French Excel opens as columns of numbers).

A table is a sheet name, typed columns and an iterable of rows (any generator: the writers never
ask for its length nor keep its rows). A MONEY cell is integer cents, written as euros: a number
with a euro format in Excel, "15,00" in CSV; a DATETIME (or TIMESTAMP, with seconds) cell is an
aware datetime, shown in local time: an Excel date, "03/12/2026 17:45" in CSV."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from .money import cents_to_decimal

# Excel refuses longer strings in a cell
CELL_MAX = 32_000
PROGRESS_EVERY = 500  # rows between two progress reports


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"  # several lines in one cell (wrapped in Excel)
    INTEGER = "integer"
    MONEY = "money"  # integer cents
    DATETIME = "datetime"  # aware datetime, to the minute
    TIMESTAMP = "timestamp"  # aware datetime, to the second
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: int = 16


@dataclass
class Table:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


Progress = Callable[[int], None]  # told the number of rows written so far, every PROGRESS_EVERY rows


def cell_safe(value: str) -> str:
    """No formula injection in CSV: a cell starting with = + - @ (or a tab, a carriage return) is text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _csv_cell(kind: Kind, value: Any) -> str:
    if value is None or value == "":
        return ""
    if kind == Kind.MONEY:
        return f"{cents_to_decimal(int(value)):.2f}".replace(".", ",")
    if kind in (Kind.DATETIME, Kind.TIMESTAMP) and isinstance(value, datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M:%S" if kind == Kind.TIMESTAMP else "%d/%m/%Y %H:%M")
    if kind == Kind.DATE and isinstance(value, date):
        return (_local(value) if isinstance(value, datetime) else value).strftime("%d/%m/%Y")
    if kind == Kind.INTEGER:
        return str(value)
    return cell_safe(str(value)[:CELL_MAX])


class _Counter:
    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.rows = progress, 0

    def tick(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
            self.progress(self.rows)

    def end(self) -> int:
        if self.progress is not None:
            self.progress(self.rows)
        return self.rows


def write_csv(target: IO[bytes], table: Table, *, progress: Progress | None = None) -> int:
    """Write the table to a binary file; returns the number of rows written (header aside)."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow([cell_safe(c.header) for c in table.columns])
        kinds = [c.kind for c in table.columns]
        counter = _Counter(progress)
        for row in table.rows:
            writer.writerow([_csv_cell(kind, value) for kind, value in zip(kinds, row, strict=True)])
            counter.tick()
        text.flush()
        return counter.end()
    finally:
        text.detach()  # the caller closes its file


def write_xlsx(target: str | Path, tables: Iterable[Table], *, progress: Progress | None = None) -> int:
    """Write each table as a sheet of a workbook at `target` (a path: constant memory needs a
    file, xlsxwriter's in-memory mode would hold every row); returns the rows written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(target),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False, "tmpdir": str(Path(target).parent)},
    )
    formats = {
        Kind.MONEY: book.add_format({"num_format": '#,##0.00 "€"'}),
        Kind.DATETIME: book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        Kind.TIMESTAMP: book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"}),
        Kind.DATE: book.add_format({"num_format": "dd/mm/yyyy"}),
        Kind.LONG_TEXT: book.add_format({"text_wrap": True, "valign": "top"}),
    }
    bold = book.add_format({"bold": True})
    counter = _Counter(progress)
    try:
        for table in tables:
            sheet = book.add_worksheet(table.name[:31])
            for col, column in enumerate(table.columns):
                sheet.set_column(col, col, column.width)
            sheet.write_row(0, 0, [c.header for c in table.columns], bold)
            sheet.freeze_panes(1, 0)
            kinds = [c.kind for c in table.columns]
            for r, row in enumerate(table.rows, start=1):
                for col, (kind, value) in enumerate(zip(kinds, row, strict=True)):
                    _xlsx_cell(sheet, r, col, kind, value, formats)
                counter.tick()
    finally:
        book.close()
    return counter.end()


def _xlsx_cell(sheet: Any, row: int, col: int, kind: Kind, value: Any, formats: dict[Kind, Any]) -> None:
    if value is None or value == "":
        return
    if kind == Kind.MONEY:
        sheet.write_number(row, col, float(cents_to_decimal(int(value))), formats[kind])
    elif kind in (Kind.DATETIME, Kind.TIMESTAMP, Kind.DATE) and isinstance(value, date):
        if isinstance(value, datetime):
            value = _local(value).replace(tzinfo=None)
        sheet.write_datetime(row, col, value, formats[kind])
    elif kind == Kind.INTEGER:
        sheet.write_number(row, col, int(value))
    else:
        sheet.write_string(row, col, str(value)[:CELL_MAX], formats.get(kind))


def csv_bytes(table: Table) -> bytes:
    out = io.BytesIO()
    write_csv(out, table)
    return out.getvalue()


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    """A small workbook as bytes (a download answered at once), built through a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        write_xlsx(path, tables)
        return path.read_bytes()
