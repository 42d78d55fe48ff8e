"""The orders section's forms: the list's filters and each action on an order. Amounts are typed
in euros (EuroField); each action form carries what the page showed (the refunded amount, the
ticket, a token of the page) so that a stale or repeated submit changes nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import Event, EventDate, Product
from billetterie.core.forms import EuroField
from billetterie.core.money import format_money
from billetterie.invoicing.models import BillingDetails
from billetterie.orders.models import OrderLine
from billetterie.organizers.models import Organizer
from billetterie.payments.balance import OrderStatus
from billetterie.payments.models import Channel
from billetterie.payments.order_search import OrderFilters
from billetterie.payments.providers.registry import PROVIDERS, RECORDED_METHODS, method_get
from billetterie.shop.billing_fields import billing_fields_add, billing_fields_clean

STALE = _("This page is out of date: open the order again.")
# the days an order can have been placed on, for the list's period
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def new_token() -> str:
    """A token per rendering of a form: the same form submitted twice is one action."""
    return secrets.token_urlsafe(16)


def method_name(identifier: str) -> str:
    method = method_get(identifier)
    return str(method.name) if method is not None else identifier


# the methods whose money staff record by hand on an order's page
RECORD_METHODS = ["cash", "cheque", "transfer", "card_terminal"]


def _record_choices() -> list[tuple[str, str]]:
    return [(m, method_name(m)) for m in RECORD_METHODS if method_get(m) is not None]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Code, name or email")}))
    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none(), required=False,
                                   empty_label=_("All"))
    date = forms.ModelChoiceField(label=_("Date"), queryset=EventDate.objects.none(), required=False,
                                  empty_label=_("All"))
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False,
                                     empty_label=_("All"))
    status = forms.ChoiceField(label=pgettext_lazy("order", "Status"), required=False,
                               choices=[("", _("All")), *OrderStatus.choices])
    method = forms.ChoiceField(label=_("Payment method"), required=False)
    channel = forms.ChoiceField(label=_("Sales channel"), required=False, choices=[("", _("All")), *Channel.choices])
    placed_from = forms.DateField(label=_("Placed from"), required=False, widget=DateInput())
    placed_to = forms.DateField(label=_("Placed until"), required=False, widget=DateInput())
    test = forms.BooleanField(label=_("Include test orders"), required=False)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = Event.objects.filter(organizer=organizer).order_by("title")
        self.fields["event"].queryset = events  # type: ignore[attr-defined]
        dates = EventDate.objects.filter(event__organizer=organizer).select_related("event").order_by("start")
        self.fields["date"].queryset = dates  # type: ignore[attr-defined]
        self.fields["date"].label_from_instance = _date_label  # type: ignore[attr-defined]
        products = Product.objects.filter(event__organizer=organizer).select_related("event").order_by(
            "event__title", "position", "id")
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        self.fields["product"].label_from_instance = _product_label  # type: ignore[attr-defined]
        methods = [*PROVIDERS, *RECORDED_METHODS]
        self.fields["method"].choices = [("", _("All")), *((m, method_name(m)) for m in methods)]  # type: ignore[attr-defined]

    def _check_bounds(self, name: str) -> dt.date | None:
        """A day between FIRST_DAY and LAST_DAY: beyond, a typo (and year 9999 overflowed a day
        later, year 1 before its start in UTC: a 500)."""
        value: dt.date | None = self.cleaned_data.get(name)
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(_("Enter a date between %(first)s and %(last)s."), code="out_of_range",
                                        params={"first": FIRST_DAY.year, "last": LAST_DAY.year})
        return value

    def clean_placed_from(self) -> dt.date | None:
        return self._check_bounds("placed_from")

    def clean_placed_to(self) -> dt.date | None:
        return self._check_bounds("placed_to")

    def filters(self) -> OrderFilters:
        """What to search for; a form with an invalid field searches with the valid ones."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return OrderFilters(
            text=data.get("q") or "",
            event_id=data["event"].pk if data.get("event") else None,
            date_id=data["date"].pk if data.get("date") else None,
            product_id=data["product"].pk if data.get("product") else None,
            status=data.get("status") or "", method=data.get("method") or "", channel=data.get("channel") or "",
            placed_from=data.get("placed_from"), placed_to=data.get("placed_to"),
            include_test=bool(data.get("test")),
        )


