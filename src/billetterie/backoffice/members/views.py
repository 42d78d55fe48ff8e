"""Members (« Adhérents », issue 12 item 6): the register with its search, filters, active
members per type and export; a member's page (details, memberships, cards); a membership taken by
hand, paid through the box office's sale (decision 0022) or granted without money for a type that
is not sold; a member's details corrected.

Reading needs VIEW; adding a member, BOX_OFFICE (money taken in hand); correcting details,
ORDERS (as changing an attendee). The rules are in `memberships.register` and the services."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from billetterie.cart.services import CartAdd
from billetterie.core import audit, clock
from billetterie.core.errors import Conflict, DomainError
from billetterie.memberships.models import Member, Membership
from billetterie.memberships.register import (
    active_members_by_type,
    active_members_count,
    member_details_update,
    member_history,
    member_of,
    register_memberships,
)
from billetterie.memberships.selectors import membership_state
from billetterie.memberships.services import membership_grant
from billetterie.orders.services import Checkout, LineSpec, Person
from billetterie.organizers.permissions import Perm
from billetterie.payments.box_office import box_office_methods, box_office_sell
from billetterie.tickets.membership_card import membership_card_file_name, membership_card_pdf, validity_text

from ..access import BackofficeRequest, forbidden, organizer_view
from .forms import AddMemberForm, MemberForm, RegisterFilterForm

PER_PAGE = 50


def _today() -> Any:
    return timezone.localdate(clock.now())


@organizer_view(Perm.VIEW)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer = request.bo.organizer
    form = RegisterFilterForm(request.GET or None, organizer=organizer)
    filters = form.filters()
    found = register_memberships(filters).select_related("member", "type", "order_line__order")
    total = found.count()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    today = filters.on
    rows = [(m, membership_state(m, on=today)) for m in found[(page - 1) * PER_PAGE: page * PER_PAGE]]
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    base = urlencode(query)
    return render(request, "backoffice/members/index.html", {
        "form": form, "rows": rows, "total": total, "page": page, "pages": pages, "filtered": bool(query),
        "previous_url": f"?{base}&page={page - 1}" if page > 1 else "",
        "next_url": f"?{base}&page={page + 1}" if page < pages else "",
        "counts": active_members_by_type(organizer_id=organizer.pk, on=today),
        "active_total": active_members_count(organizer_id=organizer.pk, on=today),
        "export": filters.params() if not form.errors else {},
        "can_export": request.bo.can(Perm.EXPORTS), "can_add": request.bo.can(Perm.BOX_OFFICE),
    }, status=400 if form.errors else 200)


def _member_or_404(request: BackofficeRequest, adherent_id: int) -> Member:
    member = member_of(organizer_id=request.bo.organizer.pk, member_id=adherent_id)
    if member is None:
        raise Http404
    return member


@organizer_view(Perm.VIEW)
def detail(request: BackofficeRequest, adherent_id: int) -> HttpResponse:
    member = _member_or_404(request, adherent_id)
    today = _today()
    history = [(m, membership_state(m, on=today), validity_text(membership=m)) for m in member_history(member=member)]
    return render(request, "backoffice/members/detail.html", {
        "member": member, "history": history, "can_edit": request.bo.can(Perm.ORDERS),
        "can_add": request.bo.can(Perm.BOX_OFFICE),
    })


@organizer_view(None)
def card(request: BackofficeRequest, adherent_id: int, membership_id: int) -> HttpResponseBase:
    """A membership's card and certificate, to print or send (readers and the box office)."""
    if not (request.bo.can(Perm.VIEW) or request.bo.can(Perm.BOX_OFFICE)):
        return forbidden(request, request.bo)
    member = _member_or_404(request, adherent_id)
    membership = Membership.objects.filter(pk=membership_id, member=member).first()
    if membership is None:
        raise Http404
    response = HttpResponse(membership_card_pdf(membership=membership), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{membership_card_file_name(membership=membership)}"'
    return response


@never_cache
@organizer_view(Perm.ORDERS)
def edit(request: BackofficeRequest, adherent_id: int) -> HttpResponseBase:
    member = _member_or_404(request, adherent_id)
    form = MemberForm(request.POST or None, initial=MemberForm.initial_of(member))
    if request.method == "POST" and form.is_valid():
        audit.bind(audit.staff(request.user))
        try:
            member_details_update(organizer_id=request.bo.organizer.pk, member_id=member.pk, details=form.details())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The member's details were saved."))
            return redirect("backoffice:members:detail", request.bo.organizer.slug, member.pk)
    return render(request, "backoffice/members/edit.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


def _request_hash(request: BackofficeRequest) -> str:
    fields = sorted((k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "sale_key"))
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def _renewed(request: BackofficeRequest) -> Member | None:
    """The member a membership is added to (« Ajouter une adhésion » on their page), if any."""
    raw = request.POST.get("adherent") or request.GET.get("adherent") or ""
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return None
    return member_of(organizer_id=request.bo.organizer.pk, member_id=int(raw))


@never_cache
@organizer_view(Perm.BOX_OFFICE)
def add(request: BackofficeRequest) -> HttpResponseBase:
    """A membership taken by hand: the member's details, the type, the money received."""
    organizer = request.bo.organizer
    renewed = _renewed(request)
    methods = box_office_methods(organizer=organizer)
    initial: dict[str, Any] = {"sale_key": secrets.token_urlsafe(16)}
    if renewed is not None:
        initial.update(MemberForm.initial_of(renewed))
    form = AddMemberForm(request.POST or None, initial=initial, organizer=organizer, methods=methods)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            audit.bind(audit.staff(request.user))  # the sale and the membership are this staff member's
            try:
                membership = _membership_add(request, form, renewed)
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status if 400 <= exc.status < 500 else 409
            else:
                messages.success(request, _("Membership of %(name)s recorded: member no. %(number)s.") % {
                    "name": str(membership.member), "number": membership.member.number})
                if request.bo.can(Perm.VIEW):
                    return redirect("backoffice:members:detail", organizer.slug, membership.member_id)
                url = reverse("backoffice:members:card", args=[organizer.slug, membership.member_id, membership.pk])
                return redirect(reverse("backoffice:members:add", args=[organizer.slug]) + "?"
                                + urlencode({"carte": url}))
        else:
            status = 400
    card_url = request.GET.get("carte", "")
    return render(request, "backoffice/members/add.html", {
        "form": form, "renewed": renewed, "methods": methods,
        "card_url": card_url if card_url.startswith(f"/gestion/{organizer.slug}/adherents/") else "",
    }, status=status)


def _membership_add(request: BackofficeRequest, form: AddMemberForm, renewed: Member | None) -> Membership:
    """A sold type: a box-office sale of its product at the price of the amount, whose payment
    grants the membership (orders.memberships); a type not sold: granted, no money."""
    data = form.cleaned_data
    membership_type, details = data["type"], form.details()
    if membership_type.product_id is None:
        return membership_grant(membership_type=membership_type, details=details, on=_today(), member=renewed)
    name = f"{details.first_name} {details.last_name}".strip()
    holder: dict[str, object] = {key: value for key, value in (
        ("first_name", details.first_name), ("last_name", details.last_name), ("phone", details.phone),
        ("address", details.address), ("postcode", details.postcode), ("city", details.city),
        ("country", details.country), ("birth_date", details.birth_date.isoformat() if details.birth_date else ""),
    ) if value}
    person = Person(name=name, email=details.email, holder=holder,
                    renews_member_id=renewed.pk if renewed is not None else None)
    line = LineSpec(item=CartAdd(product=membership_type.product, price=data["price"]), person=person)
    with transaction.atomic():
        sale = box_office_sell(
            organizer=request.bo.organizer, lines=[line],
            checkout=Checkout(email=details.email, name=name, phone=details.phone, locale="fr"),
            method=data["method"], sale_key=data["sale_key"], request_hash=_request_hash(request),
            reference=data["reference"], send_email=bool(data["send_email"] and details.email),
        )
        membership = Membership.objects.select_related("member").filter(order_line__order=sale.order).first()
        if membership is None:  # the product no longer sells this type: nothing must stay half done
            raise Conflict(_("This membership type is no longer sold by its product: nothing was recorded."),
                           code="membership_not_granted")
    return membership
