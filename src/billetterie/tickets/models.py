from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import Event


class EventKey(models.Model):
    """The Ed25519 key pair that signs an event's tickets.

    The public key is handed to scanners, which verify tickets offline. The private key never
    leaves the server: it is stored encrypted with a key derived from SECRET_KEY (see services)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="signing_key")
    public_key = models.BinaryField(_("public key"), max_length=32, editable=False)
    private_key_encrypted = models.BinaryField(max_length=200, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket signing key")
        verbose_name_plural = _("ticket signing keys")

    def __str__(self) -> str:
        return f"{self.event} ({bytes(self.public_key).hex()[:16]}…)"
