"""The peak memory of the back office's sales export (VENTES and PRODUITS in Excel) of every order
of one organiser, run as the background job runs it (`reporting.services.export_run`), in this
process. Reports the process's peak resident memory before and after (ru_maxrss), the Python
heap's peak during the export (tracemalloc, when --tracemalloc: it slows the run several times),
the rows written, the file's size and the seconds taken. Prints one JSON line.

    DATABASE_URL=postgres://… DJANGO_SETTINGS_MODULE=billetterie.settings \\
        .venv/bin/python bench/backoffice/export_memory.py --slug bench-bo [--format xlsx|csv_lines] [--tracemalloc]

The exports' folder is BILLETTERIE_VAR/exports (or EXPORTS_DIR); the file is deleted afterwards."""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc

import django

django.setup()

from billetterie.organizers.models import Organizer  # noqa: E402
from billetterie.reporting import services  # noqa: E402
from billetterie.reporting.models import ExportState  # noqa: E402


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slug", required=True)
    parser.add_argument("--format", default="xlsx", choices=["xlsx", "csv_orders", "csv_lines"])
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    organizer = Organizer.objects.get(slug=args.slug)
    job = services.export_start(organizer_id=organizer.pk, user_id=None, kind="sales", fmt=args.format, params={},
                                queue=False)
    rss_before = _max_rss_mib()
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    job = services.export_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    result = {
        "export": f"sales {args.format}", "state": job.state, "rows": job.rows_done,
        "file_mib": round(job.file_size / 2**20, 1), "seconds": round(seconds, 1),
        "max_rss_mib_before": round(rss_before, 1), "max_rss_mib_after": round(_max_rss_mib(), 1),
        "python_heap_peak_mib": round(heap_peak, 1) if heap_peak is not None else None,
    }
    if job.state == ExportState.DONE:
        services.export_file(job=job).unlink()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
