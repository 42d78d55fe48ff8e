"""The audit trail: every change of money, orders, tickets, catalogue and settings, with who did it.

A service that changes an order, line, payment, refund, ticket, catalogue item, payment setting
or staff permission calls `audit_record` in the same transaction as the change. Who did it is not
passed down through every service: the edge that knows sets it for the rest of the work —
`organizers.middleware.AuditActorMiddleware` (a staff member of the organiser, else the buyer), the API's token
authentication, the payment notice view, the task queue (a scheduled job) — with `bind` or
`acting_as`. Anything else (a management command, the shell) is "system".

Entries are append-only (`AuditEntry.save` refuses an update, `delete` refuses)."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from django.db import connections, models, router

from . import clock
from .models import ActorKind, AuditEntry


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str = ""
    label: str = ""


SYSTEM = Actor(ActorKind.SYSTEM, "", "system")
# an Actor, or how to find it when an entry about an organiser's data is written (a request's
# user is looked up only then: reading it on every request would touch the session and make every
# answer vary by cookie; and a staff member of one organiser buying in another's shop is a buyer there)
ActorLookup = Callable[[int | None], Actor]
_current: contextvars.ContextVar[Actor | ActorLookup] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def current_actor(organizer_id: int | None = None) -> Actor:
    actor = _current.get()
    return actor(organizer_id) if callable(actor) else actor


def bind(actor: Actor) -> None:
    """`actor` does what follows in this context (a request, a task): the edge that resets it
    (`acting_as`, the middleware) ends it."""
    _current.set(actor)


@contextmanager
def acting_as(actor: Actor | ActorLookup) -> Iterator[None]:
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


def staff(user: Any) -> Actor:
    return Actor(ActorKind.STAFF, str(user.pk), str(user.get_username())[:200])


def api_token(token: Any) -> Actor:
    return Actor(ActorKind.API_TOKEN, str(token.pk), str(token.name)[:200])


def notice(provider_id: str) -> Actor:
    return Actor(ActorKind.NOTICE, provider_id[:100], provider_id[:200])


def job(name: str) -> Actor:
    return Actor(ActorKind.JOB, name[:100], name[:200])


BUYER = Actor(ActorKind.BUYER, "", "")


def _json(value: Any) -> Any:
    """A value as the entry stores it: JSON's own types as they are, the rest as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [_json(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The fields' current values, to compare after the change (`changed`)."""
    return {name: _json(getattr(obj, name)) for name in fields}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field -> [before, after] for the fields whose value differs."""
    out: dict[str, list[Any]] = {}
    for name in {*before, *after}:
        old, new = _json(before.get(name)), _json(after.get(name))
        if old != new:
            out[name] = [old, new]
    return out


def audit_record(*, action: str, subject: models.Model, organizer_id: int | None, order_id: int | None = None,
                 changes: Mapping[str, list[Any]] | None = None) -> None:
    """Append one entry for `subject`, by whoever acts now. Call it inside the change's transaction."""
    actor = current_actor(organizer_id)
    _insert(organizer_id, clock.now(), actor.kind, actor.id, actor.label, action, subject._meta.model_name or "",
            subject.pk, order_id, dict(changes or {}))


_COLUMNS = ("organizer_id", "at", "actor_kind", "actor_id", "actor_label", "action", "subject_type", "subject_id",
            "order_id", "changes")


def _insert(*values: Any) -> None:
    """One INSERT, without building a model instance: an order placed and paid writes three
    entries on the rush path, where the ORM's save cost more CPU than the statement itself
    (bench/RESULTS.md). The fields still convert each value as the ORM would (time zones, JSON)."""
    fields = [cast("models.Field[Any, Any]", AuditEntry._meta.get_field(name)) for name in _COLUMNS]
    connection = connections[router.db_for_write(AuditEntry)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (our own table and column names)
        quote(AuditEntry._meta.db_table), ", ".join(quote(f.column or f.name) for f in fields),
        ", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)])


def audit_change(*, action: str, subject: models.Model, before: Mapping[str, Any], organizer_id: int | None,
                 order_id: int | None = None) -> None:
    """Record the change of the fields `before` was taken of (`snapshot`), as they are now."""
    audit_record(action=action, subject=subject, organizer_id=organizer_id, order_id=order_id,
                 changes=changed(before, snapshot(subject, before)))


def audit_timeline(*, order_id: int | None = None, subjects: Iterable[tuple[str, int]] = ()) -> list[AuditEntry]:
    """The entries about an order (its payments, refunds and tickets included), or about the
    given (model name, id) subjects, oldest first."""
    query = models.Q()
    if order_id is not None:
        query |= models.Q(order_id=order_id)
    for subject_type, subject_id in subjects:
        query |= models.Q(subject_type=subject_type, subject_id=subject_id)
    if not query:
        return []
    return list(AuditEntry.objects.filter(query).order_by("at", "id"))
