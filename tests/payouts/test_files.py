"""PayPal's activity file and the bank services' one format: read whole, refused with the line
that cannot be read (nothing written), imported once, matched, disagreements listed."""

from __future__ import annotations

from datetime import date

import pytest

from billetterie.core.errors import InvalidInput
from billetterie.payouts import selectors
from billetterie.payouts.csv_formats import parse_amount
from billetterie.payouts.models import Payout, PayoutItem, PayoutItemKind
from billetterie.payouts.services import payouts_file_import
from tests.factories import Shop, shop_create
from tests.payouts.helpers import paid, refunded

pytestmark = pytest.mark.django_db

PAYPAL_HEADER = ('"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
                 '"From Email Address","Transaction ID","Reference Txn ID","Invoice Number","Custom Number"')


def _paypal_row(day: str, time: str, kind: str, gross: str, fee: str, net: str, txn: str, *, invoice: str = "",
                status: str = "Completed", ref: str = "", name: str = "Camille Durand") -> str:
    return (f'"{day}","{time}","Europe/Paris","{name}","{kind}","{status}","EUR","{gross}","{fee}","{net}",'
            f'"acheteur@example.org","{txn}","{ref}","{invoice}","{invoice}"')


def _paypal_file(shop: Shop) -> tuple[str, dict[str, object]]:
    first = paid(shop, provider="paypal", psp_reference="5O190127TN364715T")
    second = paid(shop, provider="paypal", psp_reference="8MC585209K746392H", tickets=2)
    refund = refunded(second, 1000, call_service=False)
    rows = [  # newest first, as PayPal lists them
        _paypal_row("12/02/2026", "09:00:00", "Express Checkout Payment", "15,00", "-0,65", "14,35", "LATER1",
                    invoice="not-paid-out-yet"),
        _paypal_row("10/02/2026", "18:00:00", "General Withdrawal", "-3 979,42", "0,00", "-3 979,42", "WD-1",
                    name=""),
        _paypal_row("09/02/2026", "11:00:00", "Payment Refund", "-10,00", "0,35", "-9,65", "RF-1",
                    invoice=refund.reference, ref="CAP-2"),
        _paypal_row("08/02/2026", "10:00:00", "Express Checkout Payment", "30,00", "-1,17", "28,83", "CAP-2",
                    invoice=second.reference),
        _paypal_row("08/02/2026", "09:30:00", "Express Checkout Payment", "15,00", "-0,65", "14,35", "CAP-1",
                    invoice=first.reference),
        _paypal_row("08/02/2026", "09:00:00", "Express Checkout Payment", "5,00", "-0,20", "4,80", "PEND",
                    status="Pending"),
        _paypal_row("07/02/2026", "09:00:00", "Website Payment", "3 950,00", "-4,11", "3 945,89", "OTHER"),
    ]
    return "\n".join([PAYPAL_HEADER, *rows]) + "\n", {"first": first, "second": second, "refund": refund}


def test_a_paypal_withdrawal_is_a_payout_of_the_transactions_before_it(shop: Shop) -> None:
    content, ours = _paypal_file(shop)
    result = payouts_file_import(organizer_id=shop.organizer.pk, provider="paypal", content=content)
    assert (result.payouts_new, result.items_new, result.rows_skipped) == (1, 4, 2)  # pending, after withdrawal
    payout = Payout.objects.get()
    assert (payout.psp_id, payout.arrival_date, payout.amount_cents) == ("WD-1", date(2026, 2, 10), 397942)
    assert (payout.gross_cents, payout.fee_cents, payout.problem) == (398500, 558, "")
    items = {item.psp_id: item for item in payout.items.all()}
    assert items["CAP-1"].payment == ours["first"] and items["CAP-2"].payment == ours["second"]
    assert items["RF-1"].kind == PayoutItemKind.REFUND and items["RF-1"].refund == ours["refund"]
    assert items["RF-1"].fee_cents == -35  # the fee PayPal gave back with the refund
    assert "Aucun paiement" in items["OTHER"].problem
    again = payouts_file_import(organizer_id=shop.organizer.pk, provider="paypal", content=content)
    assert (again.payouts_new, again.payouts_known, again.items_new) == (0, 1, 0)
    assert PayoutItem.objects.count() == 4


