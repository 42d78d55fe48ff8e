"""Sign-in to the back office with an email address and a password, the attempts rate-limited per
client and per address (the answer never says which of the two was wrong)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billetterie.core import ratelimit

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
