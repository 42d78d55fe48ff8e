"""The email an invited team member gets: from the organiser's no-reply address, answered to its
contact address (as every email the organiser sends: notifications/services.py), in French and
English, with the link to choose a password when the person has none yet."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from billetterie.organizers.models import Organizer, Role
from billetterie.organizers.services import INVITATION_DAYS, invitation_token


def _site(request: HttpRequest) -> str:
    return (getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")).rstrip("/")


def _mailbox(name: str, address: str) -> str:
    clean = " ".join(name.replace("\\", "").replace('"', "'").split())
    return f'"{clean}" <{address}>' if clean else address


def invitation_send(*, request: HttpRequest, organizer: Organizer, user: User, role: str, with_link: bool) -> None:
    """Send the invitation now (raises what the mail server raises: the page says it was not sent)."""
    site = _site(request)
    link = f"{site}{reverse('backoffice:invitation', args=[invitation_token(user=user)])}" if with_link else ""
    inviter = ""
    if isinstance(request.user, User):
        inviter = request.user.get_full_name() or request.user.email
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"organizer": organizer, "role": Role(role).label, "link": link, "days": INVITATION_DAYS,
                   "inviter": inviter, "sign_in": f"{site}{reverse('backoffice:login')}", "email": user.email}
        subject = render_to_string("backoffice/team/invitation_subject.txt", context)
        text = render_to_string("backoffice/team/invitation.txt", context)
        html = render_to_string("backoffice/team/invitation.html", context)
    email = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text,
                                   from_email=_mailbox(organizer.name, organizer.noreply_email),
                                   to=[user.email], reply_to=[organizer.contact_email])
    email.attach_alternative(html, "text/html")
    email.send()
