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
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billetterie.organizers.selectors import organizers_for_user

from .events import deliveries_retry
from .models import EventDelivery

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


class OrganizerScopedAdmin(CheckedChangeListAdmin):
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
class CheckedUserAdmin(CheckedChangeListAdmin, UserAdmin):
    pass


class CheckedGroupAdmin(CheckedChangeListAdmin, GroupAdmin):
    pass


for _model, _admin in ((User, CheckedUserAdmin), (Group, CheckedGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
