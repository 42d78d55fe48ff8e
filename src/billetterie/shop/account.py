"""The buyer's account in an organiser's shop, /<organiser>/account/… (issue 12, item 5;
decisions 0021 and 0023): optional, guest checkout stays the default.

Sign-in by a link emailed to the address (it works once, for 30 minutes; the page that answers
the request is the same whether the address has an account or not) or by a password set from the
account page. Signing in changes the session's key (no session fixation) and stores the
customer's id under `customers.selectors.session_key(organizer)`. The account page lists the
orders and memberships, offers the tickets again, sends a confirmation again, edits the contact
details, downloads the personal data and deletes the account. The rules are in
`customers.services`; these views parse, call them and render."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billetterie.catalog.models import ProductKind
from billetterie.core import clock
from billetterie.core.errors import DomainError
from billetterie.core.ratelimit import RateLimited, answer_429, client_address
from billetterie.customers.models import Customer
from billetterie.customers.selectors import customer_signed_in, session_key, session_value
from billetterie.customers.services import (
    DELETE_WORD,
    NAME_MAX,
    PHONE_MAX,
    AccountPart,
    account_part_register,
    confirmation_resend_check,
    customer_data,
    customer_delete,
    customer_details_update,
    email_change_request,
    password_set,
    password_sign_in,
    sign_in_link_request,
    sign_in_link_use,
    sign_in_link_valid,
)
from billetterie.invoicing import accounts as invoicing_accounts
from billetterie.memberships import accounts as member_accounts
from billetterie.memberships.models import Membership
from billetterie.memberships.selectors import membership_state
from billetterie.notifications.services import email_order_confirmed_resend
from billetterie.orders import accounts as order_accounts
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import REFUND_COUNTING_STATES, Refund
from billetterie.taxreceipts import accounts as receipt_accounts

from .context import ShopContext, shop_context
from .forms import MailableEmailField
from .views import _render


def _nothing_to_join(customer: Customer) -> int:
    return 0  # they follow their orders, which the orders' part joins


def register() -> None:
    """At start-up (the shop's AppConfig): what orders and memberships keep about an account,
    and the sign-in link's email."""
    from billetterie.notifications import customers as customer_emails

    # the books' documents first: the orders' erasure detaches the orders they find the account by
    account_part_register(AccountPart(name="invoicing", join=_nothing_to_join,
                                      export=invoicing_accounts.invoicing_export,
                                      erase=invoicing_accounts.invoicing_erase))
    account_part_register(AccountPart(name="tax_receipts", join=_nothing_to_join,
                                      export=receipt_accounts.receipts_export, erase=receipt_accounts.receipts_erase))
    account_part_register(AccountPart(name="orders", join=order_accounts.orders_join_customer,
                                      export=order_accounts.orders_export, erase=order_accounts.orders_erase))
    account_part_register(AccountPart(name="members", join=member_accounts.members_join_customer,
                                      export=member_accounts.members_export, erase=member_accounts.members_erase))
    customer_emails.register()


# --- forms ----------------------------------------------------------------------------------------


def _email_field(label: Any) -> MailableEmailField:
    return MailableEmailField(label=label, max_length=254,
                              error_messages={"required": gettext_lazy("Enter your email address."),
                                              "invalid": gettext_lazy("Enter a valid email address.")},
                              widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class LinkForm(forms.Form):
    email = _email_field(gettext_lazy("Your email"))
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class PasswordSignInForm(forms.Form):
    email = _email_field(gettext_lazy("Your email"))
    password = forms.CharField(label=gettext_lazy("Password"), max_length=200, strip=False,
                               error_messages={"required": gettext_lazy("Enter your password.")},
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class DetailsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=PHONE_MAX, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel"}))


class EmailChangeForm(forms.Form):
    email = _email_field(gettext_lazy("New email address"))


class PasswordSetForm(forms.Form):
    current = forms.CharField(label=gettext_lazy("Current password"), max_length=200, strip=False, required=False,
                              widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    password = forms.CharField(label=gettext_lazy("New password"), max_length=200, strip=False, required=False,
                               help_text=gettext_lazy("Leave it empty to sign in by emailed link only."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class DeleteForm(forms.Form):
    confirmation = forms.CharField(label=gettext_lazy("Type SUPPRIMER to confirm"), max_length=20,
                                   error_messages={"required": gettext_lazy("Type SUPPRIMER to confirm.")})


# --- helpers --------------------------------------------------------------------------------------


def _account_url(ctx: ShopContext) -> str:
    return reverse("shop:account", args=[ctx.organizer.slug])


def _sign_in_url(ctx: ShopContext) -> str:
    return reverse("shop:account_sign_in", args=[ctx.organizer.slug])


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _page(ctx: ShopContext, template: str, data: dict[str, Any], status: int = 200) -> HttpResponse:
    response = _render(ctx.request, ctx, template, data, status=status)
    # a link's token never leaves for another site in a Referer ("no-referrer" would do too much:
    # browsers then send the forms' Origin as "null", which the CSRF check refuses)
    response["Referrer-Policy"] = "same-origin"
    return _no_store(response)


def _error_status(exc: DomainError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


def _field_of(exc: DomainError, form: forms.Form) -> str | None:
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field")
    return field if isinstance(field, str) and field in form.fields else None


def _sign_in(request: HttpRequest, ctx: ShopContext, customer: Customer) -> None:
    """A new session key for the signed-in buyer: one planted before cannot follow them in."""
    request.session.cycle_key()
    request.session[session_key(ctx.organizer.pk)] = session_value(customer)


def _next_or_account(ctx: ShopContext, next_path: str) -> str:
    prefix = f"/{ctx.organizer.slug}/"
    if next_path.startswith(prefix) and "//" not in next_path and "\\" not in next_path:
        return next_path
    return _account_url(ctx)


SignedInView = Callable[..., HttpResponseBase]


def signed_in(view: SignedInView) -> Callable[..., HttpResponseBase]:
    """The view of a signed-in customer of this organiser; otherwise to the sign-in page."""

    @wraps(view)
    def wrapped(request: HttpRequest, organizer_slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ctx = shop_context(request, organizer_slug)
        customer = customer_signed_in(request.session, ctx.organizer.pk)
        if customer is None:
            if request.method != "GET":
                messages.info(request, _("Please sign in again."))
            return HttpResponseRedirect(_sign_in_url(ctx))
        return view(request, ctx, customer, *args, **kwargs)

    return wrapped


# --- signing in and out ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@answer_429
def sign_in_page(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    """Ask for a link (POST); the password form posts to `password_sign_in_view`."""
    ctx = shop_context(request, organizer_slug)
    if customer_signed_in(request.session, ctx.organizer.pk) is not None and request.method == "GET":
        return HttpResponseRedirect(_account_url(ctx))
    next_path = request.GET.get("next", "") if request.method == "GET" else request.POST.get("next", "")
    link_form = LinkForm(request.POST if request.method == "POST" else None, initial={"next": next_path})
    status = 200
    if request.method == "POST":
        if link_form.is_valid():
            try:
                sign_in_link_request(organizer=ctx.organizer, email=link_form.cleaned_data["email"],
                                     client=client_address(request), next_path=link_form.cleaned_data["next"],
                                     locale=get_language() or "fr")
            except RateLimited as exc:
                link_form.add_error(None, exc.message)
                status = 429
            except DomainError as exc:
                link_form.add_error(_field_of(exc, link_form), exc.message)
                status = _error_status(exc)
            else:
                # the same page whether the address has an account or not (and nothing of it in the address)
                return HttpResponseRedirect(reverse("shop:account_link_sent", args=[ctx.organizer.slug]))
        else:
            status = 400
    password_form = PasswordSignInForm(initial={"next": next_path})
    return _page(ctx, "shop/account/sign_in.html", {"link_form": link_form, "password_form": password_form},
                 status=status)


@require_GET
def link_sent_page(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    return _page(ctx, "shop/account/link_sent.html", {})


@require_POST
@answer_429
def password_sign_in_view(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    form = PasswordSignInForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            customer = password_sign_in(organizer=ctx.organizer, email=form.cleaned_data["email"],
                                        password=form.cleaned_data["password"], client=client_address(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = _error_status(exc)
        else:
            _sign_in(request, ctx, customer)
            messages.success(request, _("You are signed in."))
            return HttpResponseRedirect(_next_or_account(ctx, form.cleaned_data["next"]))
    link_form = LinkForm(initial={"next": request.POST.get("next", "")})
    return _page(ctx, "shop/account/sign_in.html", {"link_form": link_form, "password_form": form,
                                                    "password_open": True}, status=status)


@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, organizer_slug: str, token: str) -> HttpResponse:
    """The link from the email. GET only asks to confirm (a mail scanner opening links must not
    use it up); the button POSTs, which signs in (or confirms the new address)."""
    ctx = shop_context(request, organizer_slug)
    if request.method == "GET":
        link = sign_in_link_valid(organizer=ctx.organizer, token=token)
        if link is None:
            return _page(ctx, "shop/account/link_invalid.html", {}, status=410)
        return _page(ctx, "shop/account/link_confirm.html", {"link": link})
    try:
        customer, link = sign_in_link_use(organizer=ctx.organizer, token=token)
    except DomainError as exc:
        if exc.code == "link_invalid":
            return _page(ctx, "shop/account/link_invalid.html", {}, status=410)
        messages.error(request, exc.message)
        return _page(ctx, "shop/account/link_invalid.html", {"message": exc.message}, status=_error_status(exc))
    _sign_in(request, ctx, customer)
    if link.purpose == "email_change":
        messages.success(request, _("Your email address is now %(email)s.") % {"email": customer.email})
    else:
        messages.success(request, _("You are signed in."))
    return HttpResponseRedirect(_next_or_account(ctx, link.next_path))


@require_POST
def sign_out_view(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    if request.session.pop(session_key(ctx.organizer.pk), None) is not None:
        request.session.cycle_key()
    messages.info(request, _("You are signed out."))
    return HttpResponseRedirect(reverse("shop:home", args=[ctx.organizer.slug]))


# --- the account page -----------------------------------------------------------------------------


def _card_url(organizer_slug: str, membership: Membership, customer: Customer) -> str:
    """The membership card's download, behind the secret link of the paid order that bought it
    (the card's own view, `membership_card`); none for one added by hand or cancelled, nor for
    one bought by someone else's order: its secret link is not this account's to see."""
    line = membership.order_line
    order = line.order if line is not None else None
    if order is None or order.state != OrderState.PAID or membership.cancelled_at is not None:
        return ""
    if order.customer_id != customer.pk:
        return ""
    try:
        return reverse("membership_card", args=[organizer_slug, order.code, order.secret, membership.pk])
    except NoReverseMatch:  # the cards' view is not installed
        return ""


def _orders(customer: Customer) -> list[dict[str, Any]]:
    orders = list(order_accounts.orders_of_customer(customer=customer).prefetch_related("lines"))
    refunded = set(Refund.objects.filter(payment__order__in=[o.pk for o in orders], line__isnull=False,
                                         state__in=REFUND_COUNTING_STATES).values_list("line_id", flat=True))
    rows = []
    for order in orders:
        paid = order.state == OrderState.PAID
        tickets = [line for line in order.lines.all()
                   if paid and line.kind == ProductKind.TICKET and line.ticket_nonce is not None
                   and line.pk not in refunded]
        rows.append({"order": order, "tickets": tickets, "paid": paid,
                     "url": reverse("shop:order", args=[order.organizer.slug, order.code, order.secret])})
    return rows


def _members(ctx: ShopContext, customer: Customer) -> list[dict[str, Any]]:
    today = clock.now().date()
    return [{"member": member, "periods": [
        {"membership": m, "state": membership_state(m, on=today),
         "card_url": _card_url(ctx.organizer.slug, m, customer)}
        for m in member.memberships.all()
    ]} for member in member_accounts.members_of_customer(customer=customer)]


def _account_data(ctx: ShopContext, customer: Customer, **forms_: forms.Form) -> dict[str, Any]:
    return {
        "customer": customer, "orders": _orders(customer), "members": _members(ctx, customer),
        "details_form": forms_.get("details") or DetailsForm(initial={"name": customer.name, "phone": customer.phone}),
        "email_form": forms_.get("email") or EmailChangeForm(),
        "password_form": forms_.get("password") or PasswordSetForm(),
        "resend_key": secrets.token_urlsafe(16),
    }


@require_GET
@signed_in
def account_page(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    return _page(ctx, "shop/account/account.html", _account_data(ctx, customer))


@require_POST
@signed_in
def details_view(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    form = DetailsForm(request.POST)
    if form.is_valid():
        try:
            customer_details_update(customer=customer, name=form.cleaned_data["name"],
                                    phone=form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error(_field_of(exc, form), exc.message)
        else:
            messages.success(request, _("Your details are saved."))
            return HttpResponseRedirect(_account_url(ctx))
    return _page(ctx, "shop/account/account.html", _account_data(ctx, customer, details=form), status=400)


@require_POST
@signed_in
@answer_429
def email_view(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    form = EmailChangeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            email_change_request(customer=customer, email=form.cleaned_data["email"],
                                 client=client_address(request), locale=get_language() or "fr")
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except DomainError as exc:
            form.add_error(_field_of(exc, form), exc.message)
            status = _error_status(exc)
        else:
            messages.success(request, _("We have sent a link to %(email)s: your address changes when you open it.")
                             % {"email": form.cleaned_data["email"]})
            return HttpResponseRedirect(_account_url(ctx))
    return _page(ctx, "shop/account/account.html", _account_data(ctx, customer, email=form), status=status)


@require_POST
@signed_in
def password_view(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    form = PasswordSetForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            password_set(customer=customer, password=form.cleaned_data["password"],
                         current=form.cleaned_data["current"], client=client_address(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except DomainError as exc:
            form.add_error(_field_of(exc, form), exc.message)
            status = _error_status(exc)
        else:
            # the other sessions of this account are signed out; this one follows the new password
            _sign_in(request, ctx, customer)
            messages.success(request, _("Your password is saved.") if form.cleaned_data["password"]
                             else _("You now sign in by emailed link only."))
            return HttpResponseRedirect(_account_url(ctx))
    # shown again with its errors; a password field never shows what was typed
    return _page(ctx, "shop/account/account.html", _account_data(ctx, customer, password=form), status=status)


@require_POST
@signed_in
@answer_429
def resend_view(request: HttpRequest, ctx: ShopContext, customer: Customer, code: str) -> HttpResponse:
    order = order_accounts.orders_of_customer(customer=customer).filter(code=code).first()
    if order is None:
        raise Http404
    try:
        confirmation_resend_check(customer=customer)
        email_order_confirmed_resend(order_id=order.pk, key=f"account:{request.POST.get('key', '')[:40]}")
    except RateLimited:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_account_url(ctx))
    messages.success(request, _("The confirmation of order %(code)s has been sent again to %(email)s.")
                     % {"code": order.code, "email": order.email})
    return HttpResponseRedirect(_account_url(ctx))


@require_GET
@signed_in
def data_view(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    body = json.dumps(customer_data(customer=customer), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{ctx.organizer.slug}.json"'
    return _no_store(response)


@require_http_methods(["GET", "POST"])
@signed_in
def delete_view(request: HttpRequest, ctx: ShopContext, customer: Customer) -> HttpResponse:
    form = DeleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                customer_delete(customer=customer, confirmation=form.cleaned_data["confirmation"])
            except DomainError as exc:
                form.add_error("confirmation", exc.message)
            else:
                request.session.pop(session_key(ctx.organizer.pk), None)
                request.session.cycle_key()
                messages.success(request, _("Your account has been deleted."))
                return HttpResponseRedirect(reverse("shop:home", args=[ctx.organizer.slug]))
    return _page(ctx, "shop/account/delete.html", {"form": form, "customer": customer, "word": DELETE_WORD,
                                                   "order_count": Order.objects.filter(customer=customer).count()},
                 status=status)


account = "<slug:organizer_slug>/account/"
urlpatterns = [
    path(account, account_page, name="account"),
    path(account + "sign-in/", sign_in_page, name="account_sign_in"),
    path(account + "sign-in/sent/", link_sent_page, name="account_link_sent"),
    path(account + "sign-in/password/", password_sign_in_view, name="account_password_sign_in"),
    path(account + "link/<str:token>/", link_page, name="account_link"),
    path(account + "sign-out/", sign_out_view, name="account_sign_out"),
    path(account + "details/", details_view, name="account_details"),
    path(account + "email/", email_view, name="account_email"),
    path(account + "password/", password_view, name="account_password"),
    path(account + "orders/<str:code>/resend/", resend_view, name="account_resend"),
    path(account + "data.json", data_view, name="account_data"),
    path(account + "delete/", delete_view, name="account_delete"),
]
