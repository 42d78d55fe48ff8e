"""The invoice or credit note as Cross Industry Invoice XML (UN/CEFACT CII D16B), profile
EN 16931 of Factur-X: what `invoicing.pdf` embeds in the PDF/A-3, built from the issued
document's snapshot only (never from the order as it is now).

Amounts are the document's own: the lines' amounts excluding VAT add up to each rate's basis and
to the total (invoicing.vat), the VAT of a rate is its basis times its rate. A credit note is type
381 with positive amounts and names the invoice it credits."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from lxml import etree

from .models import CreditNote, Invoice, VatRegime

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
PROFILE_EN16931 = "urn:cen.eu:en16931:2017"
FACTURX_LEVEL = "en16931"
INVOICE_TYPE, CREDIT_NOTE_TYPE = "380", "381"
# franchise en base de TVA (art. 293 B du CGI): exempt, with the French exemption code
FRANCHISE_CODE = "VATEX-FR-FRANCHISE"
_POSTCODE_CITY = re.compile(r"(?P<postcode>\d{5})\s+(?P<city>[^,\n]+)\s*$")


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
    if text is not None:
        node.text = text
    return node


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _rate(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:.2f}"


def _date(parent: Any, tag: str, day: Any, *, qualified: bool = False) -> None:
    holder = _el(parent, tag)
    _el(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def split_address(address: str) -> dict[str, str]:
    """A free-text French address as street, postcode and city (the last "NNNNN City" found)."""
    text = " ".join(address.replace("\r", "").split("\n")).strip().strip(",")
    match = _POSTCODE_CITY.search(text)
    if match is None:
        return {"line": text[:200], "postcode": "", "city": ""}
    return {"line": text[: match.start()].strip(" ,")[:200], "postcode": match["postcode"],
            "city": match["city"].strip()[:100]}


def _category(document: Invoice | CreditNote, rate_bp: int) -> tuple[str, str, str]:
    """(category code, exemption reason, exemption code) of a rate."""
    if document.seller.get("vat_regime") != VatRegime.SUBJECT:
        return "E", "TVA non applicable, art. 293 B du CGI", FRANCHISE_CODE
    if rate_bp == 0:
        return "E", "Exonération de TVA", ""
    return "S", "", ""


def document_xml(document: Invoice | CreditNote) -> bytes:
    """The document's CII XML (UTF-8), Factur-X EN 16931."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE_EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", CREDIT_NOTE_TYPE if isinstance(document, CreditNote) else INVOICE_TYPE)
    _date(header, "ram:IssueDateTime", timezone.localdate(document.issued_at))
    for subject, text in _notes(document):
        note = _el(header, "ram:IncludedNote")
        _el(note, "ram:Content", text)
        _el(note, "ram:SubjectCode", subject)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(document.lines, start=1):
        _line(transaction, document, index, line)
    _agreement(transaction, document)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    _settlement(transaction, document)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _notes(document: Invoice | CreditNote) -> list[tuple[str, str]]:
    mentions = document.mentions
    notes = []
    if mentions.get("vat"):
        notes.append(("REG", mentions["vat"]))
    if mentions.get("late_payment"):
        notes.append(("PMT", mentions["late_payment"]))
    return notes


def _line(transaction: Any, document: Invoice | CreditNote, index: int, line: dict[str, Any]) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line["label"][:300])
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    # the unit price excluding VAT, to 4 decimals: the line's amount is the one that adds up
    unit_net = Decimal(line["net_cents"]) / 100 / max(line["quantity"], 1)
    _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", f"{unit_net:.4f}")
    _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", str(line["quantity"]), unitCode="C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", _category(document, line["vat_rate_bp"])[0])
    _el(tax, "ram:RateApplicablePercent", _rate(line["vat_rate_bp"]))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line["net_cents"]))


def _party_address(party: Any, address: str) -> None:
    _postal(party, split_address(address))


def _postal(party: Any, parts: dict[str, str]) -> None:
    """BT-50 to BT-55 (BT-35 to BT-40 for the seller): the country's code is required, FR by default."""
    postal = _el(party, "ram:PostalTradeAddress")
    if parts.get("postcode"):
        _el(postal, "ram:PostcodeCode", parts["postcode"])
    if parts.get("line"):
        _el(postal, "ram:LineOne", parts["line"])
    if parts.get("city"):
        _el(postal, "ram:CityName", parts["city"])
    _el(postal, "ram:CountryID", parts.get("country_code") or "FR")


