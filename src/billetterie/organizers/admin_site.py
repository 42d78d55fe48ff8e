"""The Django admin is the platform operators' tool (issue 11: « The Django admin stays for the
platform's operators only »): only superusers open it. Organisers' teams work in the back office,
/gestion/, where every page checks their role; a team member who reaches /admin/ (an old bookmark,
a staff flag left from before) is sent there with a message saying so.

An operator who turned two-factor sign-in on passes the code step too: the admin's own sign-in
asks only the password, so after it they are sent to the back office's sign-in, which asks the
code and brings them back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billetterie.organizers.second_factor import second_factor_missing

TEAM_MESSAGE = _("The Django admin is for the platform's operators. Your organiser's work is done here, in the "
                 "back office.")


def is_operator(user: Any) -> bool:
    return bool(user.is_active and user.is_superuser)


class OperatorAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in, for operators only: a team member is told where to sign in instead."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "not_operator": _("This sign-in is for the platform's operators. Organisers' teams sign in to the back "
                          "office, at /gestion/."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_operator(user):
            raise forms.ValidationError(self.error_messages["not_operator"], code="not_operator")


class OperatorsAdminSite(admin.AdminSite):
    login_form = OperatorAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return is_operator(request.user) and not second_factor_missing(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self.has_permission(request):
            if is_operator(user):  # the password only: the code is asked by the back office's sign-in
                logout(request)
                messages.info(request, _("Sign in with your code from your authentication app to open the admin."))
                return redirect_to_login(request.GET.get("next") or reverse("admin:index"), "backoffice:login")
            messages.info(request, TEAM_MESSAGE)
            return redirect("backoffice:home")
        return super().login(request, extra_context)
