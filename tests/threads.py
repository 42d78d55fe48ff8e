"""Running jobs at the same moment in real threads, each with its own database connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection


def run_together(jobs: list[Callable[[], Any]], *, hang_after: float = 120) -> list[Any]:
    """Start every job at the same moment; returns each job's result, or the exception it raised.
    `hang_after` seconds for all of them: past it the jobs are taken to hang (a deadlock guard,
    not a measure: a long job on a loaded machine passes a larger one)."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + hang_after
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    assert not any(t.is_alive() for t in threads)
    return results