def _date_label(date: EventDate) -> str:
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    return f"{date.event.title} — {date_format(localtime(date.start), 'SHORT_DATETIME_FORMAT')}"


def _product_label(product: Product) -> str:
    return f"{product.event.title} — {product.name}"


class TokenForm(forms.Form):
    """An action with nothing to type (resend the confirmation): its token."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64, error_messages={"required": STALE})


class TicketsForm(TokenForm):
    to_attendees = forms.TypedChoiceField(
        label=_("Send to"), coerce=lambda v: v == "1", initial="0", widget=forms.RadioSelect,
        choices=[("0", _("The buyer (every ticket in one email)")),
                 ("1", _("Each person, at the address given for their ticket"))],
    )


class AttendeeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), max_length=254)
    # what the page showed: a colleague's change meanwhile, or a second submit, is refused
    expected_name = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    expected_email = forms.CharField(widget=forms.HiddenInput, required=False, max_length=254)
    notify_buyer = forms.BooleanField(label=_("Email the new ticket to the buyer"), required=False, initial=True,
                                      help_text=_("Only for a ticket already issued (a paid order): it is "
                                                  "reissued, its old PDF and QR code are refused at the door."))


class RecordPaymentForm(TokenForm):
    method = forms.ChoiceField(label=_("Payment method"))
    amount = EuroField(label=_("Amount (€)"), min_cents=1)
    reference = forms.CharField(label=_("Reference (cheque number, transfer label…)"), required=False,
                                max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = _record_choices()  # type: ignore[attr-defined]


class InvoicePaidForm(TokenForm):
    method = forms.ChoiceField(label=_("Paid by"))
    reference = forms.CharField(label=_("Reference (cheque number, transfer label…)"), required=False,
                                max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = _record_choices()  # type: ignore[attr-defined]
        self.fields["method"].initial = "transfer"


class RefundedSeenForm(forms.Form):
    # what the page showed as already refunded (cents): a second submit, or a colleague's refund
    # meanwhile, is refused by the service under the order's lock
    refunded = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages={
        "required": STALE, "invalid": STALE, "min_value": STALE})


class CancelForm(RefundedSeenForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RefundForm(RefundedSeenForm):
    amount = EuroField(label=_("Amount to refund (€)"), min_cents=1, required=False,
                       help_text=_("Leave it empty to refund the whole line chosen below."))
    line = forms.ModelChoiceField(
        label=_("For one line of the order (optional)"), queryset=OrderLine.objects.none(), required=False,
        empty_label=_("No line in particular"),
        help_text=_("Its ticket is cancelled at once; the rest of the order stays valid."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    release_places = forms.BooleanField(
        label=_("Give the places back to sale"), required=False, initial=True,
        help_text=_("The places of the line chosen, or of the whole order once it is refunded in full, can be "
                    "bought again. Untick to keep them taken (cancelling the order releases them later)."),
    )

    def __init__(self, *args: Any, lines: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        field.queryset = lines  # type: ignore[attr-defined]
        field.label_from_instance = _line_choice  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount") is None and not data.get("line") and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount to refund, or choose a line."))
        return data


def _line_choice(line: OrderLine) -> str:
    who = f" — {line.attendee_name}" if line.attendee_name else ""
    return f"{line.label}{who} ({format_money(line.amount_cents, line.order.currency)})"


class BillingForm(forms.Form):
    """The organisation an order's invoice is made out to, as the buyer gave it at checkout (the
    shop's fields and checks): staff correct it before the invoice is issued; the box unticked
    removes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.billing_names = billing_fields_add(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        billing_fields_clean(self, cleaned)
        return cleaned


def billing_initial(details: BillingDetails | None) -> dict[str, Any]:
    if details is None:
        return {"billing": False, "billing_country": "France"}
    return {"billing": True, "billing_organization": details.organization, "billing_address": details.address,
            "billing_postcode": details.postcode, "billing_city": details.city, "billing_country": details.country,
            "billing_registration": details.siret or details.siren, "billing_vat_number": details.vat_number,
            "billing_reference": details.reference}
