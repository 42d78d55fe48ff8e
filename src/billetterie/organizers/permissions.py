"""What each role of an organiser's team may do. The back office checks these on the server for
every page and every action (`backoffice.access.organizer_view`); a template only hides what the
server would refuse anyway."""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Perm(StrEnum):
    VIEW = "view"  # dashboard, orders, catalogue, members: read
    CATALOG = "catalog"  # events, dates, products, prices, quotas, questions
    ORDERS = "orders"  # resend emails, change an attendee, cancel an unpaid order
    MONEY = "money"  # record payments, refunds, session-wide refunds
    EXPORTS = "exports"  # sales, payments, members and check-in files
    BOX_OFFICE = "box_office"  # sell at the door or by phone
    CHECKIN = "checkin"  # check-in lists, the live dashboard, scanner links
    SCAN = "scan"  # open the scanner at the door (and nothing else, for the Check-in role)
    SETTINGS = "settings"  # organiser details, payment methods, the opening checklist
    TEAM = "team"  # invite, change roles, remove
    BOOKS = "books"  # the ledger, invoices, the sales journal, tax receipts, payouts: read and export


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.TREASURY: frozenset({Perm.VIEW, Perm.MONEY, Perm.EXPORTS, Perm.ORDERS, Perm.BOOKS}),
    Role.TICKETING: frozenset({Perm.VIEW, Perm.CATALOG, Perm.ORDERS, Perm.CHECKIN, Perm.SCAN, Perm.BOX_OFFICE}),
    Role.BOX_OFFICE: frozenset({Perm.BOX_OFFICE}),
    Role.CHECKIN: frozenset({Perm.SCAN}),
    Role.READ_ONLY: frozenset({Perm.VIEW}),
}


def role_perms(role: str) -> frozenset[Perm]:
    return ROLE_PERMS.get(role, frozenset())
