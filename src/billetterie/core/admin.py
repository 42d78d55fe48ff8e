"""Admin building blocks: every staff user sees and edits only their own organisers' data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from billetterie.organizers.selectors import organizers_for_user

from .audit import audit_record
from .audit import changed as audit_changed
from .events import deliveries_retry
from .models import ActorKind, AuditEntry, EventDelivery
from .money import format_money

# foreign keys whose choices are narrowed to the user's organisers, with the path to the organiser
SCOPED_FK_PATHS = {
    "organizer": "pk__in",
    "event": "organizer__in",
    "product": "event__organizer__in",
    "order": "organizer__in",
    "quotas": "event__organizer__in",
}


class CheckedChangeList(ChangeList):
    """Django's change list, refusing filters no date can satisfy as it refuses other wrong ones.

    A list's address may filter any date field of its model (`?scanned_at__year=99999999999`):
    Django's date hierarchy only catches ValueError (datetime() raises OverflowError on a huge
    year, and a year of 9999 overflows when it computes the end of the period), and lookups such
    as `__year` compute their bounds only when the query is compiled, while the page renders.
    Both become IncorrectLookupParameters here, which the admin answers as it does any wrong
    filter: the list without the filters, with its error flag (?e=1)."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Any]:
        queryset = super().get_queryset(request, exclude_parameters)
        try:  # compile it now (no query is run): lookup values are turned into SQL parameters here
            queryset.query.chain().get_compiler(queryset.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            pass  # filters that match nothing, or everything: the page shows that
        except (OverflowError, ValueError, TypeError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset


class CheckedChangeListAdmin(admin.ModelAdmin):
    """Every admin of the platform lists through CheckedChangeList: no filter in an address is a 500."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CheckedChangeList


# form fields never written to the audit trail, whatever the model: secrets are not history
_SECRET_WORDS = ("password", "secret", "credential", "token", "key")


def _audited_fields(form: Any) -> list[str]:
    model_fields = {f.name for f in form._meta.model._meta.get_fields()}
    return [name for name in form.changed_data
            if name in model_fields and not any(word in name.lower() for word in _SECRET_WORDS)]


def _organizer_id(obj: Model, path: str | None) -> int | None:
    """The organiser of `obj` along an admin's `organizer_path` ("event__organizer"), if any."""
    if path is None:
        return None
    if path == "pk":
        return int(obj.pk)
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    value = getattr(target, f"{last}_id", None)
    return int(value) if value is not None else None


class AuditedAdmin(admin.ModelAdmin):
    """What staff change in an admin form (a catalogue item, a payment setting, a permission) is
    written to the audit trail: the changed fields before and after, secrets left out."""

    organizer_path: str | None = None

    def _audit_form(self, form: Any, obj: Model, change: bool) -> None:
        names = _audited_fields(form)
        if change and not names:
            return
        before = {name: form.initial.get(name) for name in names} if change else {}
        after = {name: form.cleaned_data.get(name) for name in names}
        action = f"{obj._meta.model_name}.{'changed' if change else 'created'}"
        audit_record(action=action, subject=obj, organizer_id=_organizer_id(obj, self.organizer_path),
                     changes=audit_changed(before, after))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._audit_form(form, obj, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.instance.pk and inline_form.has_changed() and inline_form not in formset.deleted_forms:
                self._audit_form(inline_form, inline_form.instance, bool(inline_form.initial))
        owner = _organizer_id(form.instance, self.organizer_path)
        for deleted in formset.deleted_objects:
            audit_record(action=f"{deleted._meta.model_name}.deleted", subject=deleted, organizer_id=owner)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(action=f"{obj._meta.model_name}.deleted", subject=obj,
                     organizer_id=_organizer_id(obj, self.organizer_path))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            audit_record(action=f"{obj._meta.model_name}.deleted", subject=obj,
                         organizer_id=_organizer_id(obj, self.organizer_path))
        super().delete_queryset(request, queryset)


class OrganizerScopedAdmin(AuditedAdmin, CheckedChangeListAdmin):
    organizer_path = "organizer"  # lookup from this model to its Organizer

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.organizer_path}__in": organizers_for_user(user=request.user)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _scope(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _scope(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        """Only fields that are on the form: a read-only field (the organiser's slug for its staff)
        is not, and Django's admin fails with a KeyError on a prepopulated field it cannot find."""
        readonly = set(self.get_readonly_fields(request, obj))
        return {
            field: sources
            for field, sources in super().get_prepopulated_fields(request, obj).items()
            if field not in readonly and readonly.isdisjoint(sources)
        }


def _scope(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    lookup = SCOPED_FK_PATHS.get(db_field.name)
    if lookup is None or request.user.is_superuser:
        return
    model: type[Model] = db_field.remote_field.model
    kwargs["queryset"] = model._default_manager.filter(**{lookup: organizers_for_user(user=request.user)})


@admin.register(EventDelivery)
class EventDeliveryAdmin(CheckedChangeListAdmin):
    """The platform's operators see the domain events that could not be delivered (core/events.py)
    and ask for another attempt; rows are written and closed by the delivery, never edited."""

    list_display = ("event", "subscriber", "state", "attempts", "created_at", "next_attempt_at", "delivered_at")
    list_filter = ("state", "event", "subscriber")
    fields = ("event", "subscriber", "payload", "state", "attempts", "next_attempt_at", "last_error", "created_at",
              "delivered_at")
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[EventDelivery]) -> None:
        count = deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", count)
                          % {"n": count}, messages.SUCCESS if count else messages.WARNING)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: EventDelivery | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EventDelivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EventDelivery | None = None) -> bool:
        return False


# Django's own user and group lists, with the same check (users have dates: joined, last login)
class CheckedUserAdmin(AuditedAdmin, CheckedChangeListAdmin, UserAdmin):
    pass


class CheckedGroupAdmin(AuditedAdmin, CheckedChangeListAdmin, GroupAdmin):
    pass


class CheckedTOTPDeviceAdmin(CheckedChangeListAdmin, TOTPDeviceAdmin):
    """The operators' view of the back office's two-factor devices (a lost phone: delete its
    device), with the same out-of-range date filters as every other list."""


for _model, _admin in ((User, CheckedUserAdmin), (Group, CheckedGroupAdmin), (TOTPDevice, CheckedTOTPDeviceAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


ACTOR_KINDS = dict(ActorKind.choices)


def timeline_html(entries: list[AuditEntry]) -> str:
    """The audit trail as a table for an admin page: when, who, what, and the changes."""
    if not entries:
        return "—"
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td><code>{}</code> {}</td><td>{}</td></tr>", (
        (date_format(localtime(entry.at), "SHORT_DATETIME_FORMAT"),
         _actor_text(entry), entry.action, f"#{entry.subject_id}" if entry.subject_type != "order" else "",
         "; ".join(_change_text(name, old, new) for name, (old, new) in sorted(entry.changes.items())))
        for entry in entries
    ))
    head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>", _("When"), _("Who"), _("What"),
                       _("Changes"))
    return format_html('<table class="audit-timeline">{}{}</table>', head, rows)


def _change_text(name: str, old: object, new: object) -> str:
    """One change as staff read it: amounts in euros (« 27,00 € »), an empty value as « — »."""
    def shown(value: object) -> str:
        if value is None or value == "":
            return "—"
        if name.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
            return format_money(value)
        return str(value)

    return f"{name.removesuffix('_cents')}\u00a0: {shown(old)} → {shown(new)}"


def _actor_text(entry: AuditEntry) -> str:
    kind = str(ACTOR_KINDS.get(entry.actor_kind, entry.actor_kind))
    return f"{kind} — {entry.actor_label}" if entry.actor_label else kind
