from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    SALES = "sales", _("Sales")
    PAYMENTS = "payments", _("Payments and refunds")
    MEMBERS = "members", _("Members")
    CHECKINS = "checkins", _("Check-ins")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    CSV = "csv", _("CSV")
    # the sales' two sheets, each as its own CSV file
    CSV_ORDERS = "csv_orders", _("CSV, one row per order (VENTES)")
    CSV_LINES = "csv_lines", _("CSV, one row per item (PRODUITS)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Writing the file")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("File deleted")  # kept a week (reporting.services.EXPORT_KEEP)


class ExportJob(models.Model):
    """One file asked for by a team member, written in the background (the mail queue) row by row
    in constant memory, with its progress; the file is kept in a private folder
    (`reporting.services.export_folder`) and served only to the organiser's team members who may
    export."""

    organizer = models.ForeignKey("organizers.Organizer", on_delete=models.CASCADE, related_name="export_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last progress at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    kind = models.CharField(_("export"), max_length=20, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=20, choices=ExportFormat.choices)
    # the filters chosen (event, period, list…), as the form cleaned them
    params = models.JSONField(default=dict, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    language = models.CharField(max_length=10, default="fr")
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file_name = models.CharField(max_length=200, blank=True, editable=False)  # in the export folder
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def extension(self) -> str:
        return "xlsx" if self.format == ExportFormat.XLSX else "csv"
