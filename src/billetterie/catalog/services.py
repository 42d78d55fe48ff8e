"""Writes to the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billetterie.core import audit, clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, InvalidInput
from billetterie.organizers.models import Organizer

from .models import Event, EventDate, Price, Product, ProductKind, Publication, Question, QuestionKind, Quota


def date_capacity_sync(*, date: EventDate) -> Quota:
    """Each date owns a quota of its capacity, shared by every ticket of that date."""
    with transaction.atomic():
        quota, created = Quota.objects.get_or_create(
            date=date, defaults={"event_id": date.event_id, "name": str(date), "size": date.capacity}
        )
        if not created and quota.size != date.capacity:
            Quota.objects.filter(pk=quota.pk).update(size=date.capacity)
            quota.size = date.capacity
    return quota


def date_cancel(*, date_id: int) -> EventDate:
    """Call a date off: nothing more is sold for it (carts and orders refuse it). Idempotent: a
    date already cancelled stays as it was. Its holders' refunds are the payments domain's
    (`payments.batch`), which calls this in the transaction that starts them."""
    with transaction.atomic():
        date = EventDate.objects.select_for_update().select_related("event").get(pk=date_id)
        if date.cancelled_at is None:
            date.cancelled_at = clock.now()
            date.save(update_fields=["cancelled_at"])
            audit_record(action="date.cancelled", subject=date, organizer_id=date.event.organizer_id,
                         changes=audit.changed({"cancelled_at": None}, {"cancelled_at": date.cancelled_at}))
    return date


# --- The back office's catalogue (issue 11, item 3): every change staff make, audited --------------
#
# Each function opens its transaction, checks the rule it owns (a capacity below what is taken, a
# product or price with sales deleted, a slug taken…) and refuses with a DomainError naming the
# field (`details={"field": …}`) and the reason; otherwise it writes the change and its audit
# entry together. Quota.used is never written here: the capacity domain moves it.

EVENT_FIELDS = ("title", "slug", "section", "description", "theme", "venue", "position", "publication",
                "self_cancel_days", "self_rename", "attendee_tickets")
DATE_FIELDS = ("start", "end", "capacity")
PRODUCT_FIELDS = ("name", "description", "position", "max_per_order", "sales_start", "sales_end",
                  "addon_standalone", "donation_min_cents", "donation_max_cents", "donation_suggested",
                  "vat_rate_bp")
PRICE_FIELDS = ("name", "amount_cents", "eligibility", "position", "active", "publication")
QUOTA_FIELDS = ("name", "size")
QUESTION_FIELDS = ("label", "kind", "options", "required", "position")


def _fields(allowed: tuple[str, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return dict(values)


def _invalid(field: str | None, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def _created(subject: models.Model, fields: tuple[str, ...], organizer_id: int, **extra: Any) -> None:
    changes = audit.changed({}, {**audit.snapshot(subject, fields), **extra})
    audit_record(action=f"{subject._meta.model_name}.created", subject=subject, organizer_id=organizer_id,
                 changes=changes)


def _deleted(subject: models.Model, fields: tuple[str, ...], organizer_id: int) -> None:
    changes = audit.changed(audit.snapshot(subject, fields), {name: None for name in fields})
    audit_record(action=f"{subject._meta.model_name}.deleted", subject=subject, organizer_id=organizer_id,
                 changes=changes)


def _apply(subject: models.Model, values: Mapping[str, Any], organizer_id: int,
           action: str | None = None) -> None:
    """Set `values` on `subject`, save what changed and record it (nothing when nothing changed)."""
    before = audit.snapshot(subject, values)
    for name, value in values.items():
        setattr(subject, name, value)
    changes = audit.changed(before, audit.snapshot(subject, values))
    if not changes:
        return
    subject.save(update_fields=list(changes))
    audit_record(action=action or f"{subject._meta.model_name}.changed", subject=subject,
                 organizer_id=organizer_id, changes=changes)


# events


def event_slug_free(*, organizer_id: int, base: str, exclude_id: int | None = None) -> str:
    """`base` made a short name for addresses (from a title), with -2, -3… when it is taken."""
    slug_field = Event._meta.get_field("slug")
    stem = (slugify(base) or "evenement")[: (slug_field.max_length or 60) - 4].strip("-") or "evenement"
    others = Event.objects.filter(organizer_id=organizer_id, slug__startswith=stem)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    taken = set(others.values_list("slug", flat=True))
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _event_check_slug(organizer_id: int, slug: str, exclude_id: int | None) -> None:
    others = Event.objects.filter(organizer_id=organizer_id, slug=slug)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if others.exists():
        raise _invalid("slug", _("Another page of this organiser already uses this short name: choose another."),
                       code="slug_taken")


def event_create(*, organizer: Organizer, values: Mapping[str, Any]) -> Event:
    """A new event or membership page, a draft unless told otherwise; an empty slug is made from
    the title."""
    data = _fields(EVENT_FIELDS, values)
    with transaction.atomic():
        data["slug"] = data.get("slug") or event_slug_free(organizer_id=organizer.pk, base=data.get("title", ""))
        _event_check_slug(organizer.pk, data["slug"], None)
        event = Event.objects.create(organizer=organizer, **data)
        _created(event, EVENT_FIELDS, organizer.pk)
    return event


def event_update(*, event: Event, values: Mapping[str, Any]) -> Event:
    data = _fields(EVENT_FIELDS, values)
    with transaction.atomic():
        if "slug" in data:
            data["slug"] = data["slug"] or event_slug_free(
                organizer_id=event.organizer_id, base=data.get("title", event.title), exclude_id=event.pk)
            _event_check_slug(event.organizer_id, data["slug"], event.pk)
        _apply(event, data, event.organizer_id)
    return event


def _shifted(value: datetime | None, days: int) -> datetime | None:
    """The same wall-clock time `days` later, in the site's time zone (a shift across a change to
    summer time keeps 20:00 at 20:00)."""
    if value is None or not days:
        return value
    local = timezone.localtime(value)
    return timezone.make_aware(local.replace(tzinfo=None) + timedelta(days=days))


def event_duplicate(*, event: Event, title: str, slug: str = "", shift_days: int = 0) -> Event:
    """A copy of the event as a draft: its dates (moved by `shift_days`, 0 keeps them), products
    with their sales windows (moved likewise), prices, quotas (empty: nothing is sold yet) and
    questions. A new secret preview link; nothing of the sales is copied."""
    with transaction.atomic():
        slug = slug or event_slug_free(organizer_id=event.organizer_id, base=title)
        _event_check_slug(event.organizer_id, slug, None)
        copy = Event.objects.create(
            organizer_id=event.organizer_id, section=event.section, title=title, slug=slug,
            description=event.description, theme=event.theme, venue=event.venue, position=event.position,
            self_cancel_days=event.self_cancel_days, self_rename=event.self_rename, publication=Publication.DRAFT,
            attendee_tickets=event.attendee_tickets,
        )
        quota_map: dict[int, Quota] = {}
        for date in event.dates.select_related("capacity_quota").order_by("start"):
            new_date = EventDate.objects.create(event=copy, start=_shifted(date.start, shift_days) or date.start,
                                                end=_shifted(date.end, shift_days), capacity=date.capacity)
            new_quota = date_capacity_sync(date=new_date)
            old_quota = getattr(date, "capacity_quota", None)
            if old_quota is not None:
                quota_map[old_quota.pk] = new_quota
        for quota in event.quotas.filter(date=None).order_by("pk"):
            quota_map[quota.pk] = Quota.objects.create(event=copy, name=quota.name, size=quota.size)
        counts = {"products": 0, "prices": 0, "questions": 0}
        for product in event.products.prefetch_related("prices", "questions", "quotas").order_by("position", "pk"):
            new_product = Product.objects.create(
                event=copy, kind=product.kind, name=product.name, description=product.description,
                position=product.position, active=product.active, max_per_order=product.max_per_order,
                sales_start=_shifted(product.sales_start, shift_days),
                sales_end=_shifted(product.sales_end, shift_days), addon_standalone=product.addon_standalone,
                donation_min_cents=product.donation_min_cents, donation_max_cents=product.donation_max_cents,
                donation_suggested=product.donation_suggested, vat_rate_bp=product.vat_rate_bp,
            )
            new_product.quotas.set([quota_map[q.pk] for q in product.quotas.all() if q.pk in quota_map])
            Price.objects.bulk_create(
                Price(product=new_product, name=p.name, amount_cents=p.amount_cents, eligibility=p.eligibility,
                      position=p.position, active=p.active, publication=p.publication)
                for p in product.prices.all()
            )
            Question.objects.bulk_create(
                Question(product=new_product, label=q.label, kind=q.kind, options=q.options, required=q.required,
                         position=q.position)
                for q in product.questions.all()
            )
            counts["products"] += 1
            counts["prices"] += len(product.prices.all())
            counts["questions"] += len(product.questions.all())
        _created(copy, EVENT_FIELDS, event.organizer_id, duplicated_from=event.pk, shift_days=shift_days,
                 dates=copy.dates.count(), **counts)
    return copy


# dates


def _check_window(start: datetime | None, end: datetime | None, field: str, message: str) -> None:
    if start is not None and end is not None and end <= start:
        raise _invalid(field, message)


def _quota_taken(quota_id: int) -> int:
    """Places of a quota sold or held right now, its row locked until the caller's commit (a
    buyer taking a place waits): held places whose hold expired count as free."""
    quota = Quota.objects.select_for_update().get(pk=quota_id)
    expired = quota.holds.filter(released_at=None, expires_at__lt=clock.now()).count()
    return max(0, quota.used - expired)


def _below_taken(taken: int, *, capacity: bool) -> InvalidInput:
    if capacity:
        message = ngettext("%(n)d place is already sold or held: the capacity cannot be less than %(n)d.",
                           "%(n)d places are already sold or held: the capacity cannot be less than %(n)d.", taken)
    else:
        message = ngettext("%(n)d place is already sold or held: the size cannot be less than %(n)d.",
                           "%(n)d places are already sold or held: the size cannot be less than %(n)d.", taken)
    return _invalid("capacity" if capacity else "size", message % {"n": taken}, code="below_taken")


def _check_size(quota_id: int | None, size: int, *, capacity: bool) -> None:
    if quota_id is None:
        return
    taken = _quota_taken(quota_id)
    if size < taken:
        raise _below_taken(taken, capacity=capacity)


def date_create(*, event: Event, values: Mapping[str, Any]) -> EventDate:
    data = _fields(DATE_FIELDS, values)
    _check_window(data.get("start"), data.get("end"), "end", _("The end must be after the start."))
    with transaction.atomic():
        date = EventDate.objects.create(event=event, **data)
        date_capacity_sync(date=date)
        _created(date, DATE_FIELDS, event.organizer_id)
    return date


def date_update(*, date: EventDate, values: Mapping[str, Any]) -> EventDate:
    """A capacity below the places already sold or held is refused with that number."""
    data = _fields(DATE_FIELDS, values)
    start, end = data.get("start", date.start), data.get("end", date.end)
    _check_window(start, end, "end", _("The end must be after the start."))
    with transaction.atomic():
        quota = Quota.objects.filter(date=date).first()
        if "capacity" in data:
            _check_size(quota.pk if quota else None, data["capacity"], capacity=True)
        _apply(date, data, date.event.organizer_id)
        quota = date_capacity_sync(date=date)
        if quota.name != str(date):
            Quota.objects.filter(pk=quota.pk).update(name=str(date))
    return date


def date_delete(*, date: EventDate) -> None:
    """Only a date nothing was sold or held for."""
    with transaction.atomic():
        lines = date.order_lines.count()
        if lines:
            raise Conflict(ngettext(
                "%(n)d sale on this date: it cannot be deleted.",
                "%(n)d sales on this date: it cannot be deleted.", lines) % {"n": lines}, code="has_sales")
        quota = Quota.objects.filter(date=date).first()
        if quota is not None and _quota_taken(quota.pk):
            raise Conflict(_("Places of this date are in buyers' carts: it cannot be deleted now."),
                           code="in_carts")
        _deleted(date, DATE_FIELDS, date.event.organizer_id)
        _delete_or_refuse(date)


def _delete_or_refuse(subject: models.Model) -> None:
    try:
        with transaction.atomic():
            subject.delete()
    except ProtectedError:
        raise Conflict(_("It is in a buyer's cart or an order: deactivate it instead."), code="in_use") from None


# quotas (the capacity of each date is its date's: changed there)


def quota_create(*, event: Event, values: Mapping[str, Any]) -> Quota:
    data = _fields(QUOTA_FIELDS, values)
    with transaction.atomic():
        quota = Quota.objects.create(event=event, **data)
        _created(quota, QUOTA_FIELDS, event.organizer_id)
    return quota


def _not_a_date_quota(quota: Quota) -> None:
    if quota.date_id is not None:
        raise Conflict(_("This quota is the capacity of a date: change it on the date."), code="date_quota")


def quota_update(*, quota: Quota, values: Mapping[str, Any]) -> Quota:
    """A size below the places already sold or held is refused with that number."""
    data = _fields(QUOTA_FIELDS, values)
    _not_a_date_quota(quota)
    with transaction.atomic():
        if "size" in data:
            _check_size(quota.pk, data["size"], capacity=False)
        _apply(quota, data, quota.event.organizer_id)
    return quota


def quota_delete(*, quota: Quota) -> None:
    """Only a quota with no place sold or held (the products using it lose that limit)."""
    _not_a_date_quota(quota)
    with transaction.atomic():
        taken = _quota_taken(quota.pk)
        if taken:
            raise Conflict(ngettext(
                "%(n)d place of this quota is sold or held: it cannot be deleted.",
                "%(n)d places of this quota are sold or held: it cannot be deleted.", taken) % {"n": taken},
                code="has_sales")
        _deleted(quota, QUOTA_FIELDS, quota.event.organizer_id)
        quota.delete()


# products


def _product_check(kind: str, data: Mapping[str, Any], current: Product | None = None) -> None:
    def value(name: str) -> Any:
        return data[name] if name in data else getattr(current, name, None)

    _check_window(value("sales_start"), value("sales_end"), "sales_end",
                  _("Sales must close after they open."))
    if kind == ProductKind.DONATION:
        low, high = value("donation_min_cents"), value("donation_max_cents")
        if low is not None and high is not None and low > high:
            raise _invalid("donation_max_cents", _("The maximum must be at least the minimum."))
        suggested = data.get("donation_suggested")
        if suggested and low is not None and high is not None:
            amounts = [int(x) for x in suggested.split(",") if x]
            if any(not low <= cents <= high for cents in amounts):
                raise _invalid("donation_suggested", _("Each suggested amount must be between the minimum and the "
                                                       "maximum."))


def _product_quotas(event: Event, quota_ids: Iterable[int] | None) -> list[Quota] | None:
    if quota_ids is None:
        return None
    ids = set(quota_ids)
    quotas = list(Quota.objects.filter(event=event, date=None, pk__in=ids))
    if len(quotas) != len(ids):
        raise _invalid("quotas", _("Choose quotas of this event."))
    return quotas


def product_create(*, event: Event, kind: str, values: Mapping[str, Any],
                   quota_ids: Iterable[int] | None = None) -> Product:
    data = _fields(PRODUCT_FIELDS, values)
    if kind not in ProductKind.values:
        raise _invalid("kind", _("Choose a kind of product."))
    _product_check(kind, data)
    with transaction.atomic():
        quotas = _product_quotas(event, quota_ids)
        product = Product.objects.create(event=event, kind=kind, **data)
        if quotas:
            product.quotas.set(quotas)
        _created(product, ("kind", *PRODUCT_FIELDS), event.organizer_id,
                 quotas=[q.pk for q in quotas or []])
    return product


def product_update(*, product: Product, values: Mapping[str, Any],
                   quota_ids: Iterable[int] | None = None) -> Product:
    data = _fields(PRODUCT_FIELDS, values)
    _product_check(product.kind, data, product)
    with transaction.atomic():
        event = product.event
        quotas = _product_quotas(event, quota_ids)
        _apply(product, data, event.organizer_id)
        if quotas is not None:
            before = sorted(product.quotas.values_list("pk", flat=True))
            after = sorted(q.pk for q in quotas)
            if before != after:
                product.quotas.set(quotas)
                audit_record(action="product.changed", subject=product, organizer_id=event.organizer_id,
                             changes={"quotas": [before, after]})
    return product


def product_sales_count(*, product: Product) -> int:
    """Order lines of the product, whatever their order's state: they keep it in the history."""
    return product.order_lines.count()


