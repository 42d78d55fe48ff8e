"""The books' period: from a day to a day (both included), this year by default."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billetterie.core import clock

MAX_DAYS = 3 * 366  # a period of up to three years: a fiscal year and its neighbours


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _today() -> date:
    return timezone.localdate(clock.now())


class PeriodForm(forms.Form):
    du = forms.DateField(label=_("From"), required=False, widget=DateInput(),
                         error_messages={"invalid": _("Enter a date, for example 01/01/2026.")})
    au = forms.DateField(label=_("To"), required=False, widget=DateInput(),
                         error_messages={"invalid": _("Enter a date, for example 31/12/2026.")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = _today()
        start = data.get("du") or date(today.year, 1, 1)
        end = data.get("au") or max(today, start)
        if end < start:
            raise forms.ValidationError(_("The end of the period must be on or after its start."))
        if end - start > timedelta(days=MAX_DAYS):
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["du"], data["au"] = start, end
        return data

    def period(self) -> tuple[date, date]:
        """The period asked, or this year when the form is not valid (the page says why)."""
        if self.is_valid():
            return self.cleaned_data["du"], self.cleaned_data["au"]
        today = _today()
        return date(today.year, 1, 1), today
