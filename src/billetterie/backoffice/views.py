"""Sign-in, sign-out and the choice of organiser; each section's pages are in its own package."""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from billetterie.core.ratelimit import RateLimited
from billetterie.organizers.permissions import role_perms
from billetterie.organizers.selectors import workplaces

from .access import Backoffice, BackofficeRequest, first_page_for, organizer_view
from .auth import SignInForm, check_sign_in_limits


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("backoffice:home")


@never_cache
@csrf_protect
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
            else:
                auth.login(request, user)
                return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "backoffice/sign_in.html", context, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("backoffice:login")


@never_cache
@login_required(login_url="backoffice:login")
def home(request: HttpRequest) -> HttpResponseBase:
    """The organisers the person works for; straight into the only one."""
    places = workplaces(user=request.user)
    if len(places) == 1:
        organizer, role = places[0]
        return redirect(first_page_for(Backoffice(organizer, role, role_perms(role), places)), organizer.slug)
    return render(request, "backoffice/home.html", {"places": places})


@organizer_view(None)
def organizer_home(request: BackofficeRequest) -> HttpResponseBase:
    return redirect(first_page_for(request.bo), request.bo.organizer.slug)
