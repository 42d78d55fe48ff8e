"""Shop forms: what the buyer types, checked and turned into service inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from billetterie.cart.models import CartPosition
from billetterie.catalog.models import Product, ProductKind, QuestionKind
from billetterie.core.money import MAX_CENTS, AmountTooLarge, InvalidAmount, decimal_to_cents, format_money
from billetterie.core.validation import email_is_valid
from billetterie.orders.services import Checkout, Person
from billetterie.payments.selectors import OfferedMethod

from .billing_fields import billing_fields_add, billing_fields_clean
from .member_fields import member_fields_add, member_holder
from .tax_receipt_fields import tax_receipt_clean, tax_receipt_fields_add

if TYPE_CHECKING:
    from .renewal import Renewal


class AmountField(forms.CharField):
    """Euros as typed by people (12, 12,50, 12.5), returned in integer cents."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            cents = decimal_to_cents(text.replace("€", ""))
        except AmountTooLarge:
            raise forms.ValidationError(
                _("Enter an amount of at most %(max)s.") % {"max": format_money(MAX_CENTS)}) from None
        except InvalidAmount:
            raise forms.ValidationError(_("Enter an amount in euros, for example 10 or 12,50.")) from None
        if cents < 0:
            raise forms.ValidationError(_("Enter a positive amount."))
        return cents


