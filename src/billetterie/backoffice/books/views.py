"""The books' overview: one entry per part of the books (issue 13), each with what it is for."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view

# (url name, title, what it is for)
PARTS = [
    ("backoffice:ledger:index", _("Ledger"),
     _("Every money movement as a balanced entry: balances per account, the FEC and the journal for your accountant.")),
    ("backoffice:invoices:index", _("Invoices and credit notes"),
     _("The invoices of paid orders, numbered without gap, as PDF and Factur-X; the credit notes of refunds.")),
    ("backoffice:journal:index", _("Sales journal"),
     _("The signed, chained record of every sale, refund, invoice and cancellation, with its daily and monthly "
       "closures.")),
    ("backoffice:receipts:index", _("Donation tax receipts"),
     _("The Cerfa 11580 receipts of donations, and the yearly declaration's figures.")),
    ("backoffice:ticketing:index", _("Ticketing record"),
     _("Tickets numbered per event and the daily summary per price category (CGI art. 290 quater).")),
    ("backoffice:payouts:index", _("Payouts"),
     _("What the payment services paid out, matched to the payments and refunds it holds; the bank statement import.")),
]


@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    return render(request, "backoffice/books/index.html", {"parts": PARTS})
