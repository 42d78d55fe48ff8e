from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# the first segment of the site's own addresses: an organiser's shop cannot live there
RESERVED_SLUGS = frozenset({
    "admin", "api", "i18n", "static", "media", "sandbox-psp", "payments", "checkin", "scan", "gestion", "fake-psp",
    # the back office's own pages under /gestion/, where an organiser's slug comes next
    "connexion", "deconnexion", "compte", "invitation",
})


def validate_slug_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(_("This short name is reserved, choose another."))


def siret_normalize(value: str) -> str:
    """A SIRET as people write it ("123 456 789 00012") → its 14 digits ("12345678900012")."""
    return "".join(str(value or "").replace("\u00a0", " ").replace("\u202f", " ").split())


def siret_is_valid(value: str) -> bool:
    """14 digits passing the Luhn check (the SIRET's own key); La Poste's establishments (SIREN
    356 000 000) use their own rule instead: the sum of the digits is a multiple of 5."""
    digits = siret_normalize(value)
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit():
        return False
    if digits.startswith("356000000"):
        return sum(int(d) for d in digits) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise ValidationError(
            _("Enter a SIRET of 14 digits, as on the INSEE's notice (for example 732 829 320 00074)."),
            code="invalid_siret",
        )


class Organizer(models.Model):
    """A tenant: an association, an event organiser or a tourism provider."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name in addresses"), max_length=60, unique=True, validators=[validate_slug_not_reserved]
    )
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret],
                             help_text=_("14 digits; spaces are allowed."))
    contact_email = models.EmailField(_("contact email"), help_text=_("Buyers' replies go here."))
    noreply_email = models.EmailField(
        _("no-reply sender"), help_text=_("Emails are sent from this address, with replies to the contact email.")
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", editable=False)
    hold_minutes = models.PositiveIntegerField(
        _("hold duration (minutes)"),
        default=60,
        help_text=_("How long items in a cart, and unpaid orders, keep their places."),
    )
    description = models.TextField(_("presentation"), blank=True)
    terms = models.TextField(_("terms of sale"), blank=True)
    # the logo's version (a hash of its PNG, in OrganizerLogo), empty when there is none: the shop's
    # pages name it in the logo's address without reading the image
    logo_hash = models.CharField(max_length=16, blank=True, editable=False)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="TeamMember",
        related_name="organizers",
        verbose_name=_("staff"),
    )

    class Meta:
        verbose_name = _("organiser")
        verbose_name_plural = _("organisers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizerLogo(models.Model):
    """The organiser's logo, re-encoded as PNG by `organizers.services.logo_png` (never the bytes
    uploaded), kept in the database (private: served by `organizers.views.logo` only) and apart
    from the organiser's row, which every shop page reads."""

    organizer = models.OneToOneField(Organizer, on_delete=models.CASCADE, primary_key=True, related_name="logo")
    png = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")

    def __str__(self) -> str:
        return f"logo {self.organizer_id}"


class Role(models.TextChoices):
    """What a team member may do for one organiser (`organizers.permissions`)."""

    # a context of their own: a role is named for the person (« Contrôle »), a menu entry for the place
    ADMIN = "admin", pgettext_lazy("team role", "Administrator")
    TREASURY = "treasury", pgettext_lazy("team role", "Treasury")
    TICKETING = "ticketing", pgettext_lazy("team role", "Ticketing")
    BOX_OFFICE = "box_office", pgettext_lazy("team role", "Box office")
    CHECKIN = "checkin", pgettext_lazy("team role", "Check-in")
    READ_ONLY = "read_only", pgettext_lazy("team role", "Read only")


class TeamMember(models.Model):
    """A person of an organiser's team and their role there; one person may be in several teams.
    (The table is the one of the former `staff` many-to-many, which it extends with the role.)"""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teams")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ADMIN)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        db_table = "organizers_organizer_staff"
        unique_together = [("organizer", "user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"
