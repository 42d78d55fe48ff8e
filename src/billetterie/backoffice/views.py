"""Sign-in (password, then a code for those who turned two-factor on), sign-out, the choice of
organiser, the person's own account (password, two-factor) and the invitation link's page; each
section's pages are in its own package."""

from __future__ import annotations

from typing import cast

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict
from billetterie.core.ratelimit import RateLimited
from billetterie.organizers.permissions import role_perms
from billetterie.organizers.selectors import workplaces
from billetterie.organizers.services import invitation_accept, invitation_user

from .access import Backoffice, BackofficeRequest, first_page_for, organizer_view
from .auth import (
    CodeForm,
    SignInForm,
    check_code_limits,
    check_password_limits,
    check_sign_in_limits,
    code_verify,
    confirmed_device,
    otpauth_url,
    pending_end,
    pending_start,
    pending_user,
    qr_svg,
    second_factor_missing,
    secret_text,
    totp_confirm,
    totp_setup_device,
    totp_setup_start,
    totp_turn_off,
)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("backoffice:home")


def _next_url(request: HttpRequest) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")


@never_cache
@csrf_protect
@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        try:
            check_sign_in_limits(request, email)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            user = auth.authenticate(request, username=email, password=password)
            if user is None:
                form.add_error(None, _("This email and password do not match an account."))
            elif confirmed_device(user) is not None:
                pending_start(request, cast(User, user), _next_url(request))
                return redirect("backoffice:login_code")
            else:
                auth.login(request, user)
                return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "backoffice/sign_in.html", context, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("code")
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the person's authentication app."""
    pending = pending_user(request)
    if pending is None:
        messages.info(request, _("Sign in again: the code was not given in time."))
        return redirect("backoffice:login")
    user, backend, next_url = pending
    device = confirmed_device(user)
    if device is None:  # turned off meanwhile: the password was enough
        pending_end(request)
        auth.login(request, user, backend=backend or None)
        return redirect(_safe_next(request, next_url))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check_code_limits(request, user.pk)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            if code_verify(device, form.cleaned_data["code"]):
                pending_end(request)
                auth.login(request, user, backend=backend or None)
                otp_login(request, device)
                return redirect(_safe_next(request, next_url))
            form.add_error("code", _("This code is not right, or was already used: type the one your app shows "
                                     "now."))
    return render(request, "backoffice/sign_in_code.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("backoffice:login")


def _second_factor_redirect(request: HttpRequest) -> HttpResponseBase:
    auth.logout(request)
    return redirect_to_login(request.get_full_path(), "backoffice:login")


@never_cache
@login_required(login_url="backoffice:login")
def home(request: HttpRequest) -> HttpResponseBase:
    """The organisers the person works for; straight into the only one."""
    if second_factor_missing(request):
        return _second_factor_redirect(request)
    places = workplaces(user=request.user)
    if len(places) == 1:
        organizer, role = places[0]
        return redirect(first_page_for(Backoffice(organizer, role, role_perms(role), places)), organizer.slug)
    return render(request, "backoffice/home.html", {"places": places})


@organizer_view(None)
def organizer_home(request: BackofficeRequest) -> HttpResponseBase:
    return redirect(first_page_for(request.bo), request.bo.organizer.slug)


# --- my account -----------------------------------------------------------------------------------


def _account_user(request: HttpRequest) -> User | None:
    if not request.user.is_authenticated or second_factor_missing(request):
        return None
    return cast(User, request.user)


@never_cache
@csrf_protect
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def account(request: HttpRequest) -> HttpResponseBase:
    """The signed-in person's own account: their password, two-factor sign-in."""
    user = _account_user(request)
    if user is None:
        return _second_factor_redirect(request)
    form = PasswordChangeForm(user, request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            check_password_limits(request, user)
        except RateLimited as exc:
            # a fresh form: the bound one would say whether the password typed was right
            return _account_page(request, user, PasswordChangeForm(user), 429, exc.message)
        if form.is_valid():
            form.save()
            auth.update_session_auth_hash(request, form.user)
            audit_record(action="account.password_changed", subject=user, organizer_id=None)
            messages.success(request, _("Your password is changed."))
            return redirect("backoffice:account")
        status = 400
    return _account_page(request, user, form, status)


def _account_page(request: HttpRequest, user: User, form: PasswordChangeForm, status: int,
                  refusal: str = "") -> HttpResponse:
    if refusal:
        messages.error(request, refusal)
    context = {"form": form, "two_factor": confirmed_device(user) is not None, "places": workplaces(user=user)}
    return render(request, "backoffice/account.html", context, status=status)


@never_cache
@csrf_protect
@sensitive_variables("device", "secret", "url", "qr")
@sensitive_post_parameters("code")
def account_two_factor(request: HttpRequest) -> HttpResponseBase:
    """Turn two-factor on: a QR code (and its secret, to type) for the app, then one code from it.
    The page is never cached and the secret is never logged."""
    user = _account_user(request)
    if user is None:
        return _second_factor_redirect(request)
    if confirmed_device(user) is not None:
        return redirect("backoffice:account")
    form = CodeForm(request.POST or None)
    status = 200
    device = totp_setup_device(user) if request.method == "POST" else None
    if request.method == "POST":
        if device is None:
            messages.error(request, _("Scan the new QR code: the page was out of date."))
            return redirect("backoffice:account_two_factor")
        if form.is_valid():
            try:
                check_code_limits(request, user.pk)
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            else:
                if totp_confirm(request, device, form.cleaned_data["code"]):
                    messages.success(request, _("Two-factor sign-in is on: from now on, signing in asks a code "
                                                "from your app after your password."))
                    return redirect("backoffice:account")
                form.add_error("code", _("This code is not right: check the time of your phone and type the code "
                                         "your app shows now."))
                status = 400
        else:
            status = 400
    else:
        device = totp_setup_start(user)
    url = otpauth_url(device, user)
    secret, qr = secret_text(device), qr_svg(url)
    context = {"form": form, "secret": secret, "qr": qr}
    response = render(request, "backoffice/account_two_factor.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@csrf_protect
@sensitive_post_parameters("password")
def account_two_factor_off(request: HttpRequest) -> HttpResponseBase:
    """Turn two-factor off, with the person's password."""
    user = _account_user(request)
    if user is None:
        return _second_factor_redirect(request)
    try:
        check_password_limits(request, user)
    except RateLimited as exc:
        return _account_page(request, user, PasswordChangeForm(user), 429, exc.message)
    if not user.check_password(request.POST.get("password", "")):
        messages.error(request, _("Your password is not right: two-factor sign-in stays on."))
    else:
        totp_turn_off(user)
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("backoffice:account")


# --- invitation --------------------------------------------------------------------------------


@never_cache
@csrf_protect
@sensitive_post_parameters("new_password1", "new_password2")
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invited person chooses their password (the link works for a few days, once)."""
    user = invitation_user(token=token)
    if user is None:
        return render(request, "backoffice/invitation.html", {"invalid": True}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
            except Conflict:
                return render(request, "backoffice/invitation.html", {"invalid": True}, status=410)
            if request.user.is_authenticated:
                auth.logout(request)
            if confirmed_device(user) is not None:  # their sign-in asks a code too
                messages.success(request, _("Your password is set: sign in."))
                return redirect("backoffice:login")
            auth.login(request, user, backend="billetterie.backoffice.auth.EmailBackend")
            messages.success(request, _("Welcome! Your password is set: sign in with your email address and it "
                                        "from now on."))
            return redirect("backoffice:home")
        status = 400
    return render(request, "backoffice/invitation.html", {"form": form, "invited": user}, status=status)
