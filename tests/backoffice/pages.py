"""The data behind the back-office page walk (test_pages_french.py): one object of each kind the
pages show, and the URL parameters that name them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from billetterie.api.services import scanner_token_create
from billetterie.catalog.models import EventDate, Question
from billetterie.catalog.services import date_capacity_sync
from billetterie.core import clock
from billetterie.invoicing.models import CreditNote, Invoice, InvoicingSettings
from billetterie.ledger.models import Account
from billetterie.memberships.models import MembershipType
from billetterie.memberships.services import MemberDetails, membership_grant
from billetterie.messaging.models import ContactMessage
from billetterie.organizers.models import Role, TeamMember
from billetterie.payments.batch import refund_batch_start
from billetterie.payments.models import Channel, PaymentMethodConfig, Refund
from billetterie.payments.services import refund_create
from billetterie.reporting.services import export_start
from billetterie.taxreceipts.models import TaxReceipt
from tests.factories import Shop, door, order_paid, team_member_create
from tests.taxreceipts.helpers import receipt_issued, receipts_turned_on


def page_data(shop: Shop, admin: User) -> dict[str, Any]:
    """Every parameter a back-office URL takes, filled with an object of `shop`'s organiser."""
    # invoicing on (issue 13): the order below gets its invoice, its partial refund a credit note
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    question = Question.objects.create(product=shop.ticket, label="Régime alimentaire", required=False)
    # sold at the box office, so that its receipt there can be shown too
    order = order_paid(shop, method="cash", name="Camille Durand", answers={str(question.pk): "Végétarien"},
                       channel=Channel.BOX_OFFICE)
    refund = refund_create(payment=order.payments.get(), amount_cents=500, reason="Geste commercial")
    assert isinstance(refund, Refund)
    # a second date, cancelled with a refund to its one holder: the batch pages
    later = EventDate.objects.create(event=shop.event, start=shop.date.start + timedelta(days=7),
                                     end=shop.date.end + timedelta(days=7) if shop.date.end else None, capacity=50)
    date_capacity_sync(date=later)
    checkin_list, _scope = door(shop)
    token, _secret = scanner_token_create(organizer=shop.organizer, name="Porte A")
    colleague = team_member_create(shop.organizer, role=Role.TREASURY, email="collegue@assoc.example")
    batch = refund_batch_start(organizer_id=shop.organizer.pk, date_id=later.pk, kind="cancel_date", key="walk",
                               reason="Intempéries", user_id=admin.pk)
    job = export_start(organizer_id=shop.organizer.pk, user_id=admin.pk, kind="sales", fmt="xlsx", params={})
    method = PaymentMethodConfig.objects.get_or_create(organizer=shop.organizer, provider="sandbox")[0]
    message = ContactMessage.objects.create(
        organizer=shop.organizer, order=order, name="Camille Durand", email="acheteur@example.org",
        subject="Accès en fauteuil", body="Bonjour, la salle est-elle accessible ?", created_at=clock.now(),
    )
    # the member register (issue 12): a member and their membership (the card's page)
    membership_type = MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", product=shop.membership)
    membership = membership_grant(
        membership_type=membership_type,
        details=MemberDetails(first_name="Maëlle", last_name="Adhérente"), on=timezone.localdate(clock.now()))
    receipts_turned_on(shop.organizer)  # a donation's tax receipt (issue 13): its PDF, the year's table
    receipt = TaxReceipt.objects.get(donations__order=receipt_issued(shop))
    payouts = _payouts_data(shop, admin)
    return {
        **payouts,
        "adherent_id": membership.member_id, "membership_id": membership.pk,
        "organizer_slug": shop.organizer.slug, "event_id": shop.event.pk, "date_id": shop.date.pk,
        "quota_id": shop.meal_quota.pk, "product_id": shop.ticket.pk, "price_id": shop.adult.pk,
        "question_id": question.pk, "code": order.code, "line_id": order.lines.filter(kind="ticket").first().pk,
        "batch_id": batch.pk, "refund_id": refund.pk, "job_id": job.pk, "kind": "sales",
        "list_id": checkin_list.pk, "token_id": token.pk, "config_id": method.pk,
        "member_id": TeamMember.objects.get(user=colleague).pk, "message_id": message.pk,
        "payment_id": order.payments.get().pk,
        "account_id": Account.objects.filter(organizer=shop.organizer, code="530").get().pk,  # the books (ledger)
        "membership_event_id": shop.memberships.pk, "membership_product_id": shop.membership.pk,
        "receipt_id": receipt.pk, "year": receipt.year,
        "invoice_id": Invoice.objects.get(order=order).pk, "credit_note_id": CreditNote.objects.get(order=order).pk,
        # what the data itself says, which may contain English-looking words
        "_names": " ".join([shop.organizer.name, shop.event.title, order.name, "Maëlle Adhérente"]),
    }


def _payouts_data(shop: Shop, admin: User) -> dict[str, int]:
    """A payout imported from a bank service's file, a Stripe fetch, a bank statement import."""
    from datetime import date

    from billetterie.payments.models import StatementImport
    from billetterie.payouts.models import PayoutImport
    from billetterie.payouts.services import payouts_file_import

    payouts_file_import(organizer_id=shop.organizer.pk, provider="systempay",
                        content="date;reference;amount;fee\n03/02/2026;100001;15,00;0,25\n")
    fetch = PayoutImport.objects.create(organizer=shop.organizer, created_by=admin, period_start=date(2026, 2, 1),
                                        period_end=date(2026, 2, 28))
    statement = StatementImport.objects.create(organizer=shop.organizer, created_by=admin, filename="releve.csv")
    return {"payout_id": shop.organizer.payouts.get().pk, "payout_import_id": fetch.pk,
            "statement_import_id": statement.pk}


# pages that cannot be visited as a plain GET by a signed-in administrator: sign-in's second step
# (only half-way through a sign-in), an invitation and a new password's page (each needs its
# emailed token: tests/backoffice/test_password_reset.py reads the latter in French)
_SKIPPED = {"backoffice:login_code", "backoffice:invitation", "backoffice:password_reset_confirm"}


def skipped() -> set[str]:
    return _SKIPPED


def fill_route(route: str, data: dict[str, Any]) -> str | None:
    """The route with each <converter:name> replaced by data[name]; None when one is unknown."""
    missing = []

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in data:
            missing.append(name)
            return ""
        return str(data[name])

    url = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return None if missing else url
