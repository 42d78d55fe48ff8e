"""Sign-in to the back office with an email address and a password, the attempts rate-limited per
client and per address (the answer never says which of the two was wrong), then, for a person who
turned it on, a code from an authentication app (TOTP)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django import forms
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from billetterie.core import clock, ratelimit
from billetterie.core.audit import audit_record

# the shared rule (the check-in app's staff pages apply it too), re-exported for the back office's views
from billetterie.organizers.second_factor import confirmed_device as confirmed_device
from billetterie.organizers.second_factor import second_factor_missing as second_factor_missing

SIGN_IN_PER_CLIENT = ratelimit.Limit("bo-signin-client", per_window=20, window_seconds=300)
SIGN_IN_PER_EMAIL = ratelimit.Limit("bo-signin-email", per_window=10, window_seconds=900)


class EmailBackend(ModelBackend):
    """Authenticates by email address (case-insensitive) as well as by user name."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None or "@" not in username:
            return None
        for user in User.objects.filter(email__iexact=username.strip(), is_active=True):
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True,
                                                                                             "autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), strip=False, max_length=200,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def check_sign_in_limits(request: HttpRequest, email: str) -> None:
    """Count one attempt; RateLimited past either limit (before the password is even checked)."""
    client = ratelimit.client_address(request)
    over_client = ratelimit.bump(SIGN_IN_PER_CLIENT, client) > SIGN_IN_PER_CLIENT.per_window
    over_email = ratelimit.bump(SIGN_IN_PER_EMAIL, email.lower()) > SIGN_IN_PER_EMAIL.per_window
    if over_client:
        raise ratelimit.refusal(SIGN_IN_PER_CLIENT, str(_("Too many sign-in attempts: wait a few minutes.")))
    if over_email:
        raise ratelimit.refusal(SIGN_IN_PER_EMAIL, str(_("Too many sign-in attempts: wait a few minutes.")))


def check_password_limits(request: HttpRequest, user: User) -> None:
    """Count one check of a signed-in person's current password (« Mon compte »: to change it, to
    turn two-factor off) against the sign-in's limits: a session left open is no way to guess it."""
    check_sign_in_limits(request, user.email or user.get_username())


# --- two-factor sign-in (TOTP, optional per person) ---------------------------------------------
#
# A person who turned it on signs in in two steps: the password, then a code from their phone.
# Between the two the session holds only who is half-way (`PENDING_KEY`, for a few minutes): it is
# not signed in until the code is right. The codes are counted per person and per client, and
# the device itself slows down after wrong codes (django-otp's throttling).

PENDING_KEY = "bo_second_factor"
PENDING_SECONDS = 300
CODE_PER_USER = ratelimit.Limit("bo-2fa-user", per_window=5, window_seconds=300)
CODE_PER_CLIENT = ratelimit.Limit("bo-2fa-client", per_window=20, window_seconds=300)
TOTP_ISSUER = "billetterie"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authentication app"), max_length=12, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                      "pattern": "[0-9 ]*"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isascii() or not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the 6 digits shown by your app."))
        return code


def pending_start(request: HttpRequest, user: User, next_url: str) -> None:
    """The password was right and a code is needed: remember who, for PENDING_SECONDS."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk, "backend": getattr(user, "backend", ""), "next": next_url,
        "until": int(clock.now().timestamp()) + PENDING_SECONDS,
    }


def pending_user(request: HttpRequest) -> tuple[User, str, str] | None:
    """(user, backend, next) of a sign-in half-way; None when there is none or it is too old."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or int(data.get("until", 0)) < int(clock.now().timestamp()):
        return None
    user_id = data.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, str(data.get("backend") or ""), str(data.get("next") or "")


def pending_end(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def check_code_limits(request: HttpRequest, user_id: int) -> None:
    client = ratelimit.client_address(request)
    over_client = ratelimit.bump(CODE_PER_CLIENT, client) > CODE_PER_CLIENT.per_window
    over_user = ratelimit.bump(CODE_PER_USER, str(user_id)) > CODE_PER_USER.per_window
    if over_client or over_user:
        limit = CODE_PER_CLIENT if over_client else CODE_PER_USER
        raise ratelimit.refusal(limit, str(_("Too many codes tried: wait a few minutes.")))


def code_verify(device: TOTPDevice, code: str) -> bool:
    """Whether the code is right (each code once); False too while the device is slowed down
    after wrong codes."""
    allowed, _details = device.verify_is_allowed()
    return bool(allowed) and bool(device.verify_token(code))


def totp_setup_start(user: User) -> TOTPDevice:
    """The device being set up (not confirmed yet), with a fresh secret: turning two-factor on
    shows its QR code and asks a code before it counts."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=str(_("Authentication app")), confirmed=False)
    device.key = default_key()
    device.save()
    return device


def totp_setup_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def totp_confirm(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Turn two-factor on with the device being set up once a code from it is right; the session
    counts as verified from then on."""
    if not code_verify(device, code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action="account.two_factor_on", subject=device.user, organizer_id=None,
                     changes={"two_factor": [False, True]})
    otp_login(request, device)
    return True


def totp_turn_off(user: User) -> None:
    with transaction.atomic():
        deleted, _rows = TOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit_record(action="account.two_factor_off", subject=user, organizer_id=None,
                         changes={"two_factor": [True, False]})


def otpauth_url(device: TOTPDevice, user: User) -> str:
    """What the QR code holds: the otpauth:// address authentication apps read (the secret in it)."""
    label = f"{TOTP_ISSUER}:{user.email or user.get_username()}"
    params = urlencode({"secret": secret_text(device), "issuer": TOTP_ISSUER, "algorithm": "SHA1",
                        "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{quote(label)}?{params}"


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app (base 32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(text: str) -> str:
    """An inline SVG QR code (segno): no image file, nothing sent anywhere."""
    return str(segno.make(text, error="m").svg_inline(scale=5, dark="#1c2430", light="#fff"))
