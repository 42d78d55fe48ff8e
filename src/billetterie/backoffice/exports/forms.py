"""What a team member chooses for each export: the event, the period, the format. Each form has a
prefix (its kind), so the four forms of the page have distinct field names and labels."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import Event
from billetterie.checkin.models import CheckinList
from billetterie.memberships.models import MembershipState, MembershipType
from billetterie.organizers.models import Organizer
from billetterie.reporting.models import ExportFormat, ExportKind

# dates further away than this are typing mistakes
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ExportForm(forms.Form):
    kind: ClassVar[ExportKind]
    formats: ClassVar[list[ExportFormat]] = [ExportFormat.XLSX, ExportFormat.CSV]

    format = forms.ChoiceField(label=_("Format"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        kwargs["prefix"] = self.kind.value
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        format_field = self.fields["format"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = [(f.value, f.label) for f in self.formats]
        format_field.initial = self.formats[0].value

    def params(self) -> dict[str, Any]:
        """The filters as the job keeps them (JSON)."""
        return {}

    def description(self) -> str:
        """What was asked, in a few words, for the list of exports."""
        return " · ".join(self._description_parts())

    def _description_parts(self) -> list[str]:
        return [str(ExportFormat(self.cleaned_data["format"]).label)]


class PeriodForm(ExportForm):
    """An event (or all) and a period (or all time), on the date each export says."""

    event_section: ClassVar[str | None] = None

    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none(), required=False,
                                   empty_label=_("All events"))
    start = forms.DateField(label=pgettext_lazy("export period", "From"), required=False, widget=DateInput())
    end = forms.DateField(label=pgettext_lazy("export period", "To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, organizer=organizer, **kwargs)
        events = Event.objects.filter(organizer=organizer).order_by("title", "id")
        if self.event_section is not None:
            events = events.filter(section=self.event_section)
        event_field = self.fields["event"]
        assert isinstance(event_field, forms.ModelChoiceField)
        event_field.queryset = events

    def _check_bounds(self, name: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Enter a date between %(earliest)s and %(latest)s."),
                                        params={"earliest": EARLIEST.year, "latest": LATEST.year}, code="out_of_range")
        return value

    def clean_start(self) -> date | None:
        return self._check_bounds("start")

    def clean_end(self) -> date | None:
        return self._check_bounds("end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", _("The end date must be on or after the start date."))
        return data

    def params(self) -> dict[str, Any]:
        event, start, end = (self.cleaned_data.get(k) for k in ("event", "start", "end"))
        return {"event_id": event.pk if event else None, "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None}

    def _description_parts(self) -> list[str]:
        event, start, end = (self.cleaned_data.get(k) for k in ("event", "start", "end"))
        parts = [event.title if event else str(_("All events"))]
        if start and end:
            parts.append(str(_("from %(start)s to %(end)s")) % {"start": date_format(start, "SHORT_DATE_FORMAT"),
                                                                "end": date_format(end, "SHORT_DATE_FORMAT")})
        elif start:
            parts.append(str(_("from %(start)s")) % {"start": date_format(start, "SHORT_DATE_FORMAT")})
        elif end:
            parts.append(str(_("until %(end)s")) % {"end": date_format(end, "SHORT_DATE_FORMAT")})
        return parts + super()._description_parts()


class SalesForm(PeriodForm):
    kind = ExportKind.SALES
    formats = [ExportFormat.XLSX, ExportFormat.CSV_ORDERS, ExportFormat.CSV_LINES]

    include_unpaid = forms.BooleanField(
        label=_("Also unpaid, expired and cancelled orders"), required=False,
        help_text=_("Otherwise: paid orders (refunded since or not) and orders awaiting their invoice's payment."),
    )

    field_order = ["event", "start", "end", "include_unpaid", "format"]

    def params(self) -> dict[str, Any]:
        return {**super().params(), "include_unpaid": bool(self.cleaned_data.get("include_unpaid"))}


class PaymentsForm(PeriodForm):
    kind = ExportKind.PAYMENTS
    field_order = ["event", "start", "end", "format"]


class MembersForm(ExportForm):
    """The member register (memberships.register) with its filters: the register's page sends
    its own search and filters here; the exports page offers the type, state and season."""

    kind = ExportKind.MEMBERS

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.HiddenInput)
    type = forms.ModelChoiceField(label=_("Membership type"), queryset=MembershipType.objects.none(),
                                  required=False, empty_label=_("All types"))
    state = forms.ChoiceField(label=pgettext_lazy("membership", "State"), required=False,
                              choices=[("", _("All")), *MembershipState.choices])
    season = forms.IntegerField(label=_("Season (year it starts)"), required=False, min_value=EARLIEST.year,
                                max_value=LATEST.year)

    field_order = ["type", "state", "season", "format"]

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, organizer=organizer, **kwargs)
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ModelChoiceField)
        type_field.queryset = MembershipType.objects.filter(organizer=organizer)

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"q": data.get("q") or "", "type_id": data["type"].pk if data.get("type") else None,
                "state": data.get("state") or "", "season": data.get("season")}

    def _description_parts(self) -> list[str]:
        data = self.cleaned_data
        parts = [data["type"].name if data.get("type") else str(_("All types"))]
        if data.get("state"):
            parts.append(str(MembershipState(data["state"]).label))
        if data.get("season"):
            parts.append(str(_("season %(year)s")) % {"year": data["season"]})
        if data.get("q"):
            parts.append(f"« {data['q']} »")
        return parts + super()._description_parts()


def _list_label(item: CheckinList) -> str:
    return f"{item.event.title} — {item.name}"


SCANNED_CHOICES = [("", _("All tickets")), ("1", _("Scanned")), ("0", _("Not scanned"))]


class CheckinsForm(ExportForm):
    kind = ExportKind.CHECKINS

    checkin_list = forms.ModelChoiceField(label=_("Check-in list"), queryset=CheckinList.objects.none(),
                                          empty_label=None)
    scanned = forms.ChoiceField(label=_("Tickets"), choices=SCANNED_CHOICES, required=False)

    field_order = ["checkin_list", "scanned", "format"]

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, organizer=organizer, **kwargs)
        list_field = self.fields["checkin_list"]
        assert isinstance(list_field, forms.ModelChoiceField)
        list_field.queryset = (CheckinList.objects.filter(event__organizer=organizer).select_related("event")
                               .order_by("event__title", "name", "id"))
        list_field.label_from_instance = _list_label  # type: ignore[method-assign,assignment]

    @property
    def available(self) -> bool:
        list_field = self.fields["checkin_list"]
        assert isinstance(list_field, forms.ModelChoiceField)
        return bool(list_field.queryset.exists())  # type: ignore[union-attr]

    def params(self) -> dict[str, Any]:
        scanned = self.cleaned_data.get("scanned")
        return {"list_id": self.cleaned_data["checkin_list"].pk,
                "scanned": None if not scanned else scanned == "1"}

    def _description_parts(self) -> list[str]:
        item = self.cleaned_data["checkin_list"]
        scanned = dict(SCANNED_CHOICES)[self.cleaned_data.get("scanned") or ""]
        return [f"{item.event.title} — {item.name}", str(scanned), *super()._description_parts()]


FORMS: dict[str, type[ExportForm]] = {form.kind.value: form for form in (SalesForm, PaymentsForm, MembersForm,
                                                                         CheckinsForm)}
