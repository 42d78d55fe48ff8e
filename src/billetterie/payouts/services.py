"""Importing payouts: from Stripe's API in the background, from a PayPal or bank service file at
once. Every payout is stored with its lines and their matches in one transaction, known by the
service's id of it (unique per organiser and method): importing it again adds nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from billetterie.core import audit, clock
from billetterie.core.errors import InvalidInput, NotFound
from billetterie.core.money import format_money
from billetterie.ledger.chart import BANK, BANK_FEES, money_account
from billetterie.ledger.models import Journal
from billetterie.ledger.services import Entry, key_taken, post
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import Settlement
from billetterie.payments.providers.registry import methods_settling
from billetterie.payments.selectors import provider_config

from . import stripe_api
from .csv_formats import bank_parse, paypal_parse
from .matching import items_match
from .models import Payout, PayoutImport, PayoutImportState, PayoutItem, PayoutSource, PayoutState
from .parsed import ParsedItem, ParsedPayout

log = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
# what the job's `error` starts with, told in French by the pages (payouts_import_error)
UNAVAILABLE, TOO_MANY, STOPPED = "unavailable", "too_many", "stopped"
# a fetch with no progress for that long lost its worker: its page offers to start it again
STALLED_AFTER = timedelta(minutes=5)
# methods whose payouts come from a file of the bank service (PayPal has its own format)
NOT_BANK_FILE = {"stripe", "paypal", "sandbox"}


def bank_file_methods() -> list[str]:
    """The payment services whose settlement file the generic format reads."""
    return [m for m in methods_settling(Settlement.ONLINE) if m not in NOT_BANK_FILE]


# --- storing one payout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    payout: Payout
    created: bool
    items_added: int


def _payout_store(*, organizer_id: int, provider: str, source: str, parsed: ParsedPayout,
                  update: bool, testmode: bool = False) -> Stored:
    """Store a payout and the lines it does not have yet, matched, in the caller's transaction.
    A payout already known is left as it is unless `update` (Stripe's, whose state moves on:
    announced, on its way, paid; and whose lines are read again)."""
    payout = Payout.objects.select_for_update().filter(organizer_id=organizer_id, provider=provider,
                                                       psp_id=parsed.psp_id[:200]).first()
    created = payout is None
    if payout is None:
        payout = Payout.objects.create(
            organizer_id=organizer_id, provider=provider, source=source, psp_id=parsed.psp_id[:200],
            arrival_date=parsed.arrival_date, state=parsed.state, currency=parsed.currency,
            amount_cents=parsed.amount_cents, testmode=testmode,
        )
    elif not update:
        return Stored(payout, False, 0)
    known = set(payout.items.values_list("psp_id", flat=True))
    new = [item for item in parsed.items if item.psp_id[:200] not in known]
    matches = items_match(organizer_id=organizer_id, provider=provider, items=new, payout_id=payout.pk)
    PayoutItem.objects.bulk_create([
        PayoutItem(payout=payout, psp_id=item.psp_id[:200], kind=item.kind, psp_reference=item.psp_reference[:200],
                   keys=[k[:200] for k in item.keys],
                   description=item.description[:300], booked_on=item.booked_on, currency=item.currency,
                   gross_cents=item.gross_cents, fee_cents=item.fee_cents, net_cents=item.net_cents,
                   payment=match.payment, refund=match.refund, problem=match.problem[:300])
        for item, match in zip(new, matches, strict=True)
    ])
    before = audit.snapshot(payout, ["state", "arrival_date", "amount_cents", "gross_cents", "fee_cents", "problem"])
    payout.state, payout.arrival_date, payout.amount_cents = parsed.state, parsed.arrival_date, parsed.amount_cents
    _totals_set(payout)
    payout.save(update_fields=["state", "arrival_date", "amount_cents", "gross_cents", "fee_cents", "problem",
                               "updated_at"])
    if created:
        audit.audit_record(action="payout.imported", subject=payout, organizer_id=organizer_id,
                           changes={"items": [0, len(new)], "amount_cents": [None, payout.amount_cents]})
    elif new or audit.changed(before, audit.snapshot(payout, before)):
        audit.audit_change(action="payout.updated", subject=payout, before=before, organizer_id=organizer_id)
    _payout_post(payout)
    return Stored(payout, created, len(new))


# the ledger's kind of a payout's transactions (ledger.models.TransactionKind has no choice for it yet)
PAYOUT_KIND = "payout"


def _payout_post(payout: Payout) -> None:
    """The books, in the payout's transaction: once paid, the money leaves the service's clearing
    account for the bank, less the fees the service kept (627); a paid payout that then fails or
    is cancelled is posted back. Each posting once per key (importing again posts nothing)."""
    key = f"payout:{payout.pk}"
    bank, fees = Entry(BANK, debit_cents=payout.amount_cents), Entry(BANK_FEES, debit_cents=payout.fee_cents)
    clearing = Entry(money_account(payout.provider), credit_cents=payout.amount_cents + payout.fee_cents)
    label = f"Versement {payout.provider} {payout.psp_id}"
    if payout.state == PayoutState.PAID:
        entries, posting_key = [bank, fees, clearing], key
    elif payout.state in (PayoutState.FAILED, PayoutState.CANCELED) and key_taken(
            organizer_id=payout.organizer_id, key=key):
        entries = [Entry(e.account, debit_cents=e.credit_cents, credit_cents=e.debit_cents)
                   for e in (bank, fees, clearing)]
        posting_key, label = f"{key}:reversed", f"{label} (annulé)"
    else:
        return
    post(organizer_id=payout.organizer_id, key=posting_key, kind=PAYOUT_KIND, journal=Journal.BANK, label=label,
         entries=entries, piece=payout.psp_id[:40], testmode=payout.testmode)


def _totals_set(payout: Payout) -> None:
    """The lines' gross and fees, and whether their net adds up to what was paid out."""
    rows = list(payout.items.values_list("gross_cents", "fee_cents", "net_cents"))
    payout.gross_cents = sum(r[0] for r in rows)
    payout.fee_cents = sum(r[1] for r in rows)
    net = sum(r[2] for r in rows)
    payout.problem = "" if net == payout.amount_cents else (
        _("Its lines add up to %(lines)s, not the %(amount)s paid out.")
        % {"lines": format_money(net, payout.currency), "amount": format_money(payout.amount_cents, payout.currency)}
    )[:300]


