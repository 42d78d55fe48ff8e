"""Admin building blocks: every staff user sees and edits only their own organisers' data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from billetterie.organizers.selectors import organizers_for_user

# foreign keys whose choices are narrowed to the user's organisers, with the path to the organiser
SCOPED_FK_PATHS = {
    "organizer": "pk__in",
    "event": "organizer__in",
    "product": "event__organizer__in",
    "order": "organizer__in",
    "quotas": "event__organizer__in",
}


class OrganizerScopedAdmin(admin.ModelAdmin):
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
