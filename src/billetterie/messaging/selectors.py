"""Reading an organiser's contact messages (the back office's inbox)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from billetterie.organizers.models import Organizer

from .models import ContactMessage

STATES = ("open", "handled")  # to handle, handled; "" is both


def contact_messages_find(*, organizer: Organizer, q: str = "", state: str = "") -> QuerySet[ContactMessage]:
    """The organiser's messages matching `q` (name, email, subject, text or order code) in
    `state`: those to handle first, then the newest first."""
    messages = ContactMessage.objects.filter(organizer=organizer).select_related("order", "handled_by")
    if state == "open":
        messages = messages.filter(handled_at__isnull=True)
    elif state == "handled":
        messages = messages.filter(handled_at__isnull=False)
    q = q.strip()
    if q:
        messages = messages.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(subject__icontains=q)
                                   | Q(body__icontains=q) | Q(order__code=q.upper()[:12]))
    return messages.annotate(
        done=Case(When(handled_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("done", "-created_at", "-id")


def contact_message_get(*, organizer: Organizer, message_id: int) -> ContactMessage | None:
    return (ContactMessage.objects.filter(organizer=organizer, pk=message_id)
            .select_related("order", "handled_by").first())


def contact_messages_open_count(*, organizer: Organizer) -> int:
    return ContactMessage.objects.filter(organizer=organizer, handled_at__isnull=True).count()
