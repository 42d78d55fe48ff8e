"""Export jobs: a team member asks for a file, the mail (slow work) queue writes it row by row in
constant memory (`reporting.exports`, `core.tabular`) with its progress, into a private folder
outside any public URL; the back office serves it to the organiser's team members who may export."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify

from billetterie.core import audit, clock
from billetterie.core.errors import NotFound
from billetterie.core.tabular import write_csv, write_xlsx

from .exports import Filters, export_tables
from .models import ExportFormat, ExportJob, ExportKind, ExportState

log = logging.getLogger(__name__)

# a job writing with no progress for this long lost its worker (a restart, a crash): marked failed;
# one never started for longer than EXPORT_QUEUED_AT_MOST waits on a queue that is not served
EXPORT_STALLED_AFTER = timedelta(minutes=15)
EXPORT_QUEUED_AT_MOST = timedelta(hours=1)
# files of personal data are kept no longer than needed
EXPORT_KEEP = timedelta(days=7)
PROGRESS_SAVE_SECONDS = 0.5
STOPPED = "stopped"  # the error of a job whose worker went away


def export_folder() -> Path:
    """`EXPORTS_DIR`, else var/exports: never under STATIC_ROOT or a media URL."""
    folder = Path(getattr(settings, "EXPORTS_DIR", None) or Path(settings.VAR_DIR) / "exports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def export_start(*, organizer_id: int, user_id: int | None, kind: str, fmt: str, params: dict[str, Any],
                 description: str = "", queue: bool = True) -> ExportJob:
    """Keep the request and queue its job. Called outside a transaction (the page's POST): the job
    must be committed before a worker looks for it."""
    kind, fmt = ExportKind(kind), ExportFormat(fmt)
    if kind != ExportKind.SALES and fmt in (ExportFormat.CSV_ORDERS, ExportFormat.CSV_LINES):
        fmt = ExportFormat.CSV
    if kind == ExportKind.SALES and fmt == ExportFormat.CSV:
        fmt = ExportFormat.CSV_ORDERS
    with transaction.atomic():
        job = ExportJob.objects.create(
            organizer_id=organizer_id, created_by_id=user_id, kind=kind, format=fmt, params=params,
            description=description[:300], language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        # who took personal data out of the application, and which
        audit.audit_record(action="export.requested", subject=job, organizer_id=organizer_id,
                           changes={"kind": [None, kind.value], "format": [None, fmt.value], "params": [None, params]})
    if queue:
        from .tasks import export_run_task

        export_run_task(job.pk)
    return job


class _Progress:
    def __init__(self, job_id: int) -> None:
        self.job_id, self.saved_at = job_id, 0.0

    def __call__(self, rows: int) -> None:
        import time

        now = time.monotonic()
        if now - self.saved_at >= PROGRESS_SAVE_SECONDS:
            self.saved_at = now
            ExportJob.objects.filter(pk=self.job_id).update(rows_done=rows, updated_at=clock.now())


def export_run(*, job_id: int) -> ExportJob:
    """Write the job's file. Anything that goes wrong marks it failed (with a short reason) and
    leaves no partial file: the team member asks again."""
    job = ExportJob.objects.get(pk=job_id)
    if job.state != ExportState.QUEUED:
        return job  # done, failed, or under way in another worker
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, updated_at=clock.now())
    if not claimed:
        return ExportJob.objects.get(pk=job_id)
    folder = export_folder()
    name = f"{job.pk}-{secrets.token_hex(12)}.{job.extension}"
    partial = folder / f"{name}.part"
    try:
        with translation.override(job.language):
            export = export_tables(kind=job.kind, fmt=job.format,
                                   filters=Filters.from_params(job.organizer_id, job.params))
            ExportJob.objects.filter(pk=job_id).update(rows_total=export.total, updated_at=clock.now())
            progress = _Progress(job_id)
            if job.format == ExportFormat.XLSX:
                rows = write_xlsx(partial, export.tables, progress=progress)
            else:
                with partial.open("wb") as out:
                    rows = write_csv(out, export.tables[0], progress=progress)
        os.replace(partial, folder / name)
    except Exception as exc:  # any failure is the job's, shown on its page
        log.exception("export %s failed", job_id)
        partial.unlink(missing_ok=True)
        reason = exc.code if isinstance(exc, NotFound) else type(exc).__name__
        ExportJob.objects.filter(pk=job_id).update(state=ExportState.FAILED, error=reason[:300],
                                                   updated_at=clock.now(), finished_at=clock.now())
        return ExportJob.objects.get(pk=job_id)
    now = clock.now()
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportState.DONE, rows_done=rows, rows_total=max(rows, export.total), file_name=name,
        file_size=(folder / name).stat().st_size, updated_at=now, finished_at=now,
    )
    job.refresh_from_db()
    return job


def export_download_name(job: ExportJob) -> str:
    """« ventes-assoc-2026-12-03.xlsx »: what it is, whose, when."""
    kind = slugify(str(ExportKind(job.kind).label)) or job.kind
    if job.format == ExportFormat.CSV_LINES:
        kind += "-" + slugify(translation.gettext("items"))
    day = (job.finished_at or job.created_at).date().isoformat()
    return f"{kind}-{job.organizer.slug}-{day}.{job.extension}"


def export_file(*, job: ExportJob) -> Path:
    """The finished job's file, else NotFound (still being written, failed, or deleted)."""
    if job.state != ExportState.DONE or not job.file_name:
        raise NotFound("This export has no file.", code="export_no_file")
    path = export_folder() / job.file_name
    if not path.is_file():
        raise NotFound("This export's file was deleted.", code="export_no_file")
    return path


def exports_stalled_fail(*, now: datetime | None = None) -> int:
    """Jobs whose worker stopped without a word: marked failed, to be asked again."""
    now = now or clock.now()
    stalled = (Q(state=ExportState.RUNNING, updated_at__lt=now - EXPORT_STALLED_AFTER)
               | Q(state=ExportState.QUEUED, updated_at__lt=now - EXPORT_QUEUED_AT_MOST))
    return ExportJob.objects.filter(stalled).update(state=ExportState.FAILED, error=STOPPED, finished_at=clock.now())


def exports_purge(*, now: datetime | None = None) -> int:
    """Delete the files of exports older than EXPORT_KEEP (the job stays, without its file)."""
    before = (now or clock.now()) - EXPORT_KEEP
    purged = 0
    for job in ExportJob.objects.filter(state=ExportState.DONE, finished_at__lt=before).exclude(file_name=""):
        (export_folder() / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="", file_size=0, state=ExportState.EXPIRED)
        purged += 1
    return purged


# --- reads (kept with the jobs: selectors.py holds the dashboard's figures) ----------------------


def export_job_get(*, organizer_id: int, job_id: int) -> ExportJob:
    """One of the organiser's jobs, else NotFound (another organiser's job is not found)."""
    job = (ExportJob.objects.select_related("organizer", "created_by")
           .filter(pk=job_id, organizer_id=organizer_id).first())
    if job is None:
        raise NotFound("Export not found.", code="export_not_found")
    return job


def export_jobs_recent(*, organizer_id: int, limit: int = 20) -> list[ExportJob]:
    return list(ExportJob.objects.select_related("created_by").filter(organizer_id=organizer_id)
                .order_by("-id")[:limit])