# --- files: PayPal and the bank services ---------------------------------------------------------


@dataclass(frozen=True)
class FileImported:
    payouts_new: int
    payouts_known: int
    items_new: int
    items_to_check: int
    rows: int
    rows_skipped: int


def payouts_file_import(*, organizer_id: int, provider: str, content: str) -> FileImported:
    """Import a PayPal activity file (`provider="paypal"`) or a bank service's file in the
    generic format (one of `bank_file_methods()`), all or nothing: a file that cannot be read is
    refused (InvalidInput, its line named) before anything is written, and its payouts are
    stored in one transaction. Payouts already imported are left as they are."""
    if provider == "paypal":
        result, source = paypal_parse(content), PayoutSource.PAYPAL
    elif provider in bank_file_methods():
        result, source = bank_parse(content, provider=provider), PayoutSource.BANK
    else:
        raise InvalidInput(_("Choose the payment service the file comes from."), code="payouts_provider")
    if not result.payouts:
        raise InvalidInput(_("No payout in this file: a PayPal file needs a withdrawal to the bank account "
                             "(« Retrait » / « Withdrawal ») after its payments."), code="payouts_none")
    new = known = items = to_check = 0
    with transaction.atomic():
        for parsed in result.payouts:
            stored = _payout_store(organizer_id=organizer_id, provider=provider, source=source, parsed=parsed,
                                   update=False)
            new, known = new + stored.created, known + (not stored.created)
            items += stored.items_added
            if stored.created:
                to_check += stored.payout.items.exclude(problem="").count()
    return FileImported(new, known, items, to_check, result.rows, result.skipped)


# --- Stripe: a fetch in the background -------------------------------------------------------------


def payout_import_start(*, organizer_id: int, start: date, end: date, user_id: int | None = None,
                        queue: bool = True) -> PayoutImport:
    """Ask Stripe for the payouts arriving in [start, end], in the background (the mail queue: it
    waits on a remote service). Refused at once (InvalidInput) without Stripe set up or with a
    period that is not one. Called outside a transaction: the job is committed before a worker
    looks for it."""
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(_("Choose a period of at most a year, its end after its start."), code="payouts_period")
    configured = PaymentMethodConfig.objects.filter(organizer_id=organizer_id, provider="stripe").exists()
    if not configured or not provider_config(organizer_id=organizer_id, provider_id="stripe").credentials.get(
            "secret_key"):
        raise InvalidInput(_("Stripe is not set up for this organiser: add its secret key in the payment "
                             "methods first."), code="payouts_no_stripe")
    job = PayoutImport.objects.create(organizer_id=organizer_id, created_by_id=user_id, period_start=start,
                                      period_end=end)
    audit.audit_record(action="payouts.fetch_started", subject=job, organizer_id=organizer_id,
                       changes={"period": [None, f"{start.isoformat()}/{end.isoformat()}"]})
    if queue:
        from .tasks import payout_import_task

        payout_import_task(job.pk)
    return job


