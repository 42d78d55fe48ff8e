"""An organiser's payment methods, set up by staff from the back office: add one, change where it
is offered, its mode, amount limits and fee. Credentials go through
`services.payment_method_credentials_set` (encrypted; their values never in the audit trail).
Each change writes an audit entry in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from billetterie.core import audit
from billetterie.core.audit import audit_record
from billetterie.core.errors import InvalidInput
from billetterie.core.money import MAX_CENTS
from billetterie.organizers.models import Organizer

from .crypto import credentials_decrypt
from .models import PaymentMethodConfig
from .providers.base import Mode
from .providers.registry import PROVIDERS, RECORDED_METHODS, method_get, provider_get
from .services import payment_method_credentials_set

METHOD_FIELDS = ("enabled", "on_web", "on_box_office", "on_api", "mode", "label", "position", "min_amount_cents",
                 "max_amount_cents", "fee_fixed_cents", "fee_per_mille", "instructions", "days_to_pay")
FEE_PER_MILLE_MAX = 1000


@dataclass(frozen=True)
class MethodChoice:
    identifier: str
    name: str
    online: bool  # a payment service (test and live modes, credentials)


def method_choices() -> list[MethodChoice]:
    """Every method this installation has: the payment services and offline methods, then the ones
    staff record at the box office."""
    out = [MethodChoice(pid, str(p.name), not p.capabilities.settlement.offline) for pid, p in PROVIDERS.items()]
    out += [MethodChoice(key, str(m.name), False) for key, m in RECORDED_METHODS.items()]
    return out


def _invalid(field: str | None, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def _check(config: PaymentMethodConfig) -> None:
    if config.mode not in (Mode.SANDBOX, Mode.LIVE):
        raise _invalid("mode", _("Unknown mode."), "mode_unknown")
    for name in ("min_amount_cents", "max_amount_cents", "fee_fixed_cents"):
        value = getattr(config, name)
        if value is not None and not 0 <= value <= MAX_CENTS:
            raise _invalid(name, _("Enter an amount in euros, for example 15 or 15,50."), "amount_invalid")
    if (config.min_amount_cents is not None and config.max_amount_cents is not None
            and config.min_amount_cents > config.max_amount_cents):
        raise _invalid("max_amount_cents", _("The maximum amount is below the minimum amount."), "limits_crossed")
    if not 0 <= config.fee_per_mille <= FEE_PER_MILLE_MAX:
        raise _invalid("fee_per_mille", _("Enter a proportional fee between 0 and 1000 ‰."), "fee_invalid")
    if config.days_to_pay < 1 or config.days_to_pay > 90:
        raise _invalid("days_to_pay", _("Enter a number of days between 1 and 90."), "days_invalid")


def payment_method_create(*, organizer: Organizer, provider_id: str, values: Mapping[str, Any] | None = None
                          ) -> PaymentMethodConfig:
    """Add a method to the organiser's, in test mode for a payment service, at the end of the list."""
    method = method_get(provider_id)
    if method is None:
        raise _invalid("provider", _("Choose a payment method."), "method_unknown")
    data = dict(values or {})
    unknown = set(data) - set(METHOD_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    recorded = provider_id in RECORDED_METHODS
    last = PaymentMethodConfig.objects.filter(organizer=organizer).aggregate(m=Max("position"))["m"]
    defaults: dict[str, Any] = {
        "mode": Mode.LIVE if method.capabilities.settlement.offline else Mode.SANDBOX,
        "on_web": not recorded, "on_box_office": recorded, "position": (last or 0) + 10,
    }
    config = PaymentMethodConfig(organizer=organizer, provider=provider_id, **{**defaults, **data})
    _check(config)
    try:
        with transaction.atomic():
            config.save()
            audit_record(action="payment_method.created", subject=config, organizer_id=organizer.pk,
                         changes=audit.changed({}, audit.snapshot(config, ("provider", *METHOD_FIELDS))))
    except IntegrityError:
        raise _invalid("provider", _("This method is already in the list: change it there."),
                       "method_exists") from None
    return config


def payment_method_update(*, config: PaymentMethodConfig, values: Mapping[str, Any],
                          credentials: Mapping[str, Mapping[str, str]] | None = None) -> PaymentMethodConfig:
    """Change a method's settings (METHOD_FIELDS) and, per mode, the credentials typed (a blank
    one keeps what is stored); all or nothing, with the field when one is wrong."""
    data = dict(values)
    unknown = set(data) - set(METHOD_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        current = PaymentMethodConfig.objects.select_for_update().get(pk=config.pk)
        before = audit.snapshot(current, data)
        for name, value in data.items():
            setattr(current, name, value)
        _check(current)
        changes = audit.changed(before, audit.snapshot(current, data))
        if changes:
            current.save(update_fields=list(changes))
            audit_record(action="payment_method.changed", subject=current, organizer_id=current.organizer_id,
                         changes=changes)
        provider = provider_get(current.provider)
        known = {spec.name for spec in getattr(provider, "credential_fields", ())}
        for mode, typed in (credentials or {}).items():
            wanted = {name: value for name, value in typed.items() if name in known}
            if any(value != "" for value in wanted.values()):
                payment_method_credentials_set(config=current, mode=mode, values=wanted)
    return current


def payment_method_missing_credentials(*, config: PaymentMethodConfig) -> list[str]:
    """The labels of the required credentials the method's current mode lacks (it cannot take a
    payment until they are there)."""
    provider = provider_get(config.provider)
    blob = config.live_credentials if config.mode == Mode.LIVE else config.sandbox_credentials
    stored = credentials_decrypt(blob)
    return [str(spec.label) for spec in getattr(provider, "credential_fields", ())
            if spec.required and not stored.get(spec.name)]