def product_set_active(*, product: Product, active: bool) -> Product:
    """Take a product off sale (the only way for one with sales) or put it back on sale."""
    with transaction.atomic():
        _apply(product, {"active": active}, product.event.organizer_id,
               action="product.activated" if active else "product.deactivated")
    return product


def product_delete(*, product: Product) -> None:
    """A product that has sold can only be taken off sale, never deleted (seed 004)."""
    with transaction.atomic():
        sales = product_sales_count(product=product)
        if sales:
            raise Conflict(ngettext(
                "%(n)d sale: this product can only be deactivated.",
                "%(n)d sales: this product can only be deactivated.", sales) % {"n": sales}, code="has_sales")
        _deleted(product, ("kind", *PRODUCT_FIELDS), product.event.organizer_id)
        _delete_or_refuse(product)


# prices


def price_create(*, product: Product, values: Mapping[str, Any]) -> Price:
    data = _fields(PRICE_FIELDS, values)
    with transaction.atomic():
        price = Price.objects.create(product=product, **data)
        _created(price, PRICE_FIELDS, product.event.organizer_id, product=product.pk)
    return price


def price_update(*, price: Price, values: Mapping[str, Any]) -> Price:
    data = _fields(PRICE_FIELDS, values)
    with transaction.atomic():
        _apply(price, data, price.product.event.organizer_id)
    return price


