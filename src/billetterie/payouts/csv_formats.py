"""The two files staff upload: PayPal's activity download, and one simple format for the bank
payment services (Lyra/Systempay, PayFiP, Paybox, SIPS, Ogone, Monetico). Each is read whole
and checked before anything is written: a row that cannot be read refuses the file with its
line number (InvalidInput, in French), so an import is all or nothing.

The columns each format accepts are documented in docs/fr/versements.md (and docs/en/payouts.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from billetterie.core.errors import InvalidInput
from billetterie.core.money import InvalidAmount, decimal_to_cents

from .models import PayoutItemKind
from .parsed import ParsedItem, ParsedPayout

MAX_ROWS = 10_000  # one transaction per file (all or nothing): larger files are split by period


@dataclass(frozen=True)
class FileResult:
    payouts: list[ParsedPayout]
    rows: int  # data rows read
    skipped: int  # rows not part of a payout (not completed, after the file's last withdrawal)


def _fold(text: str) -> str:
    """A header as compared: lower case, no accents, single spaces."""
    text = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff")).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text.lower()).strip(" \"'")


def _rows(content: str) -> list[list[str]]:
    if "\x00" in content:
        raise InvalidInput(_("This file is not a CSV text file: export it as CSV from the payment service."),
                           code="payouts_not_csv")
    text = content.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(_("This file could not be read as CSV: %(error)s") % {"error": exc},
                           code="payouts_not_csv") from exc
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise InvalidInput(_("The file has no line after its header."), code="payouts_empty")
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidInput(_("The file has more than %(max)d lines: export a shorter period.") % {"max": MAX_ROWS},
                           code="payouts_too_long")
    return rows


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]], required: tuple[str, ...],
             example: str) -> dict[str, int]:
    folded = [_fold(h) for h in header]
    found: dict[str, int] = {}
    for name, synonyms in wanted.items():
        for synonym in synonyms:
            if synonym in folded:
                found[name] = folded.index(synonym)
                break
    missing = [name for name in required if name not in found]
    if missing:
        raise InvalidInput(_("The file's header line lacks the columns it needs (%(example)s).")
                           % {"example": example}, code="payouts_columns")
    return found


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def parse_amount(raw: str) -> int:
    """"1,234.56", "1 234,56", "-12,5", "12.50 €" → cents; InvalidAmount otherwise."""
    text = raw.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text:
        raise InvalidAmount(raw)
    if "," in text and "." in text:  # the last one is the decimal separator
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if re.search(r",\d{1,2}$", text) else text.replace(",", "")
    return decimal_to_cents(text)


def parse_date(raw: str) -> date:
    """DD/MM/YYYY (French exports), DD.MM.YYYY, DD-MM-YYYY or YYYY-MM-DD; ValueError otherwise."""
    text = raw.strip()[:10]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def _line_error(line: int, what: str, value: str) -> InvalidInput:
    return InvalidInput(_("Line %(line)d: %(what)s not understood (« %(value)s »). Nothing was imported.")
                        % {"line": line, "what": what, "value": value[:40]}, code="payouts_bad_line")


def _amount(line: int, what: str, raw: str) -> int:
    try:
        return parse_amount(raw)
    except InvalidAmount as exc:
        raise _line_error(line, what, raw) from exc


def _date(line: int, raw: str) -> date:
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise _line_error(line, _("the date"), raw) from exc


# --- PayPal's activity download -------------------------------------------------------------------

PAYPAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "time": ("time", "heure"),
    "type": ("type", "description"),
    "status": ("status", "etat", "statut"),
    "currency": ("currency", "devise"),
    "gross": ("gross", "brut", "avant commission", "montant brut"),
    "fee": ("fee", "frais", "commission"),
    "net": ("net", "montant net"),
    "transaction": ("transaction id", "numero de transaction", "id de transaction"),
    "reference": ("reference txn id", "numero de la transaction de reference", "id de transaction de reference"),
    "invoice": ("invoice number", "numero de facture"),
    "custom": ("custom number", "numero personnalise", "numero client"),
    "name": ("name", "nom"),
}
COMPLETED = {"completed", "termine", "terminee", "complete", ""}


def _paypal_kind(type_text: str, gross: int) -> str:
    """What a row is, from its Type (English or French) and its sign."""
    folded = _fold(type_text)
    if any(word in folded for word in ("withdraw", "retrait", "virement standard", "transfer to bank",
                                       "virement vers")):
        return "withdrawal"
    if "refund" in folded or "rembourse" in folded:
        return PayoutItemKind.REFUND
    if "fee" in folded or "frais" in folded:
        return PayoutItemKind.FEE
    if gross > 0 and any(word in folded for word in ("payment", "paiement", "checkout", "achat")):
        return PayoutItemKind.PAYMENT
    return PayoutItemKind.ADJUSTMENT


def paypal_parse(content: str) -> FileResult:
    """The payouts of a PayPal activity file: each withdrawal to the bank account is one payout,
    of the completed rows since the withdrawal before it (the file is read oldest first). Rows
    after the file's last withdrawal are not paid out yet: left for the file that has theirs."""
    rows = _rows(content)
    columns = _columns(rows[0], PAYPAL_COLUMNS, ("date", "type", "gross", "transaction"),
                       "Date, Type, Gross, Fee, Net, Transaction ID…")
    dated = []
    for offset, row in enumerate(rows[1:]):
        line = offset + 2
        day = _date(line, _cell(row, columns, "date"))
        gross = _amount(line, _("the gross amount"), _cell(row, columns, "gross"))
        fee_raw = _cell(row, columns, "fee")
        fee = -_amount(line, _("the fee"), fee_raw) if fee_raw else 0  # PayPal: negative
        net_raw = _cell(row, columns, "net")
        net = _amount(line, _("the net amount"), net_raw) if net_raw else gross - fee
        transaction = _cell(row, columns, "transaction")
        if not transaction:
            raise _line_error(line, _("the transaction ID"), "")
        dated.append((day, _cell(row, columns, "time"), offset, row, line, gross, fee, net, transaction))
    dated.sort(key=lambda d: (d[0], d[1], d[2]))  # PayPal lists newest first
    payouts: list[ParsedPayout] = []
    pending: list[ParsedItem] = []
    skipped = 0
    for day, _time, _offset, row, _line, gross, fee, net, transaction in dated:
        if _fold(_cell(row, columns, "status")) not in COMPLETED:
            skipped += 1
            continue
        kind = _paypal_kind(_cell(row, columns, "type"), gross)
        currency = (_cell(row, columns, "currency") or "EUR").upper()[:3]
        if kind == "withdrawal":
            payouts.append(ParsedPayout(psp_id=transaction, arrival_date=day, amount_cents=-gross, currency=currency,
                                        items=pending))
            pending = []
            continue
        keys = tuple(k for k in (transaction, _cell(row, columns, "invoice"), _cell(row, columns, "custom")) if k)
        pending.append(ParsedItem(
            psp_id=transaction, kind=kind, gross_cents=gross, fee_cents=fee, net_cents=net,
            psp_reference=transaction, keys=keys, booked_on=day, currency=currency,
            description=" — ".join(t for t in (_cell(row, columns, "type"), _cell(row, columns, "name")) if t)[:300],
        ))
    skipped += len(pending)
    return FileResult(payouts=payouts, rows=len(rows) - 1, skipped=skipped)


