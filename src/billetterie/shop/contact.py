"""The contact page, /<organiser>/contact/ (seed 000): a buyer writes to the organiser, from the
shop's footer or from their order's page (then with the order's reference, proved by the order's
secret link carried in the address, never by a code typed in the form).

Spam is held off without a third-party captcha: a field hidden from people (filled in: answered
like a success, nothing stored or sent), a signed time the form was shown (sent back too fast:
refused), and limits per sender address and per client (429). The rules are in
`messaging.services`; this view parses, calls them and renders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billetterie.core.errors import DomainError
from billetterie.core.ratelimit import RateLimited, answer_429, client_address
from billetterie.customers.selectors import customer_signed_in
from billetterie.messaging.models import BODY_MAX, NAME_MAX, SUBJECT_MAX
from billetterie.messaging.services import contact_form_stamp, contact_form_stamp_check, contact_message_send
from billetterie.orders.models import Order
from billetterie.orders.selectors import order_by_secret

from .context import shop_context
from .forms import MailableEmailField
from .views import _render

HONEYPOT = "website"


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=NAME_MAX,
                           error_messages=_required(gettext_lazy("Enter your name.")),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = MailableEmailField(label=gettext_lazy("Your email"),
                               help_text=gettext_lazy("The answer comes to this address, and so does your copy."),
                               error_messages={"required": gettext_lazy("Enter your email address."),
                                               "invalid": gettext_lazy("Enter a valid email address.")},
                               widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX,
                              error_messages=_required(gettext_lazy("Enter a subject.")))
    body = forms.CharField(label=gettext_lazy("Your message"), max_length=BODY_MAX,
                           error_messages=_required(gettext_lazy("Write your message.")),
                           widget=forms.Textarea(attrs={"rows": 8}))
    # left empty by people (hidden by the stylesheet, out of the tab order, named for robots)
    website = forms.CharField(label=gettext_lazy("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # the order's secret link, when the sender came from their order's page
    order = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    secret = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)


def _linked_order(request: HttpRequest, organizer_slug: str, data: Any) -> Order | None:
    """The order whose secret link the page was opened with; 404 for a wrong link (counted per
    client like every order link: past the limit, RateLimited, answered 429)."""
    code, secret = str(data.get("order") or ""), str(data.get("secret") or "")
    if not code and not secret:
        return None
    try:
        return order_by_secret(organizer_slug=organizer_slug, code=code, secret=secret,
                               client=client_address(request))
    except RateLimited:
        raise
    except DomainError:
        raise Http404 from None


def _proved_email(request: HttpRequest, organizer_id: int) -> str:
    """The address of the account the sender is signed in with, when its owner proved it."""
    customer = customer_signed_in(request.session, organizer_id)
    return customer.email if customer is not None and customer.email_verified_at is not None else ""


def _field_of(exc: DomainError) -> str | None:
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field")
    return field if isinstance(field, str) else None


@require_http_methods(["GET", "POST"])
@answer_429
def contact_page(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    organizer = ctx.organizer
    page = reverse("shop:contact", args=[organizer.slug])
    if request.method == "GET" and request.GET.get("sent") == "1":
        return _render(request, ctx, "shop/contact.html", {"sent": True})
    order = _linked_order(request, organizer.slug, request.POST if request.method == "POST" else request.GET)
    status, retry_after = 200, 0
    if request.method == "POST":
        form = ContactForm(request.POST)
        if request.POST.get(HONEYPOT):  # a robot: it is told what a person would be told
            messages.success(request, _("Your message has been sent."))
            return HttpResponseRedirect(f"{page}?sent=1")
        if form.is_valid():
            data = form.cleaned_data
            try:
                contact_form_stamp_check(organizer=organizer, stamp=data["stamp"])
                contact_message_send(organizer=organizer, name=data["name"], email=data["email"],
                                     subject=data["subject"], body=data["body"], order=order,
                                     client=client_address(request), locale=get_language() or "fr",
                                     proved_email=_proved_email(request, organizer.pk))
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except DomainError as exc:
                field = _field_of(exc)
                form.add_error(field if field in form.fields else None, exc.message)
                status = 400
            else:
                messages.success(request, _("Your message has been sent."))
                return HttpResponseRedirect(f"{page}?sent=1")
        else:
            status = 400
        # shown again with its errors and what was typed, with a new stamp: the time counts anew
        again = request.POST.copy()
        again["stamp"] = contact_form_stamp(organizer=organizer)
        form.data = again
    else:
        initial = {"stamp": contact_form_stamp(organizer=organizer)}
        if order is not None:
            initial.update(order=order.code, secret=order.secret, name=order.name, email=order.email,
                           subject=_("My order %(code)s") % {"code": order.code})
        elif (customer := customer_signed_in(request.session, organizer.pk)) is not None:
            initial.update(name=customer.name, email=customer.email)
        form = ContactForm(initial=initial)
    response = _render(request, ctx, "shop/contact.html", {"form": form, "order": order}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
