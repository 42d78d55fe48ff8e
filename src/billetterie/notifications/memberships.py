"""Membership renewal reminders (issue 12): the daily job that queues them, and their email.

Which memberships are due at which offset is the memberships domain's rule
(`memberships_due_reminder`); here each due one is queued in one transaction with the row that
says it went out (`renewal_reminder_record`), so a second run of the job, or two at once, send it
once. The email, rendered when the outbox sends it, says which membership ends when, with a
signed link to renew it (the shop's membership page, the member's details filled in) and one to
stop the reminders."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from huey import crontab

from billetterie.core import clock
from billetterie.core.queues import mail_periodic_task
from billetterie.memberships.links import renewal_token, stop_token
from billetterie.memberships.models import Membership
from billetterie.memberships.selectors import memberships_due_reminder
from billetterie.memberships.services import renewal_reminder_record

from .models import OutboxKind, OutboxMessage
from .services import DEFAULT_SITE_URL, email_compose, email_queue


def reminder_dedup_key(membership_id: int, days_before: int) -> str:
    return f"{OutboxKind.MEMBERSHIP_REMINDER}:{membership_id}:{days_before}"


def membership_reminders_send(*, on: date | None = None) -> int:
    """Queue the renewal reminders due on `on` (today by default); returns how many were queued."""
    on = on or timezone.localdate(clock.now())
    queued = 0
    for due in memberships_due_reminder(on=on):
        membership = due.membership
        with transaction.atomic():
            if not renewal_reminder_record(membership_id=membership.pk, days_before=due.days_before):
                continue  # another run sent it meanwhile
            order = _order_of(membership)
            email_queue(kind=OutboxKind.MEMBERSHIP_REMINDER, to=membership.member.email, order=order,
                        dedup_key=reminder_dedup_key(membership.pk, due.days_before))
            queued += 1
    return queued


@mail_periodic_task(crontab(minute="20"))
def membership_reminders_task() -> int:
    """Every hour (the day's reminders go out early in the day; a run missed is caught up)."""
    return membership_reminders_send()


def _order_of(membership: Membership) -> Any:
    """The order that bought it (its language), if any."""
    line = membership.order_line
    return line.order if line is not None else None


def _site_url() -> str:
    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def reminder_links(membership: Membership) -> dict[str, str]:
    slug = membership.member.organizer.slug
    site = _site_url()
    return {
        "renew_url": site + reverse("shop:membership_renew", args=[slug, renewal_token(membership=membership)]),
        "stop_url": site + reverse("shop:membership_reminders_stop",
                                   args=[slug, stop_token(member=membership.member)]),
    }


def membership_reminder_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The reminder for the membership and offset its dedup key names, in the language of the
    order that bought it (else the site's)."""
    _kind, membership_id, days = message.dedup_key.rsplit(":", 2)
    membership = (Membership.objects.select_related("member__organizer", "type", "order_line__order")
                  .get(pk=int(membership_id)))
    member, organizer = membership.member, membership.member.organizer
    order = _order_of(membership)
    locale = order.locale if order is not None else settings.LANGUAGE_CODE
    with translation.override(locale):
        assert membership.end is not None
        ends = date_format(membership.end, "DATE_FORMAT")
        today = timezone.localdate(clock.now())
        context = {
            "organizer": organizer, "member": member, "membership": membership, "type_name": membership.type.name,
            "end": ends, "ends_today": membership.end <= today, "days_left": max((membership.end - today).days, 0),
            "days_before": int(days), **reminder_links(membership),
        }
        if context["ends_today"]:
            subject = _("Your membership “%(type)s” ends today — %(organizer)s")
        else:
            subject = _("Your membership “%(type)s” ends on %(date)s — %(organizer)s")
        subject = subject % {"type": membership.type.name, "date": ends, "organizer": organizer.name}
        text = render_to_string("notifications/membership_reminder.txt", context)
        html = render_to_string("notifications/membership_reminder.html", context)
    return email_compose(organizer=organizer, to=message.to, subject=subject, text=text, html=html)


def register() -> None:
    from .services import outbox_builder_register

    outbox_builder_register(kind=OutboxKind.MEMBERSHIP_REMINDER, builder=membership_reminder_email)
