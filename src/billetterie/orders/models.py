from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import EventDate, Price, Product, ProductKind
from billetterie.core.ids import new_secret
from billetterie.organizers.models import Organizer


class OrderState(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Payment confirmed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    AWAITING_INVOICE = "awaiting_invoice", _("Awaiting invoice payment")
    PAID_UNFULFILLED = "paid_unfulfilled", _("Paid, cannot be fulfilled")
    # everything it received was given back (or is being): its tickets no longer admit
    REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")


class Order(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="orders")
    code = models.CharField(_("code"), max_length=12)
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=OrderState.choices, default=OrderState.PENDING)
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    locale = models.CharField(_("language"), max_length=10, default="fr")
    total_cents = models.PositiveBigIntegerField(_("total (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("payment due before"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    cart_token = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    channel = models.CharField(_("sales channel"), max_length=20, default="web", editable=False)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    # paid (in part) with test money: the built-in sandbox or a payment service's test mode
    # (decision 0010). Never counted as a sale; its tickets enter only through lists that accept them
    testmode = models.BooleanField(_("test order"), default=False, editable=False)
    # the buyer's account (issue 12), when they were signed in or their verified email joined it
    customer = models.ForeignKey("customers.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="orders", verbose_name=_("customer account"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "code"], name="order_code_unique"),
            models.UniqueConstraint(fields=["organizer", "idempotency_key"], name="order_idempotency_unique"),
        ]
        # the back office's list: an organiser's orders, newest first, a page at a time
        indexes = [
            models.Index(fields=["organizer", "-created_at"], name="order_organizer_recent_idx"),
            # the dashboard's paid orders per day (test orders never count there)
            models.Index(fields=["organizer", "paid_at"], name="order_organizer_paid_idx",
                         condition=models.Q(testmode=False)),
        ]
        # on PostgreSQL, trigram indexes for the back office's search (migration 0010, not here:
        # SQLite has no GIN index)

    def __str__(self) -> str:
        return self.code


class OrderLine(models.Model):
    """One ticket, membership, meal or donation; personal products carry their holder's details."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    price = models.ForeignKey(Price, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines")
    date = models.ForeignKey(EventDate, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines")
    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    label = models.CharField(_("item"), max_length=300)
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    attendee_name = models.CharField(_("name"), max_length=200, blank=True)
    attendee_email = models.EmailField(_("email"), blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # a membership line's member: first_name, last_name, address, postcode, city, country, phone,
    # birth_date (ISO), and member_id when it renews that member (orders.memberships)
    holder = models.JSONField(_("member's details"), default=dict, blank=True)
    # the product's VAT rate when the line was sold (hundredths of a percent): the books and the
    # invoice keep the rate of the sale, whatever the catalogue says later
    vat_rate_bp = models.PositiveIntegerField(_("VAT rate (hundredths of a percent)"), default=0)
    ticket_nonce = models.BinaryField(max_length=8, null=True, editable=False)
    # an add-on (a meal…) bought for one attendee: printed on that attendee's ticket
    attached_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="addons", verbose_name=_("for the ticket of"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label

    @property
    def serial(self) -> str:
        return f"{self.order.code}-{self.pk}"
