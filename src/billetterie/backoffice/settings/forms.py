from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.core.forms import EuroField
from billetterie.organizers.models import siret_is_valid, siret_normalize
from billetterie.organizers.services import HOLD_MINUTES_MAX, HOLD_MINUTES_MIN, LOGO_MAX_BYTES
from billetterie.payments.forms import credential_fields
from billetterie.payments.method_settings import FEE_PER_MILLE_MAX
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import Mode
from billetterie.payments.providers.registry import method_get


class OrganizerForm(forms.Form):
    name = forms.CharField(label=_("Name shown to buyers"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    siret = forms.CharField(label=_("SIRET"), max_length=20, required=False,
                            help_text=_("14 digits; spaces are allowed."),
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    contact_email = forms.EmailField(label=_("Contact email"), max_length=254,
                                     help_text=_("Buyers' replies go here."))
    noreply_email = forms.EmailField(label=_("No-reply sender"), max_length=254,
                                     help_text=_("Emails are sent from this address, with replies to the contact "
                                                 "email."))
    hold_minutes = forms.IntegerField(label=_("Hold duration (minutes)"), min_value=HOLD_MINUTES_MIN,
                                      max_value=HOLD_MINUTES_MAX,
                                      help_text=_("How long items in a cart, and unpaid orders, keep their places."))
    description = forms.CharField(label=_("Presentation"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    terms = forms.CharField(label=_("Terms of sale"), required=False, max_length=50000,
                            widget=forms.Textarea(attrs={"rows": 8}))

    def clean_siret(self) -> str:
        value = siret_normalize(self.cleaned_data.get("siret") or "")
        if value and not siret_is_valid(value):
            raise forms.ValidationError(_("Enter a SIRET of 14 digits, as on the INSEE's notice (for example "
                                          "732 829 320 00074)."))
        return value


class LogoForm(forms.Form):
    logo = forms.FileField(label=_("Logo"), help_text=_("A PNG, JPEG, GIF or WebP image of at most %(size)d MB; "
                                                        "shown at the top of the shop.")
                           % {"size": LOGO_MAX_BYTES // (1024 * 1024)},
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,"
                                                                            "image/webp"}))


class MethodAddForm(forms.Form):
    provider = forms.ChoiceField(label=_("Payment method"), choices=())

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = choices  # type: ignore[attr-defined]


MODES = [(Mode.SANDBOX, _("Test (sandbox)")), (Mode.LIVE, _("Live"))]


class MethodForm(forms.Form):
    """A payment method's settings: amounts in euros, and the provider's credentials (from
    `payments.forms`, shown back only masked)."""

    enabled = forms.BooleanField(label=_("Offered"), required=False)
    on_web = forms.BooleanField(label=_("In the web shop"), required=False)
    on_box_office = forms.BooleanField(label=_("At the box office"), required=False)
    on_api = forms.BooleanField(label=_("Through the API"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=MODES,
                             help_text=_("Test mode takes test cards only: keep it while you test, then switch to "
                                         "live with the live credentials."))
    label = forms.CharField(label=_("Name shown to buyers"), max_length=100, required=False,
                            help_text=_("Leave blank for the method's usual name."))
    position = forms.IntegerField(label=_("Display order"), min_value=0, max_value=100000)
    min_amount_cents = EuroField(label=_("Minimum amount (€)"), required=False,
                                 help_text=_("Leave blank for no minimum."))
    max_amount_cents = EuroField(label=_("Maximum amount (€)"), required=False,
                                 help_text=_("Leave blank for no maximum."))
    fee_fixed_cents = EuroField(label=_("Fee, fixed part (€)"), required=False,
                                help_text=_("Paid by the buyer on top of the order."))
    fee_per_mille = forms.IntegerField(label=_("Fee, proportional part (‰)"), min_value=0,
                                       max_value=FEE_PER_MILLE_MAX, help_text=_("Per thousand of the amount: 15 ‰ = "
                                                                                "1.5 %."))
    instructions = forms.CharField(label=_("Instructions for buyers"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    days_to_pay = forms.IntegerField(label=_("Days to pay"), min_value=1, max_value=90,
                                     help_text=_("Bank transfer: how long the order keeps its places."))

    def __init__(self, *args: Any, config: PaymentMethodConfig, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        method = method_get(config.provider)
        self.online = method is not None and not method.capabilities.settlement.offline
        if not self.online:
            del self.fields["mode"]  # no payment service behind it: nothing to test
        self.credential_names = []
        for name, credential in credential_fields(config.provider, config).items():
            self.fields[name] = credential
            self.credential_names.append(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_amount_cents"), data.get("max_amount_cents")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount_cents", _("The maximum amount is below the minimum amount."))
        return data

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.credential_names]

    def credential_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.credential_names]
