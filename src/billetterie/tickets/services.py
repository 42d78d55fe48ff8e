"""Ticket signing keys: one Ed25519 key pair per event, the private half encrypted at rest."""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billetterie.catalog.models import Event
from billetterie.core import clock, events
from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, InvalidInput
from billetterie.orders.models import OrderLine, OrderState
from billetterie.orders.services import order_line_attendee_set
from billetterie.organizers.models import Organizer

from .events import TicketReissued
from .models import EventKey, RevokedTicket, TicketLayout

_HKDF_SALT = b"billetterie.tickets"
_HKDF_INFO = b"event signing key encryption v1"


def _fernet_for(secret: str) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    derived = hkdf.derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    """Encrypts with SECRET_KEY; also decrypts keys stored under SECRET_KEY_FALLBACKS (rotation)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(s) for s in secrets])


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def event_key_get_or_create(*, event: Event) -> EventKey:
    """The event's signing key, made on first use. Safe when two requests race to make it."""
    existing = EventKey.objects.filter(event=event).first()
    if existing is not None:
        return existing
    private_key = Ed25519PrivateKey.generate()
    defaults = {
        "public_key": _raw_public(private_key),
        "private_key_encrypted": _fernet().encrypt(_raw_private(private_key)),
    }
    try:
        with transaction.atomic():
            key, _created = EventKey.objects.get_or_create(event=event, defaults=defaults)
    except IntegrityError:
        key = EventKey.objects.get(event=event)
    return key


def event_key_private(*, key: EventKey) -> Ed25519PrivateKey:
    """Decrypt the private key, for signing only; never store nor log the result."""
    raw = _fernet().decrypt(bytes(key.private_key_encrypted))
    private_key = Ed25519PrivateKey.from_private_bytes(raw)
    if _raw_public(private_key) != bytes(key.public_key):
        raise ValueError(f"the stored key pair of event {key.event_id} does not match")
    return private_key


def ticket_reissue_check(*, line: OrderLine) -> None:
    """Refuse (Conflict) a ticket that cannot be reissued: not issued yet, or its order no longer paid."""
    if not line.ticket_nonce:
        raise Conflict(_("This ticket has not been issued yet (is its order paid?)."), code="ticket_not_issued")
    if line.order.state != OrderState.PAID:
        raise Conflict(_("The order of this ticket is no longer paid: there is no ticket to reissue."),
                       code="order_not_paid")


def ticket_reissue(
    *,
    line: OrderLine,
    reason: str = "reissued",
    expected_nonce: bytes | None = None,
    notify_buyer: bool = False,
    by: User | None = None,
) -> OrderLine:
    """Give a paid ticket a new nonce: its old PDF, QR and wallet pass no longer admit.

    The old nonce is kept in RevokedTicket, which online check-in and the offline scanners'
    revocation list read. The ticket nonce is the tickets domain's secret (decision 0006).
    `expected_nonce` is the nonce the caller showed (a form's hidden field): if the ticket was
    reissued since (a double submit, a colleague), nothing changes. `notify_buyer` queues the
    email with the new ticket, sent once the transaction commits. `by` is the staff member
    recorded with the old nonce, for the order's history."""
    with transaction.atomic():
        locked = OrderLine.objects.select_for_update().select_related("order").get(pk=line.pk)
        ticket_reissue_check(line=locked)
        old_nonce = bytes(locked.ticket_nonce or b"")
        if expected_nonce is not None and old_nonce != expected_nonce:
            raise Conflict(
                _("This ticket has already been reissued in the meantime: nothing was changed. "
                  "Check the order before trying again."),
                code="ticket_already_reissued",
            )
        RevokedTicket.objects.create(
            line=locked, nonce=old_nonce, revoked_at=clock.now(), reason=reason[:40], revoked_by=by
        )
        locked.ticket_nonce = secrets.token_bytes(8)
        locked.save(update_fields=["ticket_nonce"])
        audit_record(action="ticket.reissued", subject=locked, organizer_id=locked.order.organizer_id,
                     order_id=locked.order_id, changes={"reason": [None, reason[:40]]})
        events.publish(TicketReissued(line_id=locked.pk, notify_buyer=notify_buyer))
    line.ticket_nonce = locked.ticket_nonce
    return line


# the reason kept with the old nonce of a ticket reissued because its person changed
REISSUED_ATTENDEE_CHANGED = "attendee changed"


def ticket_attendee_change(*, line_id: int, name: str, email: str, expected_name: str | None = None,
                           expected_email: str | None = None, notify_buyer: bool = True,
                           by: User | None = None) -> OrderLine:
    """Staff change the person a line is for (orders.order_line_attendee_set, with its checks and
    audit entry) and, when the line's ticket is issued, reissue it in the same transaction: the
    old PDF, QR and wallet pass, which carry the old name, stop admitting, and the new ticket is
    emailed to the buyer (`notify_buyer`). A line whose ticket is not issued yet (an unpaid order)
    only changes: its ticket will carry the new name."""
    with transaction.atomic():
        line = order_line_attendee_set(line_id=line_id, name=name, email=email, expected_name=expected_name,
                                       expected_email=expected_email)
        if line.ticket_nonce and line.order.state == OrderState.PAID:
            ticket_reissue(line=line, reason=REISSUED_ATTENDEE_CHANGED, notify_buyer=notify_buyer, by=by)
    return line


# the reason kept with the nonce of a ticket revoked because a refund covered it
REVOKED_REFUNDED = "refunded"


def ticket_revoke(*, line_id: int, reason: str = REVOKED_REFUNDED) -> bool:
    """Take a ticket back for good (a refund covered its line): its nonce goes to RevokedTicket,
    which online check-in and the offline scanners' revocation list read, and the line keeps no
    nonce, so its PDF, QR and wallet pass no longer admit nor download, and it cannot be reissued.
    Idempotent: a line without a ticket is left alone (returns False)."""
    with transaction.atomic():
        line = OrderLine.objects.select_for_update().select_related("order").filter(pk=line_id).first()
        if line is None or not line.ticket_nonce:
            return False
        RevokedTicket.objects.create(line=line, nonce=bytes(line.ticket_nonce), revoked_at=clock.now(),
                                     reason=reason[:40])
        line.ticket_nonce = None
        line.save(update_fields=["ticket_nonce"])
        audit_record(action="ticket.revoked", subject=line, organizer_id=line.order.organizer_id,
                     order_id=line.order_id, changes={"reason": [None, reason[:40]]})
    return True


def ticket_layout_save(*, organizer: Organizer, html: str, event: Event | None = None) -> TicketLayout:
    """Store an organiser's ticket layout after checking it (documented placeholders only)."""
    from .layout import layout_errors

    errors = layout_errors(html)
    if errors:
        raise InvalidInput(" ".join(errors), code="layout_invalid", details=errors)
    if event is not None and event.organizer_id != organizer.pk:
        raise InvalidInput(_("Choose an event of this organiser."), code="event_invalid")
    layout, _created = TicketLayout.objects.update_or_create(
        organizer=organizer, event=event, defaults={"html": html}
    )
    return layout
