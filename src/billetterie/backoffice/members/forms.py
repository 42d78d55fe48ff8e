"""The member register's forms: the list's search and filters, a member's details (added by hand
or corrected), and the membership taken by hand (type, amount, how it was paid)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.core import clock
from billetterie.core.forms import EuroField
from billetterie.memberships.models import Member, MembershipState, MembershipType
from billetterie.memberships.register import RegisterFilters
from billetterie.memberships.services import MemberDetails
from billetterie.organizers.models import Organizer
from billetterie.payments.selectors import OfferedMethod

EARLIEST_SEASON, LATEST_SEASON = 2000, 2099


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _types_field(organizer: Organizer, *, required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Membership type"), queryset=MembershipType.objects.filter(organizer=organizer),
        required=required, empty_label=_("All types") if not required else None,
        error_messages={"invalid_choice": _("Choose one of the membership types in the list."),
                        "required": _("Choose the membership type.")},
    )


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Name, email or member number")}))
    state = forms.ChoiceField(label=pgettext_lazy("membership", "State"), required=False,
                              choices=[("", _("All")), *MembershipState.choices])
    season = forms.IntegerField(
        label=_("Season (year it starts)"), required=False, min_value=EARLIEST_SEASON, max_value=LATEST_SEASON,
        help_text=_("2026: the 2026-2027 season (the calendar year for types without seasons)."),
        error_messages={"invalid": _("Enter a year, for example 2026."),
                        "min_value": _("Enter a year between 2000 and 2099."),
                        "max_value": _("Enter a year between 2000 and 2099.")},
    )

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"] = _types_field(organizer, required=False)
        self.order_fields(["q", "type", "state", "season"])
        self.organizer = organizer

    def filters(self) -> RegisterFilters:
        today = timezone.localdate(clock.now())
        if not self.is_bound or not self.is_valid():
            return RegisterFilters(organizer_id=self.organizer.pk, on=today)
        data = self.cleaned_data
        return RegisterFilters(organizer_id=self.organizer.pk, on=today, q=data["q"].strip(),
                               type_id=data["type"].pk if data["type"] else None, state=data["state"],
                               season=data["season"])


class MemberForm(forms.Form):
    """A member's own details."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, min_length=2, initial="FR",
                              required=False, error_messages={"min_length": _("Enter the country's two-letter code, "
                                                                              "for example FR.")})
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country") or "").strip().upper()
        if value and not (value.isascii() and value.isalpha()):
            raise forms.ValidationError(_("Enter the country's two-letter code, for example FR."))
        return value

    def clean_birth_date(self) -> date | None:
        born: date | None = self.cleaned_data.get("birth_date")
        today = timezone.localdate(clock.now())
        if born is not None and not (today.year - 130 <= born.year and born <= today):
            raise forms.ValidationError(_("Enter a valid date of birth."))
        return born

    @classmethod
    def initial_of(cls, member: Member) -> dict[str, Any]:
        return {name: getattr(member, name) for name in cls.base_fields}

    def details(self) -> MemberDetails:
        data = self.cleaned_data
        return MemberDetails(
            first_name=data["first_name"].strip(), last_name=data["last_name"].strip(), email=data["email"].strip(),
            phone=data["phone"].strip(), address=data["address"].strip(), postcode=data["postcode"].strip(),
            city=data["city"].strip(), country=data["country"] or "FR", birth_date=data["birth_date"],
        )


class AddMemberForm(MemberForm):
    """A membership taken by hand (a meeting, the office): the member, the type, the money."""

    amount = EuroField(label=_("Amount received (€)"), required=False,
                       help_text=_("One of the type's prices. Empty for a type that is not sold (no money)."))
    method = forms.ChoiceField(label=_("Payment method"), required=False)
    reference = forms.CharField(label=_("Reference (cheque number…)"), max_length=100, required=False)
    send_email = forms.BooleanField(label=_("Email the confirmation and the card to the member"), required=False,
                                    initial=True)
    sale_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organizer: Organizer, methods: list[OfferedMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"] = _types_field(organizer, required=True)
        method_field = cast(forms.ChoiceField, self.fields["method"])
        method_field.choices = [("", "—")] + [(m.provider_id, m.name) for m in methods]
        self.order_fields(["type", "amount", "method", "reference", *MemberForm.base_fields, "send_email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        membership_type: MembershipType | None = data.get("type")
        if membership_type is None:
            return data
        amount = data.get("amount")
        if membership_type.product_id is None:
            if amount:
                self.add_error("amount", _("This type is not sold: it is granted without money. Leave the amount "
                                           "empty."))
            return data
        prices = list(membership_type.product.prices.filter(active=True)) if membership_type.product else []
        if amount is None:
            self.add_error("amount", _("Enter the amount received."))
        else:
            price = next((p for p in prices if p.amount_cents == amount), None)
            if price is None:
                from billetterie.core.money import format_money

                listed = ", ".join(f"{format_money(p.amount_cents)} ({p.name})" for p in prices)
                self.add_error("amount", _("Enter one of this type's prices: %(prices)s.") % {"prices": listed})
            else:
                data["price"] = price
        if amount and not data.get("method"):
            self.add_error("method", _("Choose how the member paid."))
        if data.get("send_email") and not data.get("email"):
            self.add_error("email", _("Give the member's email to send the confirmation, or untick the box."))
        return data