def payout_import_run(*, import_id: int) -> PayoutImport:
    """Fetch the job's period from Stripe, storing each payout (and its lines) in its own
    transaction with the job's progress. Stripe away, too slow or refusing the key stops the job
    (`error`), leaving the whole payouts read so far; running it again adds only what is missing."""
    job = PayoutImport.objects.select_related("created_by").get(pk=import_id)
    if job.state == PayoutImportState.DONE:
        return job
    if job.created_by is not None:
        audit.bind(audit.staff(job.created_by))
    _job_set(job, state=PayoutImportState.RUNNING, payouts_seen=0, error="")
    config = provider_config(organizer_id=job.organizer_id, provider_id="stripe")
    try:
        for parsed in stripe_api.payouts_fetch(config=config, start=job.period_start, end=job.period_end):
            with transaction.atomic():
                stored = _payout_store(organizer_id=job.organizer_id, provider="stripe", source=PayoutSource.STRIPE,
                                       parsed=parsed, update=True, testmode=config.sandbox)
                job.payouts_seen += 1
                job.payouts_new += stored.created
                job.items_new += stored.items_added
                _job_set(job)
    except stripe_api.StripeUnavailable as exc:
        log.warning("payouts fetch %s: Stripe unavailable: %s", import_id, exc)
        return _job_set(job, state=PayoutImportState.FAILED, error=f"{UNAVAILABLE}: {exc}")
    except stripe_api.TooMany:
        return _job_set(job, state=PayoutImportState.FAILED, error=TOO_MANY)
    except DatabaseError as exc:
        log.exception("payouts fetch %s stopped", import_id)
        PayoutImport.objects.filter(pk=import_id).update(state=PayoutImportState.FAILED, updated_at=clock.now(),
                                                         error=f"{STOPPED}: {exc}"[:300])
        raise
    return _job_set(job, state=PayoutImportState.DONE, finished_at=clock.now())


def _job_set(job: PayoutImport, **values: object) -> PayoutImport:
    for name, value in values.items():
        setattr(job, name, value)
    job.error = job.error[:300]
    job.updated_at = clock.now()
    job.save(update_fields=["state", "payouts_seen", "payouts_new", "items_new", "error", "updated_at",
                            "finished_at"])
    return job


def payout_import_restart(*, organizer_id: int, import_id: int) -> PayoutImport:
    """Staff start a stopped (or stalled) fetch again: it reads the period again, adding only
    what is missing."""
    job = PayoutImport.objects.filter(pk=import_id, organizer_id=organizer_id).first()
    if job is None:
        raise NotFound(_("This fetch does not exist."))
    stalled = job.state in (PayoutImportState.QUEUED, PayoutImportState.RUNNING) and (
        job.updated_at < clock.now() - STALLED_AFTER)
    if job.state != PayoutImportState.FAILED and not stalled:
        return job
    _job_set(job, state=PayoutImportState.QUEUED, error="")
    from .tasks import payout_import_task

    payout_import_task(job.pk)
    job.refresh_from_db()
    return job


def payouts_rematch(*, organizer_id: int) -> int:
    """Match again the organiser's lines that are not matched or disagree (a payment confirmed
    or a refund made after the payout was imported); the number of lines now matched cleanly."""
    fixed = 0
    with transaction.atomic():
        items = list(PayoutItem.objects.select_for_update().filter(payout__organizer_id=organizer_id)
                     .exclude(problem="").select_related("payout"))
        for item in items:
            parsed = ParsedItem(psp_id=item.psp_id, kind=item.kind, gross_cents=item.gross_cents,
                                fee_cents=item.fee_cents, net_cents=item.net_cents, keys=tuple(item.keys),
                                currency=item.currency)
            match = items_match(organizer_id=organizer_id, provider=item.payout.provider, items=[parsed],
                                payout_id=item.payout_id)[0]
            if match.problem == item.problem and match.payment == item.payment and match.refund == item.refund:
                continue
            before = audit.snapshot(item, ["payment_id", "refund_id", "problem"])
            item.payment, item.refund, item.problem = match.payment, match.refund, match.problem[:300]
            item.save(update_fields=["payment", "refund", "problem"])
            audit.audit_change(action="payout.item_matched", subject=item, before=before, organizer_id=organizer_id)
            fixed += not match.problem
    return fixed