# --- the bank payment services' one format ------------------------------------------------------

BANK_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "date de remise", "date de l'operation", "date operation", "date de transaction"),
    "reference": ("reference", "ref", "reference commande", "numero de transaction", "transaction",
                  "n° de transaction", "identifiant", "order id", "commande"),
    "amount": ("amount", "montant", "montant brut", "gross", "brut"),
    "fee": ("fee", "fees", "frais", "commission", "commissions"),
    "payout": ("payout", "remise", "numero de remise", "n° de remise", "lot", "versement"),
}


def bank_parse(content: str, *, provider: str) -> FileResult:
    """A payment service's transactions, one per row: date; reference; amount (negative for a
    refund); fee (optional, what the service kept); payout (optional, the remittance number).
    Rows group into payouts by their payout column, or else one payout per date (the services
    credit each day's remittance as one transfer)."""
    rows = _rows(content)
    columns = _columns(rows[0], BANK_COLUMNS, ("date", "reference", "amount"), "date;référence;montant;frais")
    groups: dict[str, ParsedPayout] = {}
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[1:]):
        line = offset + 2
        day = _date(line, _cell(row, columns, "date"))
        amount = _amount(line, _("the amount"), _cell(row, columns, "amount"))
        fee_raw = _cell(row, columns, "fee")
        fee = abs(_amount(line, _("the fee"), fee_raw)) if fee_raw else 0
        reference = _cell(row, columns, "reference")
        if not reference:
            raise _line_error(line, _("the reference"), "")
        batch = _cell(row, columns, "payout")
        key = f"remise:{batch}" if batch else f"jour:{day.isoformat()}"
        payout = groups.setdefault(key, ParsedPayout(psp_id=key[:200], arrival_date=day, amount_cents=0))
        payout.arrival_date = max(payout.arrival_date, day)
        payout.amount_cents += amount - fee
        kind = PayoutItemKind.PAYMENT if amount >= 0 else PayoutItemKind.REFUND
        # a reference may come twice in a payout (a payment and its refund, two equal lines):
        # the line's id is its content and its rank among identical ones
        text = f"{kind}:{reference}:{amount}:{fee}:{day.isoformat()}"
        seen[key + text] = seen.get(key + text, 0) + 1
        psp_id = hashlib.sha256(f"{text}#{seen[key + text]}".encode()).hexdigest()[:40]
        payout.items.append(ParsedItem(psp_id=psp_id, kind=kind, gross_cents=amount, fee_cents=fee,
                                       net_cents=amount - fee, psp_reference=reference[:200], keys=(reference,),
                                       booked_on=day, description=provider))
    return FileResult(payouts=list(groups.values()), rows=len(rows) - 1, skipped=0)
