from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billetterie.core.admin import OrganizerScopedAdmin

from .layout import DEFAULT_LAYOUT, PLACEHOLDERS, layout_errors
from .models import EventKey, TicketLayout


@admin.register(EventKey)
class EventKeyAdmin(OrganizerScopedAdmin):
    """Read only: keys are made by the ticketing code; the private half is never shown."""

    organizer_path = "event__organizer"

    list_display = ("event", "public_key_b64", "created_at")
    list_select_related = ("event",)
    search_fields = ("event__title",)
    fields = ("event", "public_key_b64", "created_at")
    readonly_fields = fields

    @admin.display(description=_("public key (base64)"))
    def public_key_b64(self, obj: EventKey) -> str:
        return base64.b64encode(bytes(obj.public_key)).decode()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EventKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EventKey | None = None) -> bool:
        return False


class TicketLayoutForm(forms.ModelForm):
    class Meta:
        model = TicketLayout
        fields = ["organizer", "event", "html"]
        widgets = {"html": forms.Textarea(attrs={"rows": 30, "cols": 110, "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["html"].initial = DEFAULT_LAYOUT
        names = ", ".join(f"{{{{ {name} }}}} ({label})" for name, label in PLACEHOLDERS.items())
        self.fields["html"].help_text = format_html(
            "{} {}", _("HTML and CSS with these placeholders only:"), names
        )

    def clean_html(self) -> str:
        html = self.cleaned_data["html"]
        errors = layout_errors(html)
        if errors:
            raise forms.ValidationError(errors)
        return html

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        event, organizer = data.get("event"), data.get("organizer")
        if event is not None and organizer is not None and event.organizer_id != organizer.pk:
            raise forms.ValidationError(_("Choose an event of this organiser."))
        return data


@admin.register(TicketLayout)
class TicketLayoutAdmin(OrganizerScopedAdmin):
    """The organiser's ticket page, checked before saving (documented placeholders only)."""

    form = TicketLayoutForm
    list_display = ["__str__", "organizer", "event", "updated_at"]
    list_select_related = ["organizer", "event"]
