"""The credential inputs of a payment method's settings, shared by the Django admin and the back
office: one pair (test, live) per credential the provider asks for. Secrets are never shown
back: the input is empty, the stored value is masked in the help text, and a blank input keeps
it (`payment_method_credentials_set`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .crypto import credentials_decrypt, mask
from .models import PaymentMethodConfig
from .providers.base import Mode
from .providers.registry import provider_get

CREDENTIAL_PREFIX = "cred_"


def credential_fields(provider_id: str, instance: PaymentMethodConfig | None) -> dict[str, forms.Field]:
    """The form fields `cred_<mode>_<name>` for the provider's credentials, filled with what is
    stored (a secret only masked, in the help text)."""
    provider = provider_get(provider_id)
    fields: dict[str, forms.Field] = {}
    stored = {
        Mode.SANDBOX: credentials_decrypt(instance.sandbox_credentials) if instance else {},
        Mode.LIVE: credentials_decrypt(instance.live_credentials) if instance else {},
    }
    for spec in getattr(provider, "credential_fields", ()):
        for mode, title in ((Mode.SANDBOX, _("test")), (Mode.LIVE, _("live"))):
            current = stored[mode].get(spec.name, "")
            help_text = str(spec.help_text)
            if spec.secret:
                shown = mask(current)
                help_text = " ".join(filter(None, [
                    help_text, str(_("Stored: %(v)s. Leave blank to keep it.") % {"v": shown}) if shown else "",
                ]))
                widget: forms.Widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
                initial = ""
            else:
                widget, initial = forms.TextInput(), current
            fields[f"{CREDENTIAL_PREFIX}{mode}_{spec.name}"] = forms.CharField(
                label=f"{spec.label} ({title})", required=False, widget=widget, initial=initial,
                help_text=help_text, max_length=2000,
            )
    return fields


def credentials_typed(cleaned_data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """mode -> {credential name: what was typed} from a form holding `credential_fields`."""
    out: dict[str, dict[str, str]] = {}
    for mode in (Mode.SANDBOX, Mode.LIVE):
        prefix = f"{CREDENTIAL_PREFIX}{mode}_"
        values = {k[len(prefix):]: str(v or "") for k, v in cleaned_data.items() if k.startswith(prefix)}
        if values:
            out[str(mode)] = values
    return out
