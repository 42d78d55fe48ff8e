"""The books' exports, streamed in constant memory (a generator of byte chunks):

- the FEC, « fichier des écritures comptables » (art. L47 A and A47 A-1 of the LPF): the 18
  fields in their order, tab-separated, one line per ledger line, dates YYYYMMDD, amounts with a
  decimal comma, ISO 8859-15, CRLF; named SIRENFECYYYYMMDD.txt (the period's last day);
- a plain journal CSV for a spreadsheet: `;`, UTF-8 with a byte-order mark, decimal commas (as
  `core.tabular`'s other exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from billetterie.core.tabular import cell_safe

from .models import Journal
from .selectors import ExportLine, export_lines

FEC_FIELDS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
              "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
              "ValidDate", "Montantdevise", "Idevise")
FEC_ENCODING = "iso8859_15"
JOURNAL_LABELS: dict[str, str] = {Journal.SALES: "Ventes", Journal.BANK: "Banque et services de paiement",
                                  Journal.CASH: "Caisse"}
CHUNK_LINES = 500  # lines per chunk handed to the response
JOURNAL_HEADER = ("Date", "Journal", "N° d'écriture", "Compte", "Libellé du compte", "Pièce", "Libellé", "Débit",
                  "Crédit")
# what ISO 8859-15 cannot write, said with what it can
_LATIN9 = str.maketrans({"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"',
                         "\u00a0": " ", "\u202f": " ", "…": "..."})


def amount(cents: int) -> str:
    """12,50 — the FEC's and the CSV's amounts: a decimal comma, no thousands separator."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


def fec_filename(*, siren: str, end: date) -> str:
    return f"{(siren or '')[:9] or '000000000'}FEC{end:%Y%m%d}.txt"


def _fec_text(value: str) -> str:
    """No tab nor line break inside a field (they separate them), ISO 8859-15 only."""
    clean = " ".join(str(value).split()).translate(_LATIN9)
    return clean.encode(FEC_ENCODING, errors="replace").decode(FEC_ENCODING)


def _fec_row(line: ExportLine) -> str:
    day = f"{line.date:%Y%m%d}"
    fields = (line.journal, JOURNAL_LABELS.get(line.journal, line.journal), line.number, day, line.account_code,
              line.account_label, "", "", line.piece or line.number, day, line.label, amount(line.debit_cents),
              amount(line.credit_cents), "", "", day, "", "")
    return "\t".join(_fec_text(field) for field in fields) + "\r\n"


def fec_chunks(*, organizer_id: int, start: date, end: date) -> Iterator[bytes]:
    buffer: list[str] = ["\t".join(FEC_FIELDS) + "\r\n"]
    for line in export_lines(organizer_id=organizer_id, start=start, end=end):
        buffer.append(_fec_row(line))
        if len(buffer) >= CHUNK_LINES:
            yield "".join(buffer).encode(FEC_ENCODING, errors="replace")
            buffer = []
    yield "".join(buffer).encode(FEC_ENCODING, errors="replace")


def journal_filename(*, slug: str, start: date, end: date) -> str:
    return f"journal-{slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def journal_chunks(*, organizer_id: int, start: date, end: date) -> Iterator[bytes]:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(JOURNAL_HEADER)
    count = 0
    first = True
    for line in export_lines(organizer_id=organizer_id, start=start, end=end):
        writer.writerow([f"{line.date:%d/%m/%Y}", line.journal, line.number, line.account_code,
                         cell_safe(line.account_label), cell_safe(line.piece), cell_safe(line.label),
                         amount(line.debit_cents) if line.debit_cents else "",
                         amount(line.credit_cents) if line.credit_cents else ""])
        count += 1
        if count % CHUNK_LINES == 0:
            yield _csv_bytes(text, first)
            first = False
    yield _csv_bytes(text, first)


def _csv_bytes(text: io.StringIO, first: bool) -> bytes:
    data = text.getvalue()
    text.seek(0)
    text.truncate(0)
    return ("\ufeff" + data if first else data).encode("utf-8")
