"""The dashboard's period: the last 7, 30, 90 or 365 days, or from one day to another."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.reporting.selectors import MAX_PERIOD_DAYS, Period, period_last_days, today

PRESETS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
# dates further away than this are typing mistakes (and year 9999 would overflow a day later)
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodForm(forms.Form):
    period = forms.TypedChoiceField(
        label=_("Period"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Chosen dates"))] + [(str(n), _("Last %(days)s days") % {"days": n}) for n in PRESETS],
    )
    start = forms.DateField(label=pgettext_lazy("period", "From"), required=False, widget=DateInput())
    end = forms.DateField(label=pgettext_lazy("period", "To"), required=False, widget=DateInput())

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

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        # one end given: the other from the default period's length (not past today)
        if isinstance(start, date) and end is None:
            end = data["end"] = max(start, min(today(), start + timedelta(days=DEFAULT_DAYS - 1)))
        elif isinstance(end, date) and start is None:
            start = data["start"] = end - timedelta(days=DEFAULT_DAYS - 1)
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", _("The end date must be on or after the start date."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        return data

    def chosen_period(self) -> Period:
        """The period asked for (once valid): the dates when given, else the preset, else the last
        30 days."""
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            return Period(first=start, last=end)
        return period_last_days(data.get("period") or DEFAULT_DAYS)


def default_period() -> Period:
    return period_last_days(DEFAULT_DAYS)
