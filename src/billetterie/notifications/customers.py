"""The email with a customer's sign-in link (issue 12, item 5), through the outbox.

customers sits below notifications: it calls the mailer registered here (`register`, from the
shop's AppConfig) in the transaction that writes the link, which writes the outbox row; the
email is rendered when the outbox sends it, with the link's token recomputed from its salt
(`customers.services.link_token`): the database holds only the token's hash."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import time_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from billetterie.customers.models import LinkPurpose, SignInLink
from billetterie.customers.services import LINK_VALIDITY, link_token, sign_in_mailer_register

from .models import OutboxKind, OutboxMessage
from .services import DEFAULT_SITE_URL, email_compose, email_queue


def _site_url() -> str:
    from django.conf import settings

    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def sign_in_link_queue(link: SignInLink) -> None:
    """In the caller's transaction: the link's email, sent after commit. The key names the link."""
    email_queue(kind=OutboxKind.CUSTOMER_SIGN_IN, to=link.email, dedup_key=f"{OutboxKind.CUSTOMER_SIGN_IN}:{link.pk}")


def sign_in_link_url(link: SignInLink) -> str:
    path = reverse("shop:account_link", kwargs={"organizer_slug": link.organizer.slug, "token": link_token(link)})
    return f"{_site_url()}{path}"


def _context(link: SignInLink) -> dict[str, Any]:
    return {
        "link": link, "organizer": link.organizer, "url": sign_in_link_url(link),
        "minutes": int(LINK_VALIDITY.total_seconds() // 60),
        "until": time_format(localtime(link.expires_at), "TIME_FORMAT"),
        "email_change": link.purpose == LinkPurpose.EMAIL_CHANGE,
    }


def sign_in_link_email(message: OutboxMessage) -> EmailMultiAlternatives:
    link_id = int(message.dedup_key.rsplit(":", 1)[1])
    link = SignInLink.objects.select_related("organizer").get(pk=link_id)
    with translation.override(link.locale or "fr"):
        context = _context(link)
        if context["email_change"]:
            subject = _("Confirm your new email address — %(organizer)s") % {"organizer": link.organizer.name}
        else:
            subject = _("Your sign-in link — %(organizer)s") % {"organizer": link.organizer.name}
        context["subject"] = subject
        text = render_to_string("notifications/customer_sign_in.txt", context)
        html = render_to_string("notifications/customer_sign_in.html", context)
    return email_compose(organizer=link.organizer, to=message.to, subject=subject, text=text, html=html)


def register() -> None:
    sign_in_mailer_register(sign_in_link_queue)
    from .services import outbox_builder_register

    outbox_builder_register(kind=OutboxKind.CUSTOMER_SIGN_IN, builder=sign_in_link_email)
