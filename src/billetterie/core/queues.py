"""Two task queues, each with its own consumer, so slow work can never starve money work.

- `money`: what decides whether a buyer keeps their places and their money — payment notices
  (the sandbox's deliveries), payment status checks, refunds, expiry sweeps, domain events.
- `mail`: what may be slow or hang on a remote server — rendering PDFs and sending emails, bank
  statement imports, other batch work.

A mail server that accepts the connection and never answers then blocks only the `mail`
consumer's threads (and only for `EMAIL_TIMEOUT`): payments go on being confirmed on time.
`billetterie worker` starts one consumer per queue; `billetterie worker --queue money` starts one
(several hosts can each run the queue they serve). In the tests both run inline (immediate)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from huey import Huey
from huey.contrib.djhuey import HUEY as money_huey
from huey.contrib.djhuey import close_db


def _huey_from_settings(config: dict[str, Any]) -> Huey:
    options = {k: v for k, v in config.items() if k not in ("huey_class", "name", "consumer")}
    huey_class = import_string(config["huey_class"])
    return huey_class(config["name"], **options)  # type: ignore[no-any-return]


mail_huey: Huey = _huey_from_settings(settings.HUEY_MAIL)

QUEUES: dict[str, Huey] = {"money": money_huey, "mail": mail_huey}


def _decorate(huey: Huey, periodic: object | None, kwargs: dict[str, Any]) -> Callable[[Callable[..., Any]], Any]:
    def decorator(fn: Callable[..., Any]) -> Any:
        wrapped = close_db(_as_job(fn))
        task = huey.periodic_task(periodic, **kwargs)(wrapped) if periodic is not None else huey.task(**kwargs)(wrapped)
        task.call_local = fn
        return task

    return decorator


def _as_job(fn: Callable[..., Any]) -> Callable[..., Any]:
    """What a task changes, a scheduled job did (the audit trail's "who")."""
    from . import audit

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        with audit.acting_as(audit.job(fn.__name__)):
            return fn(*args, **kwargs)

    return inner


def money_task(**kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """A task on the money queue (huey's `task` options: retries, retry_delay, priority…)."""
    return _decorate(money_huey, None, kwargs)


def mail_task(**kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """A task on the mail (slow work) queue."""
    return _decorate(mail_huey, None, kwargs)


def money_periodic_task(validate_datetime: object, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    return _decorate(money_huey, validate_datetime, kwargs)


def mail_periodic_task(validate_datetime: object, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    return _decorate(mail_huey, validate_datetime, kwargs)
