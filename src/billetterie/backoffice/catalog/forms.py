"""The catalogue's forms: what staff type, checked field by field (the rules between records —
a capacity below what is sold, a slug taken — are the catalogue services', which name the field).

Each form's `values()` gives the service its fields under the model's names; `field_of` maps a
model field named by a service's refusal back to the form field it belongs next to."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.catalog.models import Event, ProductKind, Publication, QuestionKind, Quota, Section
from billetterie.core.forms import EuroField, euros_for_input, parse_euros
from billetterie.core.money import MAX_CENTS, InvalidAmount
from billetterie.memberships.models import MembershipType

# years a date typed here may have: beyond, a typo (and year 1 cannot be stored in UTC everywhere)
FIRST_YEAR, LAST_YEAR = 2000, 2200
MAX_PLACES = 1_000_000

PUBLICATION_CHOICES = [
    (Publication.DRAFT, _("Draft: hidden from the shop")),
    (Publication.PREVIEW, _("Preview: secret link and team only")),
    (Publication.PUBLISHED, _("Published")),
]
# the short names the lists' badges use
PUBLICATION_BADGES = {
    Publication.DRAFT: pgettext_lazy("publication", "Draft"),
    Publication.PREVIEW: pgettext_lazy("publication", "Preview"),
    Publication.PUBLISHED: pgettext_lazy("publication", "Published"),
}
KIND_CHOICES = [
    (ProductKind.TICKET, _("Ticket")),
    (ProductKind.MEMBERSHIP, _("Membership")),
    (ProductKind.ADDON, _("Add-on (meal…)")),
    (ProductKind.DONATION, _("Donation")),
]
SECTION_CHOICES = [(Section.TICKETS, _("Event (with dates)")), (Section.MEMBERSHIPS, _("Membership page"))]
QUESTION_CHOICES = [
    (QuestionKind.TEXT, _("Text")),
    (QuestionKind.CHOICE, _("Choice in a list")),
    (QuestionKind.YESNO, _("Yes / no")),
]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the site's time zone (the browser's date picker, or typed
    "03/12/2026 20:00"), between FIRST_YEAR and LAST_YEAR."""

    widget = DateTimeInput
    default_error_messages = {
        "invalid": _("Enter a date and time, for example 03/12/2026 20:00."),
        "out_of_range": _("Enter a date between %(first)s and %(last)s."),
    }

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str) and not (FIRST_YEAR <= _year_of(value) <= LAST_YEAR):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range",
                                  params={"first": FIRST_YEAR, "last": LAST_YEAR})
        return super().to_python(value)


class LocalDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {
        "invalid": _("Enter a date, for example 03/12/2026."),
        "out_of_range": _("Enter a date between %(first)s and %(last)s."),
    }

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str) and not (FIRST_YEAR <= _year_of(value) <= LAST_YEAR):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range",
                                  params={"first": FIRST_YEAR, "last": LAST_YEAR})
        return super().to_python(value)


def _year_of(text: str) -> int:
    """The year in a typed date ("2026-12-03T20:00" or "03/12/2026 20:00"); an empty or
    year-less text passes (the field's own parsing answers it)."""
    text = text.strip()
    if not text:
        return FIRST_YEAR
    years = re.findall(r"\d{4,}", text)
    return int(years[0][:9]) if years else FIRST_YEAR


def _places(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_PLACES, **kwargs)


def _position() -> forms.IntegerField:
    return forms.IntegerField(label=_("Display order"), initial=0, min_value=-10_000, max_value=10_000,
                              help_text=_("Smaller numbers come first."))


# amounts in a list: "5, 10, 20" or "5; 12,50" — a comma followed by a space, or a semicolon,
# separates them (a comma between digits is the decimal separator)
_LIST_SEPARATOR = re.compile(r";|,(?=\s)")


def parse_euro_list(text: str) -> list[int]:
    amounts = []
    for part in _LIST_SEPARATOR.split(text):
        part = part.strip()
        if not part:
            continue
        amounts.append(parse_euros(part))
    return amounts