def price_sales_count(*, price: Price) -> int:
    return price.order_lines.count()


def price_set_active(*, price: Price, active: bool) -> Price:
    with transaction.atomic():
        _apply(price, {"active": active}, price.product.event.organizer_id,
               action="price.activated" if active else "price.deactivated")
    return price


def price_delete(*, price: Price) -> None:
    """A price that has sold can only be taken off sale, never deleted."""
    with transaction.atomic():
        sales = price_sales_count(price=price)
        if sales:
            raise Conflict(ngettext(
                "%(n)d sale: this price can only be deactivated.",
                "%(n)d sales: this price can only be deactivated.", sales) % {"n": sales}, code="has_sales")
        _deleted(price, PRICE_FIELDS, price.product.event.organizer_id)
        _delete_or_refuse(price)


# questions (answers are kept on each order line with the question's text: deleting one loses none)


def _question_check(data: Mapping[str, Any], current: Question | None = None) -> None:
    kind = data.get("kind", getattr(current, "kind", None))
    options = data.get("options", getattr(current, "options", ""))
    if kind == QuestionKind.CHOICE and not [line for line in (options or "").splitlines() if line.strip()]:
        raise _invalid("options", _("Give the choices, one per line."))


def question_create(*, product: Product, values: Mapping[str, Any]) -> Question:
    data = _fields(QUESTION_FIELDS, values)
    _question_check(data)
    with transaction.atomic():
        question = Question.objects.create(product=product, **data)
        _created(question, QUESTION_FIELDS, product.event.organizer_id, product=product.pk)
    return question


def question_update(*, question: Question, values: Mapping[str, Any]) -> Question:
    data = _fields(QUESTION_FIELDS, values)
    _question_check(data, question)
    with transaction.atomic():
        _apply(question, data, question.product.event.organizer_id)
    return question


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        _deleted(question, QUESTION_FIELDS, question.product.event.organizer_id)
        question.delete()
