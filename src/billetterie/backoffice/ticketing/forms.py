"""The ticketing summary's filters: an event (or all) and a period (or all time)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import Event, Section
from billetterie.organizers.models import Organizer
from billetterie.tickets.summary import SummaryFilters

from ..exports.forms import EARLIEST, LATEST, DateInput


class SummaryFilterForm(forms.Form):
    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none(), required=False,
                                   empty_label=_("All events"),
                                   error_messages={"invalid_choice": _("Choose one of the events in the list.")})
    start = forms.DateField(label=pgettext_lazy("export period", "From"), required=False, widget=DateInput(),
                            error_messages={"invalid": _("Enter a valid date.")})
    end = forms.DateField(label=pgettext_lazy("export period", "To"), required=False, widget=DateInput(),
                          error_messages={"invalid": _("Enter a valid date.")})

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        field = self.fields["event"]
        assert isinstance(field, forms.ModelChoiceField)
        # membership pages sell no admission: they have no ticket series
        field.queryset = Event.objects.filter(organizer=organizer).exclude(section=Section.MEMBERSHIPS).order_by(
            "title", "id")

    def _bounded(self, name: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Enter a date between %(earliest)s and %(latest)s."),
                                        params={"earliest": EARLIEST.year, "latest": LATEST.year}, code="out_of_range")
        return value

    def clean_start(self) -> date | None:
        return self._bounded("start")

    def clean_end(self) -> date | None:
        return self._bounded("end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> SummaryFilters:
        """What was asked (everything when the form is not valid: the page then shows no rows)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        event = data.get("event")
        return SummaryFilters(organizer_id=self.organizer.pk, event_id=event.pk if event else None,
                              start=data.get("start"), end=data.get("end"))
