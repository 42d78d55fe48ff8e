"""Settings: the organiser's details and logo, its payment methods (modes, channels, amount
limits and fees in euros, credentials shown back only masked) and the « Ouvrir la billetterie »
checklist, ticked from the data (`reporting.checklist`). Rules and audit entries are in
`organizers.services` and `payments.method_settings`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from billetterie.core.errors import DomainError
from billetterie.organizers.permissions import Perm
from billetterie.organizers.services import (
    LOGO_MAX_BYTES,
    ORGANIZER_FIELDS,
    organizer_logo_remove,
    organizer_logo_set,
    organizer_update,
)
from billetterie.payments.forms import credentials_typed
from billetterie.payments.method_settings import (
    METHOD_FIELDS,
    method_choices,
    payment_method_create,
    payment_method_missing_credentials,
    payment_method_update,
)
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import Mode
from billetterie.payments.providers.registry import method_get
from billetterie.payments.selectors import live_methods, shop_test_mode
from billetterie.reporting.checklist import organizer_opening_checklist

from ..access import BackofficeRequest, organizer_view
from .forms import LogoForm, MethodAddForm, MethodForm, OrganizerForm

LOGO_READ_LIMIT = LOGO_MAX_BYTES + 1  # one byte past the limit: a larger file is refused, not cut

# where each step of the checklist is done in the back office
STEP_LINKS = {
    "catalog": "backoffice:catalog:index",
    "payment": "backoffice:settings:methods",
    "emails": "backoffice:settings:details",
    "sandbox_order": "backoffice:settings:methods",
    "live_order": "backoffice:settings:methods",
    "live_email": "backoffice:orders:index",
    "live_status": "backoffice:orders:index",
}


def _link(name: str, slug: str) -> str:
    try:
        return reverse(name, args=[slug])
    except Exception:
        return ""


@organizer_view(Perm.SETTINGS)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    checklist = organizer_opening_checklist(organizer=organizer)
    steps = [{"step": step, "link": _link(STEP_LINKS[step.key], organizer.slug) if step.key in STEP_LINKS else ""}
             for step in checklist.steps]
    return render(request, "backoffice/settings/index.html", {"checklist": checklist, "steps": steps})


def _field_error(form: Any, exc: DomainError) -> None:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, exc.message)


@organizer_view(Perm.SETTINGS)
def details(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    initial = {name: getattr(organizer, name) for name in ORGANIZER_FIELDS}
    form = OrganizerForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                organizer_update(organizer=organizer, values={n: form.cleaned_data[n] for n in ORGANIZER_FIELDS})
            except DomainError as exc:
                _field_error(form, exc)
            else:
                messages.success(request, _("The organiser's details are saved."))
                return redirect("backoffice:settings:details", organizer.slug)
    return _details_page(request, form, LogoForm(), status)


def _details_page(request: BackofficeRequest, form: OrganizerForm, logo_form: LogoForm, status: int) -> HttpResponse:
    return render(request, "backoffice/settings/details.html",
                  {"form": form, "logo_form": logo_form, "organizer": request.bo.organizer}, status=status)


@organizer_view(Perm.SETTINGS)
@require_POST
def logo_upload(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    logo_form = LogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        upload = logo_form.cleaned_data["logo"]
        try:
            organizer_logo_set(organizer=organizer, data=upload.read(LOGO_READ_LIMIT))
        except DomainError as exc:
            _field_error(logo_form, exc)
        else:
            messages.success(request, _("The logo is saved: the shop shows it at the top of its pages."))
            return redirect("backoffice:settings:details", organizer.slug)
    initial = {name: getattr(organizer, name) for name in ORGANIZER_FIELDS}
    return _details_page(request, OrganizerForm(initial=initial), logo_form, 400)


@organizer_view(Perm.SETTINGS)
@require_POST
def logo_remove(request: BackofficeRequest) -> HttpResponse:
    organizer_logo_remove(organizer=request.bo.organizer)
    messages.success(request, _("The logo is removed."))
    return redirect("backoffice:settings:details", request.bo.organizer.slug)


# --- payment methods ----------------------------------------------------------------------------


def _add_choices(organizer_id: int) -> list[tuple[str, str]]:
    taken = set(PaymentMethodConfig.objects.filter(organizer_id=organizer_id).values_list("provider", flat=True))
    return [(c.identifier, c.name) for c in method_choices() if c.identifier not in taken]


def _method_rows(organizer_id: int) -> list[dict[str, Any]]:
    rows = []
    for config in PaymentMethodConfig.objects.filter(organizer_id=organizer_id).order_by("position", "id"):
        method = method_get(config.provider)
        online = method is not None and not method.capabilities.settlement.offline
        channels = [label for flag, label in ((config.on_web, _("web shop")), (config.on_box_office, _("box office")),
                                              (config.on_api, _("API"))) if flag]
        rows.append({"config": config, "name": config.label or (method.name if method else config.provider),
                     "known": method is not None, "online": online, "channels": channels,
                     "live": online and config.mode == Mode.LIVE,
                     "missing": payment_method_missing_credentials(config=config) if online else []})
    return rows


@organizer_view(Perm.SETTINGS)
def methods(request: BackofficeRequest) -> HttpResponse:
    return _methods_page(request, MethodAddForm(choices=_add_choices(request.bo.organizer.pk)))


def _methods_page(request: BackofficeRequest, add_form: MethodAddForm, status: int = 200) -> HttpResponse:
    organizer = request.bo.organizer
    warning = ""
    if not live_methods(organizer=organizer):
        warning = (_("The shop takes test payments only: orders paid that way are test orders, refused at the door. "
                     "Switch a method to live mode (or offer bank transfer) to sell.")
                   if shop_test_mode(organizer=organizer) else
                   _("No method takes real money yet: buyers cannot pay online and only free items can be ordered."))
    return render(request, "backoffice/settings/methods.html",
                  {"rows": _method_rows(organizer.pk), "add_form": add_form, "warning": warning}, status=status)


@organizer_view(Perm.SETTINGS)
@require_POST
def method_add(request: BackofficeRequest) -> HttpResponseBase:
    organizer = request.bo.organizer
    form = MethodAddForm(request.POST, choices=_add_choices(organizer.pk))
    if form.is_valid():
        try:
            config = payment_method_create(organizer=organizer, provider_id=form.cleaned_data["provider"])
        except DomainError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("Method added: set it up below."))
            return redirect("backoffice:settings:method", organizer.slug, config.pk)
    return _methods_page(request, form, 400)


@organizer_view(Perm.SETTINGS)
@sensitive_post_parameters()
def method_edit(request: BackofficeRequest, config_id: int) -> HttpResponse:
    organizer = request.bo.organizer
    config = PaymentMethodConfig.objects.filter(organizer=organizer, pk=config_id).first()
    if config is None or method_get(config.provider) is None:
        raise Http404
    initial = {name: getattr(config, name) for name in METHOD_FIELDS}
    form = MethodForm(request.POST or None, initial=initial, config=config)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in METHOD_FIELDS if name in form.cleaned_data}
            values["fee_fixed_cents"] = values.get("fee_fixed_cents") or 0
            try:
                payment_method_update(config=config, values=values,
                                      credentials=credentials_typed(form.cleaned_data))
            except DomainError as exc:
                _field_error(form, exc)
            else:
                messages.success(request, _("The payment method is saved."))
                return redirect("backoffice:settings:method", organizer.slug, config.pk)
    method = method_get(config.provider)
    context = {"form": form, "config": config, "name": config.label or (method.name if method else config.provider),
               "missing": payment_method_missing_credentials(config=config) if form.online else []}
    return render(request, "backoffice/settings/method.html", context, status=status)
