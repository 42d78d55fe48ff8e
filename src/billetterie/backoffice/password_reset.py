"""« Mot de passe oublié ? »: Django's password reset, for the people who sign in here (members of
an organiser's team, the platform's operators).

- The page answers the same whether the address is known or not (Django's form sends nothing to
  an unknown one and says nothing), and counts each request against a limit per address and per
  client (`core.ratelimit`): past it, a 429 with the form, nothing sent.
- The email goes through Django's mail (EMAIL_BACKEND, with its EMAIL_TIMEOUT), in the language of
  the page; its link holds Django's token, which works once (it signs the password's hash and the
  last sign-in, both changed by using it) and expires after PASSWORD_RESET_TIMEOUT (one day).
- Choosing the new password signs nobody in: the person signs in after, with their code too if
  they turned two-factor on, so a stolen mailbox alone does not pass the second factor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from billetterie.core import ratelimit
from billetterie.core.audit import audit_record

RESET_PER_CLIENT = ratelimit.Limit("bo-reset-client", per_window=10, window_seconds=3600)
RESET_PER_EMAIL = ratelimit.Limit("bo-reset-email", per_window=3, window_seconds=3600)


def check_reset_limits(request: Any, email: str) -> None:
    """Count one request; RateLimited past either limit (known address or not: the same)."""
    over_client = ratelimit.bump(RESET_PER_CLIENT, ratelimit.client_address(request)) > RESET_PER_CLIENT.per_window
    over_email = ratelimit.bump(RESET_PER_EMAIL, email.strip().lower()) > RESET_PER_EMAIL.per_window
    if over_client or over_email:
        limit = RESET_PER_CLIENT if over_client else RESET_PER_EMAIL
        raise ratelimit.refusal(limit, _("Too many requests for a new password: wait an hour and try again."))


class StaffPasswordResetForm(PasswordResetForm):
    """Only people who work here: a team member or an operator (a buyer's account signs in with
    its own emailed link in the shop)."""

    def get_users(self, email: str) -> Iterator[Any]:
        staff = Q(teams__isnull=False) | Q(is_superuser=True)
        users = User.objects.filter(staff, email__iexact=email, is_active=True).distinct()
        return (user for user in users if user.has_usable_password())


class ResetStart(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "backoffice/password/reset_form.html"
    email_template_name = "backoffice/password/reset_email.txt"
    subject_template_name = "backoffice/password/reset_subject.txt"
    success_url = reverse_lazy("backoffice:password_reset_sent")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            check_reset_limits(self.request, form.cleaned_data["email"])
        except ratelimit.RateLimited as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not settings.SITE_URL:
            return super().form_valid(form)
        # the link in the email: the site's address, not the request's Host (Django's view has no
        # domain_override of its own: the form's save takes it)
        site = urlsplit(settings.SITE_URL)
        form.save(domain_override=site.netloc, use_https=site.scheme == "https", request=self.request,
                  token_generator=self.token_generator, from_email=self.from_email,
                  email_template_name=self.email_template_name, subject_template_name=self.subject_template_name,
                  html_email_template_name=self.html_email_template_name, extra_email_context=self.extra_email_context)
        return HttpResponseRedirect(self.get_success_url())


class ResetSent(auth_views.PasswordResetDoneView):
    template_name = "backoffice/password/reset_sent.html"


class ResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "backoffice/password/reset_confirm.html"
    success_url = reverse_lazy("backoffice:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(action="account.password_reset", subject=form.user, organizer_id=None)
        return response


class ResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "backoffice/password/reset_complete.html"
