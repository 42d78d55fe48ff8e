from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from billetterie.core.ids import new_secret
from billetterie.core.money import validate_max_cents
from billetterie.organizers.models import Organizer


class Publication(models.TextChoices):
    DRAFT = "draft", _("Draft (hidden)")
    PREVIEW = "preview", _("Preview (secret link and staff only)")
    PUBLISHED = "published", _("Published")


class Section(models.TextChoices):
    TICKETS = "tickets", _("Ticketing")
    MEMBERSHIPS = "memberships", _("Memberships")


class Event(models.Model):
    """An event (with dates) or a membership campaign (no dates): a page of the shop."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="events")
    section = models.CharField(_("section"), max_length=20, choices=Section.choices, default=Section.TICKETS)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    theme = models.CharField(_("theme"), max_length=100, blank=True, help_text=_("Events are listed by theme."))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    position = models.IntegerField(_("display order"), default=0)
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.DRAFT
    )
    preview_token = models.CharField(max_length=40, default=new_secret, editable=False)
    # issue 12: each attendee who gave an email receives their own ticket, unless turned off
    attendee_tickets = models.BooleanField(
        _("send each attendee their own ticket"), default=True,
        help_text=_("Attendees who gave an email address receive their ticket; the buyer receives them all."),
    )
    # self-service: buyers may cancel (refunded to their card) until this many days before the
    # date they bought; None: they may not
    self_cancel_days = models.PositiveIntegerField(
        _("buyers may cancel until (days before the date)"), null=True, blank=True,
        help_text=_("Empty: buyers cannot cancel themselves. 0: until the date starts."),
    )
    self_rename = models.BooleanField(
        _("buyers may change an attendee's name"), default=False,
    )

    class Meta:
        verbose_name = _("event or membership page")
        verbose_name_plural = _("events and membership pages")
        ordering = ["theme", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["organizer", "slug"], name="event_slug_unique")]

    def __str__(self) -> str:
        return self.title


class EventDate(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dates")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(0)])
    # cancelled by staff (a whole session called off, its holders refunded): nothing more is sold
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        ordering = ["start"]

    def __str__(self) -> str:
        from django.utils.formats import date_format
        from django.utils.timezone import localtime

        return date_format(localtime(self.start), "DATETIME_FORMAT")


class Quota(models.Model):
    """A scarce number of places. `used` counts held and sold places; it only moves by
    conditional writes in catalog.services, never by hand."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    used = models.IntegerField(_("held or sold"), default=0, editable=False)
    date = models.OneToOneField(
        EventDate, on_delete=models.CASCADE, null=True, blank=True, editable=False, related_name="capacity_quota"
    )

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [models.CheckConstraint(condition=models.Q(used__gte=0), name="quota_used_not_negative")]

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    MEMBERSHIP = "membership", _("Membership")
    ADDON = "addon", _("Add-on (meal…)")
    DONATION = "donation", _("Donation")


class Product(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.IntegerField(_("display order"), default=0)
    active = models.BooleanField(_("on sale"), default=True)
    max_per_order = models.PositiveIntegerField(
        _("maximum per order"), null=True, blank=True, help_text=_("Empty: 1 for a membership, 10 otherwise.")
    )
    sales_start = models.DateTimeField(_("sales open"), null=True, blank=True)
    sales_end = models.DateTimeField(_("sales close"), null=True, blank=True)
    quotas = models.ManyToManyField(Quota, blank=True, related_name="products", verbose_name=_("quotas"))
    addon_standalone = models.BooleanField(
        _("can be bought without a ticket"), default=False, help_text=_("For add-ons such as meals.")
    )
    donation_min_cents = models.PositiveBigIntegerField(
        _("minimum donation (cents)"), default=100, validators=[validate_max_cents]
    )
    donation_max_cents = models.PositiveBigIntegerField(
        _("maximum donation (cents)"), default=100000, validators=[validate_max_cents]
    )
    donation_suggested = models.CharField(
        _("suggested amounts (cents, comma separated)"), max_length=200, blank=True, default="500,1000,2000"
    )
    # VAT included in the price, in hundredths of a percent (550 = 5,5 %): 0 for an organiser not
    # subject to VAT (art. 293 B du CGI) or a sale outside its scope (a donation, a membership fee)
    vat_rate_bp = models.PositiveIntegerField(
        _("VAT rate (hundredths of a percent)"), default=0, validators=[MaxValueValidator(10000)],
        help_text=_("Included in the price. 0 when VAT does not apply."),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def order_limit(self) -> int:
        if self.max_per_order is not None:
            return self.max_per_order
        return 1 if self.kind == ProductKind.MEMBERSHIP else 10

    @property
    def needs_person(self) -> bool:
        """Tickets and memberships are personal: one set of details per unit."""
        return self.kind in (ProductKind.TICKET, ProductKind.MEMBERSHIP)

    @property
    def suggested_amounts(self) -> list[int]:
        return [int(x) for x in self.donation_suggested.replace(" ", "").split(",") if x.isascii() and x.isdigit()]


class Price(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    name = models.CharField(_("name"), max_length=100)
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"), validators=[validate_max_cents])
    eligibility = models.CharField(_("who may use it"), max_length=300, blank=True)
    position = models.IntegerField(_("display order"), default=0)
    active = models.BooleanField(_("on sale"), default=True)
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.PUBLISHED
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product} — {self.name}"


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    CHOICE = "choice", _("Choice")
    YESNO = "yesno", _("Yes / no")


class Question(models.Model):
    """An extra detail asked of each member or attendee of a product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    options = models.TextField(_("choices (one per line)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.IntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]
