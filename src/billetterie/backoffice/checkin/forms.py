"""The check-in list form: a name, the tickets and dates it admits, test tickets or not."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from billetterie.catalog.models import Event, EventDate, Product, ProductKind
from billetterie.checkin.models import CheckinList


class IdsChoice(forms.ModelMultipleChoiceField):
    """Rows ticked by id: an id that is not a plain number a database column holds is refused as
    any unknown choice (SQLite raises OverflowError on a 20-digit one, which was a 500)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": text[:30]})
        return super().clean(value)


class DateChoice(IdsChoice):
    def label_from_instance(self, obj: Any) -> str:
        return date_format(localtime(obj.start), "DATETIME_FORMAT")


class CheckinListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("For example “Main entrance” or “Saturday evening”."))
    products = IdsChoice(
        label=_("Tickets admitted"), queryset=Product.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every ticket of the event."),
    )
    dates = DateChoice(
        label=_("Dates admitted"), queryset=EventDate.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every date."),
    )
    accept_test_tickets = forms.BooleanField(
        label=_("Accept test tickets"), required=False,
        help_text=_("Tickets of orders paid in test mode are refused at the door unless this is ticked "
                    "(for a rehearsal of the entrance)."),
    )

    def __init__(self, *args: Any, event: Event, instance: CheckinList | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "accept_test_tickets": instance.accept_test_tickets,
                "products": list(instance.products.all()), "dates": list(instance.dates.all()),
            }
        super().__init__(*args, **kwargs)
        products = cast(forms.ModelMultipleChoiceField, self.fields["products"])
        products.queryset = event.products.filter(kind=ProductKind.TICKET).order_by("position", "id")
        cast(forms.ModelMultipleChoiceField, self.fields["dates"]).queryset = event.dates.order_by("start")

    def scope(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"], "product_ids": [p.pk for p in data["products"]],
            "date_ids": [d.pk for d in data["dates"]], "accept_test_tickets": data["accept_test_tickets"],
        }


class CardCheckForm(forms.Form):
    """The text of a membership card's QR code, as a barcode reader types it."""

    text = forms.CharField(
        label=_("Card's QR code"), max_length=400, strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Scan the card with a barcode reader into this field, or paste the text of its QR code."),
        error_messages={"required": _("Scan or paste the card's QR code.")},
    )
