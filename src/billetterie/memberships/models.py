"""Memberships as records (issue 12): types with a validity rule, members, their memberships.

A membership type is sold by one product of a membership page (`catalog.Product`, kind
membership). Paying for it creates (or extends, for an early renewal) a `Membership` of one
`Member`. The layer sits below cart and orders, which check member prices and grant memberships
through its services; the order line that bought a membership is referred to by name
("orders.OrderLine") and never imported."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import Price, Product
from billetterie.customers.models import Customer
from billetterie.organizers.models import Organizer


class ValidityRule(models.TextChoices):
    SEASON = "season", _("A season with fixed dates")
    MONTHS = "months", _("A number of months from the purchase")
    CALENDAR_YEAR = "year", _("The calendar year")
    LIFETIME = "life", _("For life")


class MembershipType(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="membership_types",
                                  verbose_name=_("organiser"))
    name = models.CharField(_("name"), max_length=200)
    # the product of a membership page that sells it (None: granted by hand only)
    product = models.OneToOneField(Product, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="membership_type", verbose_name=_("product"))
    rule = models.CharField(_("validity"), max_length=10, choices=ValidityRule.choices,
                            default=ValidityRule.SEASON)
    # SEASON: the day it starts each year (1 September: month 9, day 1); it ends the day before,
    # a year later
    season_start_month = models.PositiveSmallIntegerField(_("season starts (month)"), default=9)
    season_start_day = models.PositiveSmallIntegerField(_("season starts (day)"), default=1)
    months = models.PositiveSmallIntegerField(_("number of months"), default=12)
    # days before the end on which a renewal reminder is sent, "30,7,0" (0: the day it ends)
    reminder_days = models.CharField(_("renewal reminders (days before the end)"), max_length=100,
                                     blank=True, default="30,7,0")
    active = models.BooleanField(_("on offer"), default=True)

    class Meta:
        verbose_name = _("membership type")
        verbose_name_plural = _("membership types")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person on the organiser's member register, with their own contact details (seed 000)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("organiser"))
    number = models.CharField(_("member number"), max_length=20)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="FR")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="members", verbose_name=_("customer account"))
    created_at = models.DateTimeField(_("member since"))
    # the member asked for no more renewal reminders
    reminders_stopped_at = models.DateTimeField(_("reminders stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["last_name", "first_name", "id"]
        constraints = [models.UniqueConstraint(fields=["organizer", "number"], name="member_number_unique")]
        indexes = [models.Index(fields=["organizer", "last_name"], name="member_organizer_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class MembershipState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("membership state", "Active")
    EXPIRED = "expired", pgettext_lazy("membership state", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("membership state", "Cancelled")
    UPCOMING = "upcoming", pgettext_lazy("membership state", "Not started yet")


class Membership(models.Model):
    """One period of one member's membership of one type. Its state follows from the dates and
    `cancelled_at` (memberships.selectors.membership_state); `end` is inclusive, None for life."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships",
                               verbose_name=_("member"))
    type = models.ForeignKey(MembershipType, on_delete=models.PROTECT, related_name="memberships",
                             verbose_name=_("membership type"))
    start = models.DateField(_("valid from"))
    end = models.DateField(_("valid until"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # the order line that bought it (None: added by hand in the back office)
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="membership", verbose_name=_("order line"))
    # the membership this one renews (it starts the day after that one ends)
    renews = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="renewed_by", verbose_name=_("renews"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["type", "end"], name="membership_type_end_idx")]

    def __str__(self) -> str:
        return f"{self.member} — {self.type}"


class RenewalReminder(models.Model):
    """A reminder sent: one per membership and offset, even if the job runs twice."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.IntegerField(_("days before the end"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [models.UniqueConstraint(fields=["membership", "days_before"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.days_before}"


class PriceRequirement(models.Model):
    """A member price: usable only with an active membership of one of `types` on the date
    attended (the day of the order for a product without dates)."""

    price = models.OneToOneField(Price, on_delete=models.CASCADE, related_name="membership_requirement",
                                 verbose_name=_("price"))
    types = models.ManyToManyField(MembershipType, related_name="price_requirements",
                                   verbose_name=_("membership types"))

    class Meta:
        verbose_name = _("member price")
        verbose_name_plural = _("member prices")

    def __str__(self) -> str:
        return str(self.price)