class MailableEmailField(forms.EmailField):
    """An address mail can reach, checked by the same rule as the API's (core.validation)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not email_is_valid(value):
            raise forms.ValidationError(EmailValidator.message, code="invalid")


class CheckoutForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = MailableEmailField(label=_("Your email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Phone (optional)"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    provider = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect, required=False)
    terms = forms.BooleanField(label=_("I accept the terms of sale"), required=True)

    def __init__(self, *args: Any, positions: list[CartPosition], donations: list[Product],
                 providers: list[OfferedMethod], renewal: Renewal | None = None, tax_receipts: bool = False,
                 invoices: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions = positions
        # a renewal from a reminder's link: the first unit of its product is for that member
        self.renewal = renewal
        self.renewal_position = next((p.pk for p in positions if renewal and p.product_id == renewal.product_id),
                                     None)
        self.donations = donations
        self.fields["provider"].choices = [  # type: ignore[attr-defined]
           (p.identifier, p.label) for p in providers]
        if providers:
            self.fields["provider"].initial = providers[0].identifier
        self.person_groups: list[tuple[CartPosition, list[str]]] = []
        for number, position in enumerate(positions, start=1):
            if position.product.needs_person:
                self.person_groups.append((position, self._add_person_fields(position, number)))
        self.addon_fields: list[tuple[CartPosition, str]] = []
        self._add_addon_fields()
        for product in donations:
            product.donation_field = f"donation_{product.pk}"  # type: ignore[attr-defined]
            self.fields[f"donation_{product.pk}"] = AmountField(
                label=_("Donation to %(org)s (€, optional)") % {"org": product.event.organizer.name},
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
            )
        # a buyer who gives may ask for a tax receipt (issue 13), when the organiser issues them
        self.tax_receipt_fields = tax_receipt_fields_add(self) if tax_receipts else []
        # a buyer may ask for the invoice in an organisation's name (issue 13), when the organiser invoices
        self.billing_fields = billing_fields_add(self) if invoices else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tax_receipt_clean(self, cleaned)
        billing_fields_clean(self, cleaned)
        return cleaned

    def _add_person_fields(self, position: CartPosition, number: int) -> list[str]:
        prefix = f"p{position.pk}"
        if position.product.kind == ProductKind.MEMBERSHIP:  # the member's own details
            renewed = self.renewal.member if self.renewal and position.pk == self.renewal_position else None
            names = member_fields_add(self, prefix, MailableEmailField(label=_("Email")), renewed)
        else:
            names = [f"{prefix}_name", f"{prefix}_email"]
            self.fields[names[0]] = forms.CharField(label=_("Name"), max_length=200)
            self.fields[names[1]] = MailableEmailField(label=_("Email"))
        for question in position.product.questions.all():
            name = f"{prefix}_q{question.pk}"
            names.append(name)
            if question.kind == QuestionKind.CHOICE:
                choices = [("", "—")] + [(o, o) for o in question.option_list]
                self.fields[name] = forms.ChoiceField(label=question.label, choices=choices, required=question.required)
            elif question.kind == QuestionKind.YESNO:
                self.fields[name] = forms.BooleanField(label=question.label, required=question.required)
            else:
                self.fields[name] = forms.CharField(label=question.label, max_length=1000, required=question.required)
        return names

    def _add_addon_fields(self) -> None:
        """Each add-on unit of an event with tickets in the cart: the attendee it is for (« Pour : »),
        printed on their ticket. By default the attendees in turn, one unit of each add-on each; a
        standalone add-on past the last attendee gets its own voucher by default."""
        numbers = {position.pk: n for n, (position, _names) in enumerate(self.person_groups, start=1)}
        tickets: dict[int, list[CartPosition]] = {}
        for position, _names in self.person_groups:
            if position.product.kind == ProductKind.TICKET:
                tickets.setdefault(position.product.event_id, []).append(position)
        units: dict[int, int] = {}
        for position in self.positions:
            product, attendees = position.product, tickets.get(position.product.event_id)
            if product.kind != ProductKind.ADDON or not attendees:
                continue
            nth = units[product.pk] = units.get(product.pk, -1) + 1
            choices = [(str(t.pk), _("Attendee %(n)d — %(ticket)s") % {"n": numbers[t.pk], "ticket": t.product.name})
                       for t in attendees]
            initial = str(attendees[nth % len(attendees)].pk)
            if product.addon_standalone:
                choices.append(("", str(_("No one: its own voucher"))))
                initial = initial if nth < len(attendees) else ""
            name = f"addon_{position.pk}"
            # not required: an add-on that needs a ticket, left out of the form, goes to its default
            self.fields[name] = forms.ChoiceField(label=_("For"), choices=choices, initial=initial, required=False)
            self.addon_fields.append((position, name))

    def addons_for(self) -> dict[int, int]:
        """Add-on position id → the ticket position it is for (the choices were this cart's tickets)."""
        chosen = {}
        for position, name in self.addon_fields:
            value = self.cleaned_data.get(name) or ("" if position.product.addon_standalone
                                                    else self.fields[name].initial)
            if value:
                chosen[position.pk] = int(value)
        return chosen

    def donation_amounts(self) -> dict[int, int]:
        amounts = {p.pk: self.cleaned_data.get(f"donation_{p.pk}") for p in self.donations}
        return {pk: cents for pk, cents in amounts.items() if cents}

    def to_checkout(self, *, locale: str) -> Checkout:
        data = self.cleaned_data
        people: dict[int, Person] = {}
        for position, _names in self.person_groups:
            prefix = f"p{position.pk}"
            answers = {}
            for question in position.product.questions.all():
                value = data.get(f"{prefix}_q{question.pk}")
                if question.kind == QuestionKind.YESNO:
                    value = str(_("Yes") if value else _("No"))
                answers[str(question.pk)] = str(value or "")
            if position.product.kind == ProductKind.MEMBERSHIP:
                name, holder = member_holder(data, prefix)
                renews = self.renewal.member.pk if self.renewal and position.pk == self.renewal_position else None
                people[position.pk] = Person(name=name, email=data[f"{prefix}_email"], answers=answers,
                                             holder=holder, renews_member_id=renews)
                continue
            people[position.pk] = Person(name=data[f"{prefix}_name"], email=data[f"{prefix}_email"], answers=answers)
        return Checkout(
            email=data["email"], name=data["name"], phone=data.get("phone", ""), locale=locale,
            terms_accepted=bool(data.get("terms")), people=people, addons_for=self.addons_for(),
        )
