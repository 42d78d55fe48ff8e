"""Messages buyers send to an organiser from the shop's contact form (seed 000)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer

NAME_MAX = 200
SUBJECT_MAX = 150
BODY_MAX = 5000


class ContactMessage(models.Model):
    """One message of the contact form, to the organiser's contact address (the email itself goes
    through the outbox, with a copy to the sender). `order` is set only when the sender wrote
    from their order's page, proved by the order's secret link."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="contact_messages",
                                  verbose_name=_("organiser"))
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="contact_messages", verbose_name=_("order"))
    name = models.CharField(_("name"), max_length=NAME_MAX)
    email = models.EmailField(_("email"))
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    body = models.TextField(_("message"))
    locale = models.CharField(_("language"), max_length=10, default="fr")  # the copy's language
    # the sender showed the address is theirs (their order's link, or signed in with it proved):
    # only then does their copy repeat what they wrote (anyone can type anyone's address)
    sender_proved = models.BooleanField(_("address proved"), default=False)
    # who sent it, without keeping their address: an HMAC of the client address (same client, same value)
    client_hash = models.CharField(_("client"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("received at"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organizer", "-created_at"], name="contact_organizer_new_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>: {self.subject}"

    @property
    def handled(self) -> bool:
        return self.handled_at is not None
