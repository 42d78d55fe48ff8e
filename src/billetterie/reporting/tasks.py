from __future__ import annotations

from huey import crontab

from billetterie.core.queues import mail_periodic_task, mail_task


@mail_task()
def export_run_task(job_id: int) -> None:
    """Write an export's file (slow work: the mail queue, never in a money worker's way). A failure
    marks the job failed; it is not retried: the team member sees it and asks again."""
    from .services import export_run

    export_run(job_id=job_id)


@mail_periodic_task(crontab(minute="*/5"))
def exports_tidy() -> None:
    """Jobs whose worker went away are marked failed; files older than a week are deleted."""
    from .services import exports_purge, exports_stalled_fail

    exports_stalled_fail()
    exports_purge()