def test_a_file_with_a_line_that_cannot_be_read_imports_nothing(shop: Shop) -> None:
    content, _ours = _paypal_file(shop)
    broken = content.replace('"30,00"', '"trente"')
    with pytest.raises(InvalidInput, match="Ligne 5") as caught:
        payouts_file_import(organizer_id=shop.organizer.pk, provider="paypal", content=broken)
    assert "Rien n'a été importé" in caught.value.message
    assert not Payout.objects.exists() and not PayoutItem.objects.exists()
    for bad, words in (("", "aucune ligne"), ("Nom;Prix\nA;1\n", "colonnes"), ("\x00PK", "CSV"),
                       (PAYPAL_HEADER + "\n" + _paypal_row("01/02/2026", "1", "Payment", "1,00", "0", "1", "X"),
                        "Aucun versement")):
        with pytest.raises(InvalidInput, match=words):
            payouts_file_import(organizer_id=shop.organizer.pk, provider="paypal", content=bad)


def test_a_bank_service_file_groups_by_remittance_or_date(shop: Shop) -> None:
    first = paid(shop, provider="systempay", psp_reference="100001")
    second = paid(shop, provider="systempay", psp_reference="100002", tickets=2)
    refund = refunded(second, 500, call_service=False)
    content = "\ufeffDate;Référence;Montant;Frais\n" \
              "03/02/2026;100001;15,00;0,25\n" \
              f"03/02/2026;{second.reference};30,00;0,40\n" \
              f"04/02/2026;{refund.reference};-5,00;0\n" \
              "04/02/2026;999999;12,00;0,20\n"
    result = payouts_file_import(organizer_id=shop.organizer.pk, provider="systempay", content=content)
    assert (result.payouts_new, result.items_new, result.items_to_check) == (2, 4, 1)
    feb3 = Payout.objects.get(arrival_date=date(2026, 2, 3))
    assert (feb3.psp_id, feb3.gross_cents, feb3.fee_cents, feb3.amount_cents) == ("jour:2026-02-03", 4500, 65, 4435)
    assert {i.payment for i in feb3.items.all()} == {first, second}  # by their reference at Lyra, or ours
    feb4 = Payout.objects.get(arrival_date=date(2026, 2, 4))
    assert feb4.items.get(kind=PayoutItemKind.REFUND).refund == refund
    assert payouts_file_import(organizer_id=shop.organizer.pk, provider="systempay", content=content).payouts_new == 0


def test_a_remittance_column_makes_one_payout_and_amounts_are_checked(shop: Shop) -> None:
    payment = paid(shop, provider="paybox", psp_reference="PBX-1")
    content = "date,reference,amount,fee,remise\n2026-02-05,PBX-1,14.00,0.30,R-77\n2026-02-06,PBX-9,1.00,,R-77\n"
    payouts_file_import(organizer_id=shop.organizer.pk, provider="paybox", content=content)
    payout = Payout.objects.get()
    assert (payout.psp_id, payout.arrival_date, payout.amount_cents) == ("remise:R-77", date(2026, 2, 6), 1470)
    problems = [item.problem for item in selectors.items_to_check(organizer_id=shop.organizer.pk)]
    assert len(problems) == 2 and any("14,00" in p and "15,00" in p for p in problems)
    assert payout.items.get(psp_reference="PBX-1").payment == payment  # matched, but disagreeing


def test_a_file_never_matches_another_organisers_payment(shop: Shop) -> None:
    other = shop_create(slug="autre")
    theirs = paid(other, provider="systempay", psp_reference="100001")
    payouts_file_import(organizer_id=shop.organizer.pk, provider="systempay",
                        content="date;reference;amount\n03/02/2026;100001;15,00\n")
    assert PayoutItem.objects.get().payment is None
    assert list(selectors.payments_not_paid_out(organizer_id=other.organizer.pk)) == [theirs]


def test_the_service_must_be_one_whose_file_this_is(shop: Shop) -> None:
    for provider in ("stripe", "cash", "nope"):
        with pytest.raises(InvalidInput):
            payouts_file_import(organizer_id=shop.organizer.pk, provider=provider,
                                content="date;reference;amount\n03/02/2026;1;1\n")


@pytest.mark.parametrize(("text", "cents"), [("1,234.56", 123456), ("1 234,56", 123456), ("-12,5", -1250),
                                             ("12.50 €", 1250), ("3\u202f950,00", 395000), ("1,234", 123400)])
def test_amounts_as_the_services_write_them(text: str, cents: int) -> None:
    assert parse_amount(text) == cents
