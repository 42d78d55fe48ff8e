from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from billetterie.core.admin import OrganizerScopedAdmin, timeline_html
from billetterie.core.audit import audit_timeline
from billetterie.core.errors import Conflict, DomainError
from billetterie.core.money import InvalidAmount, decimal_to_cents, format_money
from billetterie.orders.models import Order, OrderLine
from billetterie.organizers.models import Organizer
from billetterie.organizers.selectors import organizers_for_user

from .balance import order_balance
from .forms import credential_fields, credentials_typed
from .models import (
    Payment,
    PaymentMethodConfig,
    Refund,
    RefundState,
    StatementImport,
    StatementImportState,
    StatementLine,
)
from .providers.registry import PROVIDERS, RECORDED_METHODS
from .selectors import live_methods, payment_refunded_cents, refundable_lines, shop_test_mode
from .services import (
    payment_method_credentials_set,
    refund_create,
    refund_execute,
    refund_mark_done,
    statement_import_resume,
    statement_import_start,
)

log = logging.getLogger(__name__)


@admin.register(Payment)
class PaymentAdmin(OrganizerScopedAdmin):
    organizer_path = "order__organizer"
    list_display = ["order", "provider", "state", "amount_cents", "testmode", "created_at", "needs_attention"]
    list_filter = ["state", "provider", "testmode"]
    search_fields = ["order__code", "psp_reference"]
    readonly_fields = ["order", "provider", "state", "amount_cents", "currency", "testmode", "psp_reference",
                       "failure_reason", "created_at", "confirmed_at", "needs_attention", "timeline"]
    exclude = ["reference"]

    actions = ["refund_full"]

    @admin.display(description=_("history"))
    def timeline(self, obj: Payment) -> str:
        """Every change of the payment and of its refunds: when, who, what."""
        refunds = [("refund", pk) for pk in obj.refunds.values_list("pk", flat=True)]
        return timeline_html(audit_timeline(subjects=[("payment", obj.pk), *refunds]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [path("<int:payment_id>/refund/", self.admin_site.admin_view(self.refund_view),
                     name="payments_payment_refund"), *super().get_urls()]

    @admin.action(description=_("Refund the selected payments in full (releases the places of refunded orders)"),
                  permissions=["change"])
    def refund_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            left = payment.amount_cents - payment_refunded_cents(payment=payment)
            try:
                refund = refund_create(payment=payment, amount_cents=left, reason=str(_("Refunded by staff")),
                                       release_places=True)
            except DomainError as exc:
                self.message_user(request, f"{payment}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{payment}: {refund.state_label}", messages.INFO)

    def refund_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        """Refund part or all of one payment."""
        payment = self.get_queryset(request).filter(pk=payment_id).first()
        if payment is None or not self.has_change_permission(request, payment):
            raise PermissionDenied
        refunded = payment_refunded_cents(payment=payment)
        lines = refundable_lines(payment=payment)
        form = RefundForm(request.POST or None, initial={"refunded": refunded}, lines=lines)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                line = form.cleaned_data["line"]
                try:
                    typed = form.cleaned_data["amount"].replace("€", "").strip()
                    cents = decimal_to_cents(typed) if typed else line.amount_cents
                    refund = refund_create(payment=payment, amount_cents=cents, reason=form.cleaned_data["reason"],
                                           expected_refunded_cents=form.cleaned_data["refunded"],
                                           line_id=line.pk if line else None,
                                           release_places=form.cleaned_data["release_places"])
                except InvalidAmount:
                    form.add_error("amount", _("Enter an amount in euros, for example 10 or 12,50."))
                except Conflict as exc:
                    # a second submit of this page, or a colleague's refund: show the page afresh with
                    # the refunds as they are now, and an empty amount that must be typed again
                    self.message_user(request, exc.message, messages.ERROR)
                    refunded = payment_refunded_cents(payment=payment)
                    lines = refundable_lines(payment=payment)
                    form, status = RefundForm(initial={"refunded": refunded}, lines=lines), 409
                except DomainError as exc:
                    form.add_error("line" if exc.code.startswith("line_") else "amount", exc.message)
                else:
                    self.message_user(request, _refund_done_text(refund), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:orders_order_change", args=[payment.order_id]))
        context = {**self.admin_site.each_context(request), "form": form, "payment": payment,
                   "refunded_cents": refunded, "refunds": payment.refunds.order_by("id"),
                   "title": _("Refund a payment"), "opts": self.model._meta}
        return TemplateResponse(request, "admin/payments/refund.html", context, status=status)


def _refund_done_text(refund: Refund) -> str:
    order = Order.objects.get(pk=refund.payment.order_id)
    return str(_("Refund of %(amount)s: %(state)s. Order %(code)s: %(status)s.") % {
        "amount": format_money(refund.amount_cents, refund.currency), "state": refund.state_label,
        "code": order.code, "status": order_balance(order=order).status.label})


# --- payment method settings ---------------------------------------------------------------------


def _credential_form(provider_id: str, instance: PaymentMethodConfig | None) -> type[forms.ModelForm]:
    """The settings form, with one pair of inputs (sandbox, live) per credential the provider
    asks for (`payments.forms.credential_fields`: secrets never shown back)."""
    return type("PaymentMethodConfigForm", (forms.ModelForm,), {
        **credential_fields(provider_id, instance),
        "Meta": type("Meta", (), {"model": PaymentMethodConfig, "fields": "__all__"}),
    })


def _no_live_method_warnings(request: HttpRequest) -> list[str]:
    """Why the user's organisers cannot sell yet: no method taking real money on the web or the API
    (decision 0010). Outside the demo, an organiser with no method at all sells free items only."""
    organizers = Organizer.objects.all() if request.user.is_superuser else organizers_for_user(user=request.user)
    out = []
    for organizer in organizers.order_by("name")[:20]:
        if live_methods(organizer=organizer):
            continue
        if shop_test_mode(organizer=organizer):
            text = _("%(organizer)s has no live payment method: the shop takes test payments only. Orders paid "
                     "that way are test orders, refused at the door; no real money is received. Add a method in "
                     "live mode (or bank transfer) to sell.")
        else:
            text = _("%(organizer)s has no live payment method set up: buyers cannot pay online and only free "
                     "items can be ordered. Add a payment method in live mode (or bank transfer) to sell.")
        out.append(str(text) % {"organizer": organizer.name})
    return out


def _method_choices() -> list[tuple[str, str]]:
    choices = [(pid, str(p.name)) for pid, p in PROVIDERS.items()]
    choices += [(key, str(method.name)) for key, method in RECORDED_METHODS.items()]
    return choices


@admin.register(PaymentMethodConfig)
class PaymentMethodConfigAdmin(OrganizerScopedAdmin):
    list_display = ["organizer", "provider", "enabled", "mode", "on_web", "on_box_office", "on_api", "position"]
    list_filter = ["mode", "enabled", "provider"]
    list_editable = ["position"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            for warning in _no_live_method_warnings(request):
                self.message_user(request, warning, messages.WARNING)
        return super().changelist_view(request, extra_context)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "provider":
            return forms.ChoiceField(label=db_field.verbose_name, choices=_method_choices())
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        provider_id = obj.provider if obj else str(request.POST.get("provider") or request.GET.get("provider") or "")
        kwargs["form"] = _credential_form(provider_id, obj)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        form = self.get_form(request, obj, fields=None)
        creds = [name for name in form.base_fields if name.startswith("cred_")]
        main = ["organizer", "provider", "enabled", ("on_web", "on_box_office", "on_api"), "mode", "label",
                "position", ("min_amount_cents", "max_amount_cents"), ("fee_fixed_cents", "fee_per_mille"),
                "instructions", "days_to_pay"]
        sets: list[tuple[Any, dict[str, Any]]] = [(None, {"fields": main})]
        if creds:
            sets.append((_("Credentials (test and live are kept apart)"), {"fields": creds}))
        elif obj is None:
            sets.append((_("Credentials"), {"fields": [], "description": _(
                "Save first: the credentials this method needs are asked for on the next page.")}))
        return sets

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for mode, values in credentials_typed(form.cleaned_data).items():
            payment_method_credentials_set(config=obj, mode=mode, values=values)


# --- refunds -----------------------------------------------------------------------------------


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("Amount to refund (€)"), max_length=20, required=False,
                             help_text=_("Leave it empty to refund the whole line chosen below."))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    line = forms.ModelChoiceField(
        label=_("For one line of the order (optional)"), queryset=OrderLine.objects.none(), required=False,
        empty_label=_("No line in particular"),
        help_text=_("Its ticket is cancelled at once; the rest of the order stays valid."),
    )
    release_places = forms.BooleanField(
        label=_("Give the places back to sale"), required=False, initial=True,
        help_text=_("The places of the line chosen, or of the whole order once it is refunded in full, can be "
                    "bought again. Untick to keep them taken (cancelling the order releases them later)."),
    )
    # what the page showed as already refunded: a second submit, or a colleague's refund meanwhile, is refused
    refunded = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages={
        "required": _("This page is out of date: open it again from the payment."),
        "invalid": _("This page is out of date: open it again from the payment."),
    })

    def __init__(self, *args: Any, lines: QuerySet[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        field.queryset = lines  # type: ignore[attr-defined]
        field.label_from_instance = _line_choice  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("amount") or "").strip() and not data.get("line"):
            self.add_error("amount", _("Enter the amount to refund, or choose a line."))
        return data


def _line_choice(line: OrderLine) -> str:
    who = f" — {line.attendee_name}" if line.attendee_name else ""
    return f"{line.label}{who} ({format_money(line.amount_cents, line.order.currency)})"


@admin.register(Refund)
class RefundAdmin(OrganizerScopedAdmin):
    organizer_path = "payment__order__organizer"
    list_display = ["payment", "state", "amount_cents", "created_at", "done_at", "message"]
    list_filter = ["state"]
    readonly_fields = ["payment", "state", "amount_cents", "currency", "psp_reference", "message", "reason",
                       "created_at", "done_at"]
    exclude = ["reference"]
    actions = ["mark_done", "retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Mark as refunded (done in the payment service's back office)"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset:
            try:
                refund_mark_done(refund_id=refund.pk)
            except DomainError as exc:
                self.message_user(request, f"{refund}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Send again to the payment service"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset.filter(state=RefundState.CREATED):
            refund_execute(refund_id=refund.pk)


# --- bank statements -------------------------------------------------------------------------------


class StatementForm(forms.Form):
    organizer = forms.ModelChoiceField(label=_("Organiser"), queryset=Organizer.objects.none())
    file = forms.FileField(label=_("Bank statement (CSV, ; separated)"))


@admin.register(StatementLine)
class StatementLineAdmin(OrganizerScopedAdmin):
    list_display = ["booked_on", "label", "amount_cents", "outcome", "imported_at"]
    readonly_fields = ["organizer", "booked_on", "label", "amount_cents", "payment", "outcome", "imported_at"]
    exclude = ["line_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [path("import/", self.admin_site.admin_view(self.import_view), name="payments_statement_import"),
                path("import/<int:import_id>/", self.admin_site.admin_view(self.progress_view),
                     name="payments_statement_import_progress"),
                *super().get_urls()]

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Importing a statement records payments (and issues the tickets of the orders it pays)."""
        return request.user.has_perm("payments.change_payment")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a statement: kept and imported in the background (the mail queue), then the
        progress page; an import already finished when the upload returns goes straight to the
        statement lines with its summary."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = StatementForm(request.POST or None, request.FILES or None)
        form.fields["organizer"].queryset = self._organizers(request)  # type: ignore[attr-defined]
        status = 200
        if request.method == "POST":
            if form.is_valid():
                upload = form.cleaned_data["file"]
                raw = upload.read(5_000_000)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("cp1252", errors="replace")
                try:
                    job = statement_import_start(organizer_id=form.cleaned_data["organizer"].pk, content=text,
                                                 filename=str(upload.name or ""), user_id=request.user.pk)
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    status = 400
                else:
                    job.refresh_from_db()
                    if job.state == StatementImportState.DONE:
                        self.message_user(request, _statement_summary(job), messages.SUCCESS)
                        return HttpResponseRedirect(reverse("admin:payments_statementline_changelist"))
                    if job.state != StatementImportState.FAILED:
                        return HttpResponseRedirect(reverse("admin:payments_statement_import_progress", args=[job.pk]))
                    # stopped at once (the database did not answer): what came before stays
                    self.message_user(request, _(
                        "The import stopped before the end of the file (the database did not answer). The lines "
                        "imported so far are in the list of statement lines; import the same file again to finish: "
                        "nothing is recorded twice."
                    ), messages.ERROR)
                    status = 503
            else:
                status = 400
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Import a bank statement"),
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/payments/statement_import.html", context, status=status)

    def _organizers(self, request: HttpRequest) -> QuerySet[Organizer]:
        return Organizer.objects.all() if request.user.is_superuser else organizers_for_user(user=request.user)

    def progress_view(self, request: HttpRequest, import_id: int) -> HttpResponse:
        """Where an import stands; the page reloads itself (a meta refresh: no script) until it ends.
        A stopped import can be resumed from here."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = StatementImport.objects.filter(pk=import_id, organizer__in=self._organizers(request)).first()
        if job is None:
            raise Http404
        if request.method == "POST" and job.state == StatementImportState.FAILED:
            statement_import_resume(import_id=job.pk)
            return HttpResponseRedirect(request.path)
        finished = job.state in (StatementImportState.DONE, StatementImportState.FAILED)
        context = {**self.admin_site.each_context(request), "job": job, "finished": finished,
                   "summary": _statement_summary(job), "title": _("Bank statement import"),
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/payments/statement_import_progress.html", context)


def _statement_summary(job: StatementImport) -> str:
    return str(_(
        "%(r)d payments recorded, %(a)d lines already imported, %(u)d without an order code, %(p)d to check."
    ) % {"r": job.recorded, "a": job.already_imported, "u": job.unmatched, "p": job.problems})
