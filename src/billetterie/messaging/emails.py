"""The contact form's two emails, rendered when the outbox sends them (registered in apps.py):
the message to the organiser's contact address, answered to the sender, and its copy to the
sender, answered to the organiser."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from billetterie.notifications.models import OutboxMessage
from billetterie.notifications.services import DEFAULT_SITE_URL, email_compose

from .models import ContactMessage


def _site_url() -> str:
    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def _message_of(outbox: OutboxMessage) -> ContactMessage:
    """The contact message an outbox row is for: its id ends the row's dedup key."""
    message_id = int(outbox.dedup_key.rsplit(":", 1)[1])
    return ContactMessage.objects.select_related("organizer", "order").get(pk=message_id)


def _context(message: ContactMessage) -> dict[str, Any]:
    organizer = message.organizer
    site = _site_url()
    order = message.order
    return {
        "message": message, "organizer": organizer, "order": order,
        "inbox_url": f"{site}{reverse('backoffice:inbox:detail', args=[organizer.slug, message.pk])}",
        "order_url": f"{site}{reverse('backoffice:orders:detail', args=[organizer.slug, order.code])}"
        if order is not None else "",
    }


def contact_message_email(outbox: OutboxMessage) -> EmailMultiAlternatives:
    """To the organiser's contact address, in the site's language; a reply goes to the sender."""
    message = _message_of(outbox)
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(message)
        if message.order is not None:
            subject = _("Contact form, order %(code)s: %(subject)s — %(name)s") % {
                "code": message.order.code, "subject": message.subject, "name": message.name}
        else:
            subject = _("Contact form: %(subject)s — %(name)s") % {"subject": message.subject, "name": message.name}
        text = render_to_string("messaging/contact_message.txt", context)
        html = render_to_string("messaging/contact_message.html", context)
    return email_compose(organizer=message.organizer, to=outbox.to, subject=subject, text=text, html=html,
                         reply_to=message.email, reply_to_name=message.name)


def contact_copy_email(outbox: OutboxMessage) -> EmailMultiAlternatives:
    """The sender's copy, in the language they wrote in; a reply goes to the organiser."""
    message = _message_of(outbox)
    with translation.override(message.locale):
        context = _context(message)
        # to an address nobody proved, nothing the sender typed (messaging.services.contact_message_send)
        subject = (_("Your message to %(organizer)s: %(subject)s") % {
            "organizer": message.organizer.name, "subject": message.subject} if message.sender_proved
            else _("Your message to %(organizer)s") % {"organizer": message.organizer.name})
        text = render_to_string("messaging/contact_copy.txt", context)
        html = render_to_string("messaging/contact_copy.html", context)
    return email_compose(organizer=message.organizer, to=outbox.to, subject=subject, text=text, html=html)
