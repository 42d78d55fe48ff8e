from __future__ import annotations

import httpx
from huey.contrib.djhuey import task

from .providers.sandbox import SIGNATURE_HEADER


@task(retries=10, retry_delay=3)
def sandbox_deliver_notice(notify_url: str, body: str, signature: str) -> None:
    """The fake PSP posting its notice; an error or a non-2xx answer makes huey retry."""
    response = httpx.post(
        notify_url,
        content=body.encode(),
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        timeout=10,
    )
    response.raise_for_status()
