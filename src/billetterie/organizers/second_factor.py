"""Whether a signed-in person still owes their two-factor code: the one rule the back office and
the check-in app's staff pages share (it lives here, below both, so neither imports the other).

A person who turned two-factor on (a confirmed TOTP device, django-otp) and whose session did
not pass the code step — signed in through a page that asks no code — is not signed in for staff
pages: they are sent to the back office's sign-in, which asks it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The person's authentication app, once they confirmed it with a code (None: no two-factor)."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def second_factor_missing(request: HttpRequest) -> bool:
    """A signed-in person who turned two-factor on but whose session did not give a code."""
    user = request.user
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    return not (verified is not None and verified()) and confirmed_device(user) is not None
