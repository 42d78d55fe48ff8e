"""The member's details a membership asks in the cart (issue 12): first and last name, email,
address, postcode, city, optional date of birth; filled in from the register when the visitor
came from a renewal reminder's link (then the order renews that member)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billetterie.memberships.models import Member

# field suffix -> (label, max length, required, autocomplete)
MEMBER_TEXT_FIELDS: dict[str, tuple[Any, int, bool, str]] = {
    "first_name": (_("First name"), 100, True, "given-name"),
    "last_name": (_("Last name"), 100, True, "family-name"),
    "address": (_("Address"), 300, True, "street-address"),
    "postcode": (_("Postcode"), 20, True, "postal-code"),
    "city": (_("City"), 100, True, "address-level2"),
}


class BirthDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": _("Enter a valid date of birth.")}

    def validate(self, value: Any) -> None:
        super().validate(value)
        today = timezone.localdate()
        if isinstance(value, date) and (value > today or value.year < today.year - 130):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def member_fields_add(form: forms.Form, prefix: str, email_field: forms.Field,
                      member: Member | None) -> list[str]:
    """Add a member's fields to `form` under `prefix`; initial values from `member` (a renewal)."""
    names: list[str] = []
    for suffix, (label, size, required, autocomplete) in MEMBER_TEXT_FIELDS.items():
        name = f"{prefix}_{suffix}"
        form.fields[name] = forms.CharField(label=label, max_length=size, required=required,
                                            widget=forms.TextInput(attrs={"autocomplete": autocomplete}))
        names.append(name)
        if suffix == "last_name":  # the email after the name, as for an attendee
            form.fields[f"{prefix}_email"] = email_field
            names.append(f"{prefix}_email")
    form.fields[f"{prefix}_birth_date"] = BirthDateField(label=_("Date of birth (optional)"), required=False)
    names.append(f"{prefix}_birth_date")
    if member is not None:
        for suffix in (*MEMBER_TEXT_FIELDS, "email", "birth_date"):
            form.fields[f"{prefix}_{suffix}"].initial = getattr(member, suffix)
    return names


def member_holder(data: dict[str, Any], prefix: str) -> tuple[str, dict[str, object]]:
    """(the line's name, its holder) from a valid form's data."""
    holder: dict[str, object] = {suffix: data.get(f"{prefix}_{suffix}") or "" for suffix in MEMBER_TEXT_FIELDS}
    born = data.get(f"{prefix}_birth_date")
    if born:
        holder["birth_date"] = born.isoformat()
    name = f"{holder['first_name']} {holder['last_name']}".strip()
    return name, holder
