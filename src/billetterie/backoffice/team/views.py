"""The team: who works for the organiser and with which role; invite by email, change a role,
take someone out (never the last administrator). The rules and the audit entries are in
`organizers.services`."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billetterie.core.errors import DomainError
from billetterie.organizers.models import Role, TeamMember
from billetterie.organizers.permissions import ROLE_PERMS, Perm
from billetterie.organizers.services import team_member_invite, team_member_remove, team_member_role_set

from ..access import BackofficeRequest, organizer_view
from .emails import invitation_send
from .forms import InviteForm, RoleForm

log = logging.getLogger(__name__)

PERM_LABELS = {
    Perm.VIEW: gettext_lazy("see the figures, orders and catalogue"),
    Perm.CATALOG: gettext_lazy("change the catalogue"),
    Perm.ORDERS: gettext_lazy("handle orders"),
    Perm.MONEY: gettext_lazy("record payments and refunds"),
    Perm.EXPORTS: gettext_lazy("export"),
    Perm.BOX_OFFICE: gettext_lazy("sell at the box office"),
    Perm.CHECKIN: gettext_lazy("set up check-in"),
    Perm.SCAN: gettext_lazy("scan tickets at the door"),
    Perm.SETTINGS: gettext_lazy("change the settings"),
    Perm.TEAM: gettext_lazy("manage the team"),
    Perm.BOOKS: gettext_lazy("see the books (ledger, invoices, journal, receipts, payouts)"),
}


def _members(request: BackofficeRequest) -> list[TeamMember]:
    return list(TeamMember.objects.filter(organizer=request.bo.organizer).select_related("user")
                .order_by("user__last_name", "user__first_name", "user__email"))


def _page(request: BackofficeRequest, form: InviteForm, status: int = 200) -> HttpResponse:
    members = _members(request)
    rows = [{"member": m, "form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"),
             "invited": not m.user.has_usable_password(), "me": m.user_id == request.user.pk} for m in members]
    roles = [{"label": label, "can": [str(PERM_LABELS[p]) for p in Perm if p in ROLE_PERMS[value]]}
             for value, label in Role.choices]
    return render(request, "backoffice/team/index.html",
                  {"rows": rows, "form": form, "roles": roles}, status=status)


@organizer_view(Perm.TEAM)
def index(request: BackofficeRequest) -> HttpResponse:
    return _page(request, InviteForm())


def _send(request: BackofficeRequest, member: TeamMember) -> None:
    user = member.user
    try:
        invitation_send(request=request, organizer=request.bo.organizer, user=user, role=member.role,
                        with_link=not user.has_usable_password())
    except Exception as exc:
        log.warning("team invitation email to member %s not sent: %s", member.pk, type(exc).__name__)
        messages.error(request, _("%(email)s is in the team, but the email could not be sent: try “Send the "
                                  "invitation again” in a moment.") % {"email": user.email})
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})


@organizer_view(Perm.TEAM)
@require_POST
def invite(request: BackofficeRequest) -> HttpResponseBase:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, form, 400)
    data = form.cleaned_data
    try:
        invitation = team_member_invite(organizer=request.bo.organizer, email=data["email"], role=data["role"],
                                        first_name=data["first_name"], last_name=data["last_name"])
    except DomainError as exc:
        field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
        form.add_error(field if field in form.fields else None, exc.message)
        return _page(request, form, 400)
    _send(request, invitation.member)
    return redirect("backoffice:team:index", request.bo.organizer.slug)


def _member(request: BackofficeRequest, member_id: int) -> TeamMember:
    member = TeamMember.objects.select_related("user").filter(organizer=request.bo.organizer, pk=member_id).first()
    if member is None:
        raise Http404
    return member


@organizer_view(Perm.TEAM)
@require_POST
def role_set(request: BackofficeRequest, member_id: int) -> HttpResponseBase:
    member = _member(request, member_id)
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("backoffice:team:index", request.bo.organizer.slug)
    try:
        team_member_role_set(organizer=request.bo.organizer, member_id=member.pk, role=form.cleaned_data["role"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, InviteForm(), exc.status)
    messages.success(request, _("%(email)s is now: %(role)s.") % {
        "email": member.user.email, "role": Role(form.cleaned_data["role"]).label})
    return redirect("backoffice:team:index", request.bo.organizer.slug)


@organizer_view(Perm.TEAM)
@require_POST
def remove(request: BackofficeRequest, member_id: int) -> HttpResponseBase:
    member = _member(request, member_id)
    try:
        team_member_remove(organizer=request.bo.organizer, member_id=member.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, InviteForm(), exc.status)
    messages.success(request, _("%(email)s is no longer in the team.") % {"email": member.user.email})
    if member.user_id == request.user.pk and not request.user.is_superuser:
        return redirect("backoffice:home")
    return redirect("backoffice:team:index", request.bo.organizer.slug)


@organizer_view(Perm.TEAM)
@require_POST
def resend(request: BackofficeRequest, member_id: int) -> HttpResponseBase:
    _send(request, _member(request, member_id))
    return redirect("backoffice:team:index", request.bo.organizer.slug)