def _buyer(agreement: Any, buyer_data: dict[str, Any]) -> None:
    """The buyer (BG-7): the organisation of its billing details with its SIREN (BT-47, scheme
    0002), the person who ordered as its contact (BT-56), its address (BT-50 to BT-55) and VAT
    number (BT-48); a consumer by name, with only the country of the address, as a consumer's
    invoice needs no address."""
    buyer = _el(agreement, "ram:BuyerTradeParty")
    _el(buyer, "ram:Name", buyer_data.get("name") or buyer_data.get("email") or "-")
    if buyer_data.get("siren"):
        _el(_el(buyer, "ram:SpecifiedLegalOrganization"), "ram:ID", buyer_data["siren"], schemeID="0002")
    if buyer_data.get("contact"):
        _el(_el(buyer, "ram:DefinedTradeContact"), "ram:PersonName", buyer_data["contact"])
    if buyer_data.get("business"):
        _postal(buyer, {"line": buyer_data.get("address", ""), "postcode": buyer_data.get("postcode", ""),
                        "city": buyer_data.get("city", ""), "country_code": buyer_data.get("country_code", "")})
    else:
        _party_address(buyer, buyer_data.get("address", ""))
    if buyer_data.get("email"):
        _el(_el(buyer, "ram:URIUniversalCommunication"), "ram:URIID", buyer_data["email"], schemeID="EM")
    if buyer_data.get("vat_number"):
        _el(_el(buyer, "ram:SpecifiedTaxRegistration"), "ram:ID", buyer_data["vat_number"], schemeID="VA")


def _agreement(transaction: Any, document: Invoice | CreditNote) -> None:
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    seller_data, buyer_data = document.seller, document.buyer
    if buyer_data.get("reference"):  # BT-10, the buyer's own reference (a purchase order, a service)
        _el(agreement, "ram:BuyerReference", buyer_data["reference"])
    seller = _el(agreement, "ram:SellerTradeParty")
    _el(seller, "ram:Name", seller_data.get("name") or "-")
    if seller_data.get("siren"):
        _el(_el(seller, "ram:SpecifiedLegalOrganization"), "ram:ID", seller_data["siren"], schemeID="0002")
    _party_address(seller, seller_data.get("address", ""))
    if seller_data.get("email"):
        _el(_el(seller, "ram:URIUniversalCommunication"), "ram:URIID", seller_data["email"], schemeID="EM")
    if seller_data.get("vat_number"):
        _el(_el(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", seller_data["vat_number"], schemeID="VA")
    elif seller_data.get("siret"):  # not subject to VAT: its fiscal registration is its SIRET
        _el(_el(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", seller_data["siret"], schemeID="FC")
    _buyer(agreement, buyer_data)
    if buyer_data.get("order"):
        _el(_el(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", buyer_data["order"])


def _settlement(transaction: Any, document: Invoice | CreditNote) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", document.currency)
    for row in document.vat_breakdown:
        code, reason, reason_code = _category(document, row["vat_rate_bp"])
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(row["vat_cents"]))
        _el(tax, "ram:TypeCode", "VAT")
        if reason:
            _el(tax, "ram:ExemptionReason", reason)
        _el(tax, "ram:BasisAmount", _amount(row["net_cents"]))
        _el(tax, "ram:CategoryCode", code)
        if reason_code:
            _el(tax, "ram:ExemptionReasonCode", reason_code)
        _el(tax, "ram:RateApplicablePercent", _rate(row["vat_rate_bp"]))
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", document.mentions.get("payment_terms") or "-")
    if isinstance(document, Invoice) and document.due_on is not None:
        _date(terms, "ram:DueDateDateTime", document.due_on)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(document.net_cents))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(document.net_cents))
    _el(summation, "ram:TaxTotalAmount", _amount(document.vat_cents), currencyID=document.currency)
    _el(summation, "ram:GrandTotalAmount", _amount(document.gross_cents))
    due = _due_payable(document)
    if due < document.gross_cents:
        _el(summation, "ram:TotalPrepaidAmount", _amount(document.gross_cents - due))
    _el(summation, "ram:DuePayableAmount", _amount(due))
    if isinstance(document, CreditNote):
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", document.invoice.number)
        _date(referenced, "ram:FormattedIssueDateTime", timezone.localdate(document.invoice.issued_at),
              qualified=True)


def _due_payable(document: Invoice | CreditNote) -> int:
    """What the document leaves to pay, as issued (never as it is now: the XML does not change):
    nothing for an invoice of an order paid when invoiced, all of it for one to pay on invoice,
    and for a credit note what it gives back."""
    if isinstance(document, Invoice) and document.mentions.get("paid_on_issue"):
        return 0
    return document.gross_cents
