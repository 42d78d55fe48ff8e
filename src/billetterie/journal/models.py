"""The sales journal's rows: each organiser's signing key, and its entries.

An entry is written once and never changed: the model refuses to save an existing row and to
delete any, and so do its querysets (`update`, `delete`); on PostgreSQL a trigger refuses UPDATE
and DELETE too (migration 0002), and the app's role may be given INSERT and SELECT only
(docs/dev/journal.md). What is signed is `body`, the entry's canonical JSON, kept as the exact text
that was hashed; the other columns repeat what the pages and the closures query by, and the
verifier checks that they agree with it."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class JournalReadOnly(Exception):
    """A journal row was asked to change or go away: it never does."""


class EntryKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    CANCELLATION = "cancellation", _("Cancellation")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    CLOSURE_DAY = "closure_day", _("Daily closure")
    CLOSURE_MONTH = "closure_month", _("Monthly closure")
    CLOSURE_YEAR = "closure_year", _("Yearly closure")


CLOSURE_KINDS = (EntryKind.CLOSURE_DAY, EntryKind.CLOSURE_MONTH, EntryKind.CLOSURE_YEAR)


class _AppendOnlyQuerySet(models.QuerySet["JournalEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise JournalReadOnly("journal entries are never changed")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise JournalReadOnly("journal entries are never deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise JournalReadOnly("journal entries are never changed")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise JournalReadOnly("journal entries are never changed")


class JournalKey(models.Model):
    """An organiser's Ed25519 key pair: the private half encrypted at rest (as payment
    credentials are), the public half published (back office, `journal export`). Entries name the
    key that signed them by `key_id`, so a new key can follow an old one without breaking the chain."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.PROTECT, related_name="journal_keys")
    key_id = models.CharField(max_length=16, unique=True)  # the first 16 hex digits of SHA-256(raw public key)
    public_pem = models.TextField()
    private_encrypted = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("journal signing key")
        verbose_name_plural = _("journal signing keys")
        ordering = ["organizer", "id"]

    def __str__(self) -> str:
        return self.key_id


class JournalEntry(models.Model):
    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.PROTECT, related_name="journal_entries")
    sequence = models.PositiveBigIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    created_at = models.DateTimeField(_("recorded at"))
    # closures only: the day ("2025-03-14"), month ("2025-03") or year ("2025") closed, once each
    period = models.CharField(_("period"), max_length=10, blank=True, default="")
    key = models.ForeignKey(JournalKey, on_delete=models.PROTECT, related_name="entries")
    body = models.TextField()  # the canonical JSON that was hashed (canonical.py)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)  # Ed25519 over the 32 bytes of `hash`, in hex

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["organizer", "sequence"]
        constraints = [
            # the append reads the previous entry by this index (one row, no scan)
            models.UniqueConstraint(fields=["organizer", "sequence"], name="journal_sequence_unique"),
            # a closure is written once per period, however often the job runs
            models.UniqueConstraint(fields=["organizer", "kind", "period"], name="journal_closure_once",
                                    condition=~models.Q(period="")),
        ]
        indexes = [models.Index(fields=["organizer", "kind", "-sequence"], name="journal_kind_idx")]

    def __str__(self) -> str:
        return f"{self.organizer_id}#{self.sequence} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise JournalReadOnly("journal entries are never changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise JournalReadOnly("journal entries are never deleted")
