"""The box office's two steps: what is sold (quantities per price and date, donations), then for
whom and how it is paid (attendees and their answers, the buyer, the method, the cash handed over)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.cart.services import CartAdd, door_closes
from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, QuestionKind
from billetterie.catalog.selectors import availability_for, products_of_event
from billetterie.core.forms import EuroField
from billetterie.orders.services import LineSpec, Person
from billetterie.payments.box_office import BOX_OFFICE_VISIBILITY, CASH
from billetterie.payments.selectors import OfferedMethod

MAX_UNITS = 50  # per price and date: a box-office sale is a few tickets, not a block booking


@dataclass(frozen=True)
class Offer:
    """One thing the box office can sell: a price (of a date, for a ticket), or a donation."""

    key: str
    product: Product
    price: Price | None
    date: EventDate | None
    left: int | None  # places left (None: unlimited or a donation)

    @property
    def donation(self) -> bool:
        return self.product.kind == ProductKind.DONATION

    @property
    def label(self) -> str:
        return self.product.name if self.price is None else f"{self.product.name} — {self.price.name}"


def offers_of(*, event: Event, now: datetime) -> list[Offer]:
    """What the event sells today, in the shop's order: each price of each date not over yet (the
    box office sells to late arrivals until a date ends) nor cancelled."""
    dates = [d for d in event.dates.order_by("start") if door_closes(d) > now and d.cancelled_at is None]
    offers: list[Offer] = []
    for product in products_of_event(event=event, visibility=BOX_OFFICE_VISIBILITY):
        if product.kind == ProductKind.DONATION:
            offers.append(Offer(f"don{product.pk}", product, None, None, None))
            continue
        prices: list[Price] = product.visible_prices  # type: ignore[attr-defined]
        if product.kind == ProductKind.TICKET:
            left = availability_for(product=product, dates=dates)
            offers += [Offer(f"t{price.pk}d{date.pk}", product, price, date, left.get(date.pk))
                       for date in dates for price in prices]
        else:
            left = availability_for(product=product, dates=[])
            offers += [Offer(f"p{price.pk}", product, price, None, left.get(None)) for price in prices]
    return offers


class QuantitiesForm(forms.Form):
    """How many of each offer; an amount for each donation."""

    def __init__(self, *args: Any, offers: list[Offer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offers = offers
        for offer in offers:
            if offer.donation:
                self.fields[f"q_{offer.key}"] = EuroField(label=offer.label, required=False)
            else:
                self.fields[f"q_{offer.key}"] = forms.IntegerField(
                    label=offer.label, required=False, min_value=0, max_value=MAX_UNITS,
                    widget=forms.NumberInput(attrs={"min": 0, "max": MAX_UNITS, "inputmode": "numeric"}),
                )

    def rows(self) -> list[tuple[Offer, forms.BoundField]]:
        return [(offer, self[f"q_{offer.key}"]) for offer in self.offers]

    def chosen(self) -> list[tuple[Offer, int]]:
        """(offer, units) — for a donation, (offer, amount in cents)."""
        out = []
        for offer in self.offers:
            value = self.cleaned_data.get(f"q_{offer.key}")
            if value:
                out.append((offer, int(value)))
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(data.get(f"q_{offer.key}") for offer in self.offers):
            raise forms.ValidationError(_("Choose at least one ticket, product or donation."))
        return data


@dataclass(frozen=True)
class Unit:
    """One line of the order to be: an offer, and the prefix of its person's fields if it has one."""

    offer: Offer
    prefix: str | None
    donation_cents: int | None = None


def units_of(chosen: list[tuple[Offer, int]]) -> list[Unit]:
    units: list[Unit] = []
    person = 0
    for offer, value in chosen:
        if offer.donation:
            units.append(Unit(offer, None, value))
            continue
        for _n in range(value):
            prefix = None
            if offer.product.needs_person:
                person += 1
                prefix = f"a{person}"
            units.append(Unit(offer, prefix))
    return units


class SaleForm(forms.Form):
    """For whom, and how it is paid. The buyer's email is optional at the door."""

    buyer_name = forms.CharField(label=_("Buyer's name"), max_length=200, required=False,
                                 help_text=_("Left blank: the first attendee's name."))
    buyer_email = forms.EmailField(label=_("Buyer's email"), required=False,
                                   help_text=_("Optional at the door: the tickets can be printed instead."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False,
                                help_text=_("Cheque number or card terminal receipt number, if any."))
    tendered = EuroField(label=_("Cash handed over"), required=False,
                         help_text=_("Cash only: the change to give back is shown after the sale."))
    send_email = forms.BooleanField(label=_("Email the tickets to the buyer"), required=False, initial=True)
    sale_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, units: list[Unit], methods: list[OfferedMethod], total_cents: int,
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("sale_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.units, self.total_cents = units, total_cents
        cast(forms.ChoiceField, self.fields["method"]).choices = [(m.provider_id, m.name) for m in methods]
        if len(methods) == 1:
            self.fields["method"].initial = methods[0].provider_id
        self.person_fields: list[tuple[Unit, list[str]]] = []
        for unit in units:
            if unit.prefix is None:
                continue
            names = [f"{unit.prefix}_name", f"{unit.prefix}_email"]
            self.fields[names[0]] = forms.CharField(label=_("Name"), max_length=200)
            self.fields[names[1]] = forms.EmailField(label=_("Email (optional)"), required=False)
            for question in unit.offer.product.questions.all():
                name = f"{unit.prefix}_q{question.pk}"
                names.append(name)
                if question.kind == QuestionKind.CHOICE:
                    choices = [("", "—")] + [(o, o) for o in question.option_list]
                    self.fields[name] = forms.ChoiceField(label=question.label, choices=choices,
                                                          required=question.required)
                elif question.kind == QuestionKind.YESNO:
                    self.fields[name] = forms.BooleanField(label=question.label, required=question.required)
                else:
                    self.fields[name] = forms.CharField(label=question.label, max_length=1000,
                                                        required=question.required)
            self.person_fields.append((unit, names))

    def people(self) -> list[tuple[Unit, list[forms.BoundField]]]:
        return [(unit, [self[name] for name in names]) for unit, names in self.person_fields]

    def sale_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("buyer_name", "buyer_email", "phone", "method", "reference", "tendered",
                                        "send_email")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("buyer_name"):
            first = next((data.get(f"{unit.prefix}_name") for unit, _names in self.person_fields), None)
            if first:
                data["buyer_name"] = first
            elif "buyer_name" not in self.errors:
                self.add_error("buyer_name", _("Give the buyer's name."))
        tendered = data.get("tendered")
        if data.get("method") == CASH and tendered is not None and tendered < self.total_cents:
            self.add_error("tendered", _("The cash handed over is less than the total."))
        return data

    def lines(self) -> list[LineSpec]:
        data = self.cleaned_data
        specs = []
        for unit in self.units:
            offer = unit.offer
            item = CartAdd(product=offer.product, price=offer.price, date=offer.date,
                           donation_cents=unit.donation_cents)
            person = Person()
            if unit.prefix is not None:
                answers = {}
                for question in offer.product.questions.all():
                    value = data.get(f"{unit.prefix}_q{question.pk}")
                    if question.kind == QuestionKind.YESNO:
                        value = str(_("Yes") if value else _("No"))
                    answers[str(question.pk)] = str(value or "")
                person = Person(name=data[f"{unit.prefix}_name"],
                                email=data.get(f"{unit.prefix}_email") or data.get("buyer_email") or "",
                                answers=answers)
            specs.append(LineSpec(item=item, person=person))
        return specs
