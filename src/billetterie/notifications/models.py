from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billetterie.orders.models import Order, OrderLine


class OutboxKind(models.TextChoices):
    ORDER_CONFIRMED = "order_confirmed", _("Order confirmation")
    TRANSFER_INSTRUCTIONS = "transfer_instructions", _("Bank transfer instructions")
    INVOICE_REQUESTED = "invoice_requested", _("Invoice requested")
    TICKET_REISSUED = "ticket_reissued", _("Ticket reissued")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    # a session-wide refund reached the order: its date cancelled (or its show stopped) and the
    # money paid back by hand, or the unpaid order cancelled (the message's dedup key names the item)
    BATCH_REFUND_NOTICE = "batch_refund_notice", _("Date cancelled, refund by hand")
    TICKETS = "tickets", _("Tickets sent again")
    # a message of the shop's contact form (messaging): to the organiser's contact address, and
    # its copy to the sender; the message's id is the last part of the dedup key
    CONTACT_MESSAGE = "contact_message", _("Contact form message")
    CONTACT_COPY = "contact_copy", _("Copy of a contact form message")
    # issue 12: a membership's renewal reminder (the dedup key names the membership and the offset),
    # a customer's sign-in link (it names the link), an attendee's own ticket (the line is set)
    MEMBERSHIP_REMINDER = "membership_reminder", _("Membership renewal reminder")
    CUSTOMER_SIGN_IN = "customer_sign_in", _("Sign-in link")
    ATTENDEE_TICKET = "attendee_ticket", _("Ticket sent to its attendee")
    # issue 13: an invoice or a credit note to its buyer (the dedup key names the document), a
    # donation tax receipt to its donor (it names the receipt)
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    TAX_RECEIPT = "tax_receipt", _("Donation tax receipt")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("To send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class OutboxMessage(models.Model):
    """An email to send, written when its cause happens and sent by a task.

    Only the intent is stored: the email itself is rendered at send time. `dedup_key` makes
    queuing idempotent; the row lock and the state check make a sent message never sent again."""

    kind = models.CharField(_("kind"), max_length=40, choices=OutboxKind.choices)
    # the order a message is about; none for a message about no order (a contact form message)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages")
    # the ticket a message is about (a reissued ticket), for kinds about one line of the order
    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages",
        verbose_name=_("ticket"),
    )
    # the refund a message is about (a refund email: one per refund)
    refund = models.ForeignKey(
        "payments.Refund", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages",
        verbose_name=_("refund"),
    )
    dedup_key = models.CharField(max_length=200, unique=True, editable=False)
    to = models.EmailField(_("to"))
    state = models.CharField(
        _("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return self.dedup_key
