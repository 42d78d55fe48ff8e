"""The contact form's rules: what a message may hold, who may send how many, and its two emails
(to the organiser's contact address, answered to the sender; a copy to the sender), queued in the
outbox in the transaction that stores the message."""

from __future__ import annotations

import math
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import InvalidInput, NotFound
from billetterie.core.ratelimit import Limit, RateLimited, bump
from billetterie.core.validation import email_is_valid
from billetterie.notifications.models import OutboxKind
from billetterie.notifications.services import email_queue
from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer

from .models import BODY_MAX, NAME_MAX, SUBJECT_MAX, ContactMessage

# how many messages one address, and one client (an IPv4 address or an IPv6 /64), may send
PER_ADDRESS = Limit("contact-address", per_window=5, window_seconds=3600)
PER_CLIENT = Limit("contact-client", per_window=10, window_seconds=3600)
# a form sent sooner than this after it was shown was not typed by a person
MIN_FILL_SECONDS = 3
# a form shown longer ago than this is shown again (its stamp is not kept for ever)
FORM_MAX_AGE = timedelta(hours=24)

_STAMP_SALT = "billetterie.messaging.contact-form"
_CLIENT_SALT = "billetterie.messaging.client"


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


# --- the form's stamp: when it was shown --------------------------------------------------------


def contact_form_stamp(*, organizer: Organizer) -> str:
    """The signed time the form is shown at, for its hidden field."""
    return signing.dumps({"o": organizer.pk, "t": int(clock.now().timestamp())}, salt=_STAMP_SALT)


def contact_form_stamp_check(*, organizer: Organizer, stamp: str) -> None:
    """Refuse a form sent back too fast to have been typed by a person, or with a stamp that is
    not ours, is another organiser's, or is too old (InvalidInput, 400: the form is shown again
    with what was typed)."""
    try:
        data = signing.loads(stamp, salt=_STAMP_SALT)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("o") != organizer.pk or not isinstance(data.get("t"), int):
        raise InvalidInput(_("The form could not be read: check your message and send it again."),
                           code="form_invalid")
    age = clock.now().timestamp() - data["t"]
    if age < MIN_FILL_SECONDS:
        raise InvalidInput(_("The form was sent too quickly to have been filled in by a person: check "
                             "your message and send it again."), code="too_fast")
    if age > FORM_MAX_AGE.total_seconds():
        raise InvalidInput(_("This form was opened too long ago: check your message and send it again."),
                           code="form_expired")


# --- sending ------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _minutes_left(limit: Limit) -> int:
    return max(1, math.ceil(limit.seconds_left() / 60))


def _limits_check(email: str, client: str) -> None:
    """Count this message for the client and for the address; past either limit, RateLimited (429)."""
    if client and bump(PER_CLIENT, client) > PER_CLIENT.per_window:
        raise RateLimited(_("Too many messages were sent from your connection in the last hour: wait "
                            "%(minutes)d minutes and try again.") % {"minutes": _minutes_left(PER_CLIENT)},
                          retry_after=PER_CLIENT.seconds_left())
    # the address is counted hashed: the cache holds no address
    address = salted_hmac(_CLIENT_SALT, email.lower()).hexdigest()[:32]
    if bump(PER_ADDRESS, address) > PER_ADDRESS.per_window:
        raise RateLimited(_("You have sent several messages from this email address in the last hour: "
                            "wait %(minutes)d minutes and try again.") % {"minutes": _minutes_left(PER_ADDRESS)},
                          retry_after=PER_ADDRESS.seconds_left())


def contact_message_send(*, organizer: Organizer, name: str, email: str, subject: str, body: str,
                         order: Order | None = None, client: str = "", locale: str = "fr",
                         proved_email: str = "") -> ContactMessage:
    """Store the message and queue its emails: to the organiser's contact address (answered to the
    sender, with the order's reference when there is one) and its copy to the sender.

    `order` is the order whose secret link the sender came from (the caller checked the link),
    never one named by a code typed in the form; `proved_email` the proved address of the
    account the sender is signed in with. The copy repeats the message only to an address one of
    them proves: else it only says a message was passed on, so that the form cannot be used to
    send someone else a text of one's choosing. Bad input: InvalidInput naming the field;
    more than PER_CLIENT messages from `client` or PER_ADDRESS from `email` in the hour:
    RateLimited (429). Nothing is stored or sent when refused."""
    name, email, subject, body = _one_line(name), email.strip(), _one_line(subject), body.strip()
    if not name:
        raise _invalid("name", _("Enter your name."), "name_missing")
    if len(name) > NAME_MAX:
        raise _invalid("name", _("Enter at most %(n)d characters.") % {"n": NAME_MAX}, "name_too_long")
    if not email_is_valid(email):
        raise _invalid("email", _("Enter a valid email address."), "invalid_email")
    if not subject:
        raise _invalid("subject", _("Enter a subject."), "subject_missing")
    if len(subject) > SUBJECT_MAX:
        raise _invalid("subject", _("Enter at most %(n)d characters.") % {"n": SUBJECT_MAX}, "subject_too_long")
    if not body:
        raise _invalid("body", _("Write your message."), "body_missing")
    if len(body) > BODY_MAX:
        raise _invalid("body", _("Enter at most %(n)d characters.") % {"n": BODY_MAX}, "body_too_long")
    if order is not None and order.organizer_id != organizer.pk:
        raise InvalidInput(_("This order is not one of this organiser's."), code="order_elsewhere")
    _limits_check(email, client)
    proofs = {address.lower() for address in (order.email if order is not None else "", proved_email) if address}
    with transaction.atomic():
        message = ContactMessage.objects.create(
            organizer=organizer, order=order, name=name, email=email, subject=subject, body=body,
            locale=(locale or "fr")[:10], created_at=clock.now(),
            sender_proved=email.lower() in proofs,
            client_hash=salted_hmac(_CLIENT_SALT, client).hexdigest()[:16] if client else "",
        )
        email_queue(kind=OutboxKind.CONTACT_MESSAGE, order=order, to=organizer.contact_email,
                    dedup_key=f"{OutboxKind.CONTACT_MESSAGE}:{message.pk}")
        email_queue(kind=OutboxKind.CONTACT_COPY, order=order, to=email,
                    dedup_key=f"{OutboxKind.CONTACT_COPY}:{message.pk}")
    return message


# --- the inbox ----------------------------------------------------------------------------------


def contact_message_mark_handled(*, organizer: Organizer, message_id: int, user_id: int | None,
                                 handled: bool = True) -> ContactMessage:
    """Mark one of the organiser's messages handled by the person `user_id` (or, `handled=False`, to handle
    again). Written to the audit trail; marking it as it already is changes nothing."""
    with transaction.atomic():
        message = ContactMessage.objects.select_for_update().filter(organizer=organizer, pk=message_id).first()
        if message is None:
            raise NotFound(_("This message does not exist."))
        if message.handled == handled:
            return message
        message.handled_at = clock.now() if handled else None
        message.handled_by_id = user_id if handled else None
        message.save(update_fields=["handled_at", "handled_by"])
        audit_record(action="contact_message.handled" if handled else "contact_message.reopened",
                     subject=message, organizer_id=organizer.pk, order_id=message.order_id,
                     changes={"handled": [not handled, handled]})
    return message