def euro_list_for_input(cents: list[int]) -> str:
    """"5, 10, 12,50": whole euros without decimals."""
    return ", ".join(str(c // 100) if c % 100 == 0 else euros_for_input(c) for c in cents)


class EuroListField(forms.CharField):
    """Amounts in euros separated by a comma and a space ("5, 10, 20"), cleaned to a list of cents."""

    default_error_messages = {
        "invalid": _("Enter amounts in euros separated by a comma and a space, for example 5, 10, 20."),
        "too_many": _("Give at most %(n)d amounts."),
    }
    max_amounts = 8

    def prepare_value(self, value: Any) -> Any:
        return euro_list_for_input(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        try:
            amounts = parse_euro_list(text)
        except InvalidAmount:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(c <= 0 or c > MAX_CENTS for c in amounts):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(amounts) > self.max_amounts:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"n": self.max_amounts})
        return amounts


def percent_for_input(bp: int) -> str:
    """Hundredths of a percent as typed in French: 550 → "5,5", 2000 → "20", 0 → "0"."""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)


class PercentField(forms.CharField):
    """A rate in percent as typed ("5,5", "20", "5.5 %"), cleaned to hundredths of a percent (550)."""

    default_error_messages = {
        "invalid": _("Enter a rate in percent with at most two decimals, for example 5,5 or 20."),
    }

    def prepare_value(self, value: Any) -> Any:
        return percent_for_input(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = (super().to_python(value) or "").replace("%", "").replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if not re.fullmatch(r"\d{1,3}([.,]\d{1,2})?", text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        whole, _sep, decimals = text.replace(",", ".").partition(".")
        bp = int(whole) * 100 + int((decimals + "00")[:2])
        if bp > 10000:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return bp


class QuotaChoiceField(forms.ModelMultipleChoiceField):
    """Quotas ticked by id: an id that is not a plain number a database column holds is refused
    as any unknown choice (SQLite raises OverflowError on a 20-digit one)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": text})
        return super().clean(value)


class CatalogForm(forms.Form):
    """`values()` for the service, under the model's field names."""

    model_names: ClassVar[dict[str, str]] = {}

    def values(self) -> dict[str, Any]:
        return {self.model_names.get(name, name): value for name, value in self.cleaned_data.items()}

    def field_of(self, model_field: str | None) -> str | None:
        reverse = {model: form for form, model in self.model_names.items()}
        name = reverse.get(model_field or "", model_field)
        return name if name in self.fields else None


class EventForm(CatalogForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in addresses"), max_length=60, required=False,
        help_text=_("Letters, digits and hyphens, as in the shop's address. Empty: made from the title."),
    )
    section = forms.ChoiceField(label=_("Kind of page"), choices=SECTION_CHOICES, initial=Section.TICKETS)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    theme = forms.CharField(label=_("Theme"), max_length=100, required=False,
                            help_text=_("The shop lists events by theme."))
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    position = _position()
    publication = forms.ChoiceField(label=_("Publication"), choices=PUBLICATION_CHOICES,
                                    initial=Publication.DRAFT, widget=forms.RadioSelect)
    # self-service (issue 12): what buyers may do themselves from their order's page
    self_cancel_days = forms.IntegerField(
        label=_("Buyers may cancel and be refunded until (days before the date)"), required=False,
        min_value=0, max_value=365,
        help_text=_("Empty: buyers cannot cancel themselves. 0: until the date starts. A card payment is "
                    "refunded to the card; other methods: the buyer is asked to contact you."),
    )
    self_rename = forms.BooleanField(
        label=_("Buyers may change an attendee's name"), required=False,
        help_text=_("Until the same deadline (the date's start if cancelling is off); the ticket is reissued."),
    )
    attendee_tickets = forms.BooleanField(
        label=_("Send each attendee their own ticket"), required=False, initial=True,
        help_text=_("Attendees who gave an email address receive their ticket; the buyer receives them all."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["data-slug-source"] = "id_slug"


def event_initial(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in EventForm.base_fields}


class DuplicateForm(CatalogForm):
    KEEP, SHIFT = "keep", "shift"
    title = forms.CharField(label=_("Title of the copy"), max_length=200)
    slug = forms.SlugField(label=_("Short name in addresses"), max_length=60, required=False,
                           help_text=_("Empty: made from the title."))
    dates = forms.ChoiceField(
        label=_("Dates"), widget=forms.RadioSelect, initial=SHIFT,
        choices=[(SHIFT, _("Move every date (same times, same gaps)")), (KEEP, _("Keep the same dates"))],
    )
    first_day = LocalDateField(label=_("New day of the first date"), required=False,
                               help_text=_("The other dates and the sales windows move by as many days."))

    def __init__(self, *args: Any, has_dates: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["data-slug-source"] = "id_slug"
        if not has_dates:
            del self.fields["dates"], self.fields["first_day"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dates") == self.SHIFT and not data.get("first_day") and "first_day" not in self.errors:
            self.add_error("first_day", _("Give the new day of the first date, or keep the same dates."))
        return data


class DateForm(CatalogForm):
    start = LocalDateTimeField(label=_("Start"))
    end = LocalDateTimeField(label=_("End"), required=False)
    capacity = _places(_("Capacity"), help_text=_("Places for this date, shared by every ticket."))


class QuotaForm(CatalogForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    size = _places(_("Size"), help_text=_("How many can be sold, across the products that use this quota."))


class ProductForm(CatalogForm):
    """Kind is chosen once, at creation; donation fields only apply to a donation."""

    model_names = {"donation_min": "donation_min_cents", "donation_max": "donation_max_cents",
                   "vat_rate": "vat_rate_bp"}
    DONATION_FIELDS = ("donation_min", "donation_max", "donation_suggested")
    ADDON_FIELDS = ("addon_standalone",)

    kind = forms.ChoiceField(label=pgettext_lazy("product", "Kind"), choices=KIND_CHOICES)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    max_per_order = forms.IntegerField(label=_("Maximum per order"), required=False, min_value=1, max_value=1000,
                                       help_text=_("Empty: 1 for a membership, 10 otherwise."))
    sales_start = LocalDateTimeField(label=_("Sales open"), required=False, help_text=_("Empty: at once."))
    sales_end = LocalDateTimeField(label=_("Sales close"), required=False,
                                   help_text=_("Empty: until the date starts (or always)."))
    quotas = QuotaChoiceField(
        label=_("Quotas"), queryset=Quota.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Each unit sold takes a place in each quota ticked (a ticket also takes one of its date)."),
    )
    addon_standalone = forms.BooleanField(label=_("Can be bought without a ticket"), required=False)
    donation_min = EuroField(label=_("Minimum donation (€)"), required=False, min_cents=1)
    donation_max = EuroField(label=_("Maximum donation (€)"), required=False, min_cents=1)
    donation_suggested = EuroListField(label=_("Suggested amounts (€)"), required=False,
                                       help_text=_("Separated by a comma and a space, for example 5, 10, 20."))
    # the invoices (issue 13) and the books keep the rate each line was sold at
    vat_rate = PercentField(label=_("VAT rate (%)"), required=False, widget=forms.TextInput(attrs={"maxlength": 10}),
                            help_text=_("Included in the prices, for example 5,5 or 20. Empty or 0 when VAT does not "
                                        "apply (an organiser not subject to VAT)."))
    position = _position()

    def __init__(self, *args: Any, quotas: QuerySet[Quota], kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quotas"].queryset = quotas  # type: ignore[attr-defined]
        if not quotas.exists():
            del self.fields["quotas"]
        self.fixed_kind = kind
        if kind is not None:  # editing: the kind stays
            del self.fields["kind"]
            for name in (*self.DONATION_FIELDS, *self.ADDON_FIELDS):
                if kind != (ProductKind.DONATION if name in self.DONATION_FIELDS else ProductKind.ADDON):
                    del self.fields[name]
        else:
            for name in self.DONATION_FIELDS:
                _shown_for(self.fields[name], ProductKind.DONATION)
            _shown_for(self.fields["addon_standalone"], ProductKind.ADDON)

    def chosen_kind(self) -> str:
        return self.fixed_kind or str(self.cleaned_data.get("kind", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.chosen_kind() == ProductKind.DONATION:
            for name, default in (("donation_min", 100), ("donation_max", 100_000)):
                if data.get(name) is None and name not in self.errors:
                    data[name] = default
        return data

    def values(self) -> dict[str, Any]:
        values = super().values()
        values.pop("kind", None)
        values.pop("quotas", None)
        values["vat_rate_bp"] = values.get("vat_rate_bp") or 0
        kind = self.chosen_kind()
        if kind != ProductKind.DONATION:
            for name in ("donation_min_cents", "donation_max_cents", "donation_suggested"):
                values.pop(name, None)
        else:
            values["donation_suggested"] = ",".join(str(c) for c in values.get("donation_suggested") or [])
        if kind != ProductKind.ADDON:
            values.pop("addon_standalone", None)
        return values

    def quota_ids(self) -> list[int] | None:
        if "quotas" not in self.fields:
            return None
        return [q.pk for q in self.cleaned_data.get("quotas") or []]


def product_initial(product: Any) -> dict[str, Any]:
    return {
        "name": product.name, "description": product.description, "max_per_order": product.max_per_order,
        "sales_start": product.sales_start, "sales_end": product.sales_end,
        "quotas": [q.pk for q in product.quotas.all()], "addon_standalone": product.addon_standalone,
        "donation_min": product.donation_min_cents, "donation_max": product.donation_max_cents,
        "donation_suggested": product.suggested_amounts, "position": product.position,
        "vat_rate": product.vat_rate_bp,
    }


class PriceForm(CatalogForm):
    model_names = {"amount": "amount_cents"}

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example Adult, Student."))
    amount = EuroField(label=_("Amount (€)"), help_text=_("For example 15 or 12,50."))
    eligibility = forms.CharField(label=_("Who may use it"), max_length=300, required=False,
                                  help_text=_("Shown next to the price, for example “Students, on showing a card”."))
    publication = forms.ChoiceField(label=_("Publication"), choices=PUBLICATION_CHOICES,
                                    initial=Publication.PUBLISHED)
    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    position = _position()
    # a member price (issue 12): memberships.prices enforces it in the cart and at placement
    member_types = QuotaChoiceField(
        label=_("Reserved to members"), queryset=MembershipType.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ticked: only buyers with a membership of one of these types, valid on the day of the event, "
                    "may choose this price (they give their member number and last name, or sign in)."),
    )

    def __init__(self, *args: Any, membership_types: QuerySet[MembershipType] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if membership_types is None or not membership_types.exists():
            del self.fields["member_types"]
        else:
            self.fields["member_types"].queryset = membership_types  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        values = super().values()
        values.pop("member_types", None)
        return values

    def member_type_ids(self) -> list[int] | None:
        """The types ticked, or None when the organiser has none (the price's stay as they are)."""
        if "member_types" not in self.fields:
            return None
        return [t.pk for t in self.cleaned_data.get("member_types") or []]


def price_initial(price: Any, member_type_ids: list[int] | None = None) -> dict[str, Any]:
    return {"name": price.name, "amount": price.amount_cents, "eligibility": price.eligibility,
            "publication": price.publication, "active": price.active, "position": price.position,
            "member_types": member_type_ids or []}


def _shown_for(field: forms.Field, kind: str) -> None:
    """The field is shown only while the form's "kind" is `kind` (backoffice/catalog.js)."""
    field.widget.attrs.update({"data-kinds": kind, "data-kind-source": "id_kind"})


class QuestionForm(CatalogForm):
    label = forms.CharField(label=_("Question"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=QUESTION_CHOICES, initial=QuestionKind.TEXT)
    options = forms.CharField(label=_("Choices, one per line"), widget=forms.Textarea, required=False,
                              help_text=_("Only for a choice in a list."), max_length=5000)
    required = forms.BooleanField(label=_("Answer required"), required=False)
    position = _position()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _shown_for(self.fields["options"], QuestionKind.CHOICE)


def question_initial(question: Any) -> dict[str, Any]:
    return {name: getattr(question, name) for name in QuestionForm.base_fields}
