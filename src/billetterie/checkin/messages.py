"""What the door staff read for each scan result (the API's `message`, the scanner's strings)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ScanResult

RESULT_MESSAGES: dict[str, Promise] = {
    ScanResult.OK: _("Welcome!"),
    ScanResult.ALREADY_REDEEMED: _("Already scanned"),
    ScanResult.UNKNOWN: _("Unknown ticket"),
    ScanResult.REVOKED: _("Ticket cancelled or replaced"),
    ScanResult.WRONG_EVENT: _("Ticket for another event"),
    ScanResult.WRONG_LIST_OR_DATE: _("Not valid at this entrance or on this date"),
    ScanResult.UNPAID: _("Order not paid"),
    ScanResult.TEST_TICKET: _("Test ticket — not valid for entry"),
}


def result_message(result: str) -> str:
    return str(RESULT_MESSAGES.get(result, RESULT_MESSAGES[ScanResult.UNKNOWN]))
