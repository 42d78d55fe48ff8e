"""The payouts pages' forms: the period, Stripe's fetch, the uploaded files."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billetterie.core import clock
from billetterie.organizers.models import Organizer
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payouts.selectors import provider_label
from billetterie.payouts.services import bank_file_methods

MAX_FILE_BYTES = 5_000_000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def this_month() -> tuple[date, date]:
    today = timezone.localdate(clock.now())
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


_DATE_ERRORS = {"invalid": _("Enter a date, for example 31/01/2026."), "required": _("Enter a date.")}


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput(), error_messages=_DATE_ERRORS)
    end = forms.DateField(label=_("To"), widget=DateInput(), error_messages=_DATE_ERRORS)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        start, end = this_month()
        if not data or not any(data.get(k) for k in ("start", "end")):
            data = {"start": start.isoformat(), "end": end.isoformat()}
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 366:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        return data

    def period(self) -> tuple[date, date]:
        """The period asked for, or this month when the form is not valid (the page says why)."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return this_month()


class StripeFetchForm(PeriodForm):
    pass


def _text_of(upload: UploadedFile) -> str:
    raw = upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise forms.ValidationError(_("The file is larger than 5 MB: export a shorter period."))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # Excel's CSV on Windows


class FileForm(forms.Form):
    file = forms.FileField(label=_("File (CSV)"), error_messages={"required": _("Choose the file to import."),
                                                                  "empty": _("The file is empty.")})

    def clean_file(self) -> str:
        return _text_of(self.cleaned_data["file"])

    @property
    def filename(self) -> str:
        upload = self.files.get(self.add_prefix("file"))
        return str(getattr(upload, "name", "") or "")


class BankFileForm(FileForm):
    provider = forms.ChoiceField(label=_("Payment service"),
                                 error_messages={"invalid_choice": _("Choose a payment service in the list."),
                                                 "required": _("Choose the payment service.")})

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        methods = bank_file_methods()
        configured = set(PaymentMethodConfig.objects.filter(organizer=organizer, provider__in=methods)
                         .values_list("provider", flat=True))
        # the organiser's own services first; every other one stays choosable (an old method)
        ordered = sorted(methods, key=lambda m: (m not in configured, provider_label(m)))
        field: forms.ChoiceField = self.fields["provider"]  # type: ignore[assignment]
        field.choices = [(m, provider_label(m)) for m in ordered]
        self.order_fields(["provider", "file"])
