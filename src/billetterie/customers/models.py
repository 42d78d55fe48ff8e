"""Customer accounts (issue 12, item 5): optional — guest checkout stays the default.

An account belongs to one organiser (a buyer of two associations has two accounts, as in pretix:
each organiser keeps its own customers). The email is stored lower-cased and is the sign-in name;
`password` uses Django's hashers and stays empty for someone who signs in by emailed link only."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.organizers.models import Organizer


class Customer(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="customers",
                                  verbose_name=_("organiser"))
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    password = models.CharField(max_length=128, blank=True, editable=False)
    locale = models.CharField(_("language"), max_length=10, default="fr")
    created_at = models.DateTimeField(_("created at"))
    # set when the customer first signed in with a link sent to this address: only then do guest
    # orders with the same email join the account
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["organizer", "email"], name="customer_email_unique")]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw: str | None) -> None:
        self.password = make_password(raw) if raw else ""

    def check_password(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)


class LinkPurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign in")
    EMAIL_CHANGE = "email_change", _("Change of email address")


class SignInLink(models.Model):
    """A link emailed to sign in (or to confirm a new address): it works once, until `expires_at`.

    The token in the link is an HMAC of `salt` under the site's secret key, so the outbox can
    render the email when it sends it while the database holds only the token's SHA-256:
    someone who reads the database cannot sign in with it. `customer` is None for an address
    with no account yet: the account is created when the link is used (decision 0023)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="sign_in_links",
                                  verbose_name=_("organiser"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="sign_in_links", verbose_name=_("customer account"))
    # the address the link was sent to (lower-cased): the account's, or the new one for a change
    email = models.EmailField(_("email"))
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices, default=LinkPurpose.SIGN_IN)
    salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # where the buyer goes after signing in (a page of this organiser's shop), or the account page
    next_path = models.CharField(max_length=500, blank=True, editable=False)
    locale = models.CharField(max_length=10, default="fr")
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["organizer", "email"], name="signinlink_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"
