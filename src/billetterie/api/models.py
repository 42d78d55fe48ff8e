from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.organizers.models import Organizer


class ApiPermission(models.TextChoices):
    READ = "read", _("Read the catalogue")
    ORDERS = "orders", _("Read and write orders (personal data)")
    CHECKIN = "checkin", _("Check in tickets")


class ApiToken(models.Model):
    """A secret that lets a program use the API on behalf of one organiser.

    Only the SHA-256 of the token is stored: the token itself is shown once, when created, and
    looked up by its hash, so no comparison ever leaks how much of a guess was right."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("start of the token"), max_length=12, editable=False, help_text=_("To recognise a token.")
    )
    can_read = models.BooleanField(_("read the catalogue"), default=True)
    can_orders = models.BooleanField(_("read orders"), default=False)
    can_checkin = models.BooleanField(_("check in tickets"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    # the team member who made it in the back office (a scanner link): it works only while they
    # are in the team with a role that may scan (api.selectors.api_token_by_secret), and goes with
    # their account; empty for tokens made by the platform's operators or the command line
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["organizer", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def permissions(self) -> list[str]:
        flags = {
            ApiPermission.READ: self.can_read,
            ApiPermission.ORDERS: self.can_orders,
            ApiPermission.CHECKIN: self.can_checkin,
        }
        return [str(p) for p, allowed in flags.items() if allowed]

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions
