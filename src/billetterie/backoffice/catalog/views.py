"""The catalogue in the back office (issue 11, item 3): events and membership pages, their dates,
products, prices, quotas and questions. Reading needs Perm.VIEW, every form and action
Perm.CATALOG (a role without it gets the 403 page, even for the form itself). Every record is
looked up inside the organiser of the address: another organiser's id is a 404. The rules and
the audit trail are `catalog.services`'; these views parse, call one service, and show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from billetterie.catalog import selectors, services
from billetterie.catalog.models import (
    Event,
    EventDate,
    Price,
    Product,
    ProductKind,
    Publication,
    Question,
    Quota,
    Section,
)
from billetterie.core.errors import DomainError
from billetterie.memberships.models import MembershipType
from billetterie.memberships.prices import price_member_types, price_requirement_for, price_requirement_set
from billetterie.memberships.services import membership_type_for_product, membership_types_copy
from billetterie.orders.selectors import sold_by_event
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view
from . import forms as f

TEMPLATES = "backoffice/catalog/"


# lookups, always inside the organiser of the address


def _event(request: BackofficeRequest, event_id: int) -> Event:
    return get_object_or_404(Event, pk=event_id, organizer=request.bo.organizer)


def _date(event: Event, date_id: int) -> EventDate:
    return get_object_or_404(EventDate.objects.select_related("event"), pk=date_id, event=event)


def _product(event: Event, product_id: int) -> Product:
    return get_object_or_404(Product.objects.select_related("event"), pk=product_id, event=event)


def _price(product: Product, price_id: int) -> Price:
    return get_object_or_404(Price.objects.select_related("product__event"), pk=price_id, product=product)


def _question(product: Product, question_id: int) -> Question:
    return get_object_or_404(Question.objects.select_related("product__event"), pk=question_id, product=product)


def _quota(event: Event, quota_id: int) -> Quota:
    return get_object_or_404(Quota.objects.select_related("event"), pk=quota_id, event=event, date=None)


def _url(request: BackofficeRequest, name: str, *args: Any) -> str:
    return reverse(f"backoffice:catalog:{name}", args=[request.bo.organizer.slug, *args])


def _event_url(request: BackofficeRequest, event: Event, anchor: str = "") -> str:
    return _url(request, "event", event.pk) + (f"#{anchor}" if anchor else "")


def _product_url(request: BackofficeRequest, product: Product) -> str:
    return _url(request, "product", product.event_id, product.pk)


def product_refusal(sales: int) -> str:
    """Why a product cannot be deleted (the catalogue service refuses with the same words)."""
    return ngettext("%(n)d sale: this product can only be deactivated.",
                    "%(n)d sales: this product can only be deactivated.", sales) % {"n": sales}


def price_refusal(sales: int) -> str:
    return ngettext("%(n)d sale: this price can only be deactivated.",
                    "%(n)d sales: this price can only be deactivated.", sales) % {"n": sales}


# the two shapes of page every change takes: a form, or a confirmation


def _form_page(request: BackofficeRequest, form: f.CatalogForm, save: Callable[[f.CatalogForm], Model],
               *, title: str, back: str, done: Callable[[Any], str], done_message: str,
               template: str = "form.html", **context: Any) -> HttpResponse:
    """GET shows the form; POST checks it and calls `save` (a catalogue service): bad input or a
    rule refused comes back with the message next to its field and what was typed kept (4xx)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save(form)
            except DomainError as exc:
                form.add_error(form.field_of((exc.details or {}).get("field")), exc.message)
                status = exc.status if 400 <= exc.status < 500 else 400
            else:
                messages.success(request, done_message)
                return redirect(done(saved))
        else:
            status = 400
    page = {"form": form, "title": title, "back": back, **context}
    return render(request, TEMPLATES + template, page, status=status)


def _confirm_page(request: BackofficeRequest, act: Callable[[], Any], *, title: str, question: str, button: str,
                  back: str, done: str, done_message: str, refusal: str = "", danger: bool = False,
                  instead: dict[str, str] | None = None) -> HttpResponse:
    """GET asks; POST does it (the service has the last word: a refusal shows with its reason and
    nothing changes). `refusal` known beforehand shows on the page instead of the button, with
    `instead` ({"url", "label"}) offered in its place."""
    status = 200
    if request.method == "POST" and not refusal:
        try:
            act()
        except DomainError as exc:
            refusal, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
        else:
            messages.success(request, done_message)
            return redirect(done)
    elif request.method == "POST":
        status = 409
    page = {"title": title, "question": question, "button": button, "back": back, "refusal": refusal,
            "danger": danger, "instead": instead}
    return render(request, TEMPLATES + "confirm.html", page, status=status)


# events


@never_cache
@organizer_view(Perm.VIEW)
def index(request: BackofficeRequest) -> HttpResponse:
    events = selectors.events_for_staff(organizer_id=request.bo.organizer.pk)
    sold = sold_by_event(event_ids=[e.pk for e in events])
    for event in events:
        event.sold = sold.get(event.pk, 0)  # type: ignore[attr-defined]
        event.badge = f.PUBLICATION_BADGES[Publication(event.publication)]  # type: ignore[attr-defined]
    groups = [
        (_("Events"), [e for e in events if e.section == Section.TICKETS], True),
        (_("Membership pages"), [e for e in events if e.section == Section.MEMBERSHIPS], False),
    ]
    return render(request, TEMPLATES + "index.html",
                  {"groups": groups, "can_change": request.bo.can(Perm.CATALOG)})


@never_cache
@organizer_view(Perm.VIEW)
def event_detail(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    products = selectors.event_products_for_staff(event=event)
    for product in products:
        product.refusal = product_refusal(product.sales) if product.sales else ""  # type: ignore[attr-defined]
    preview_url = ""
    if event.publication == Publication.PREVIEW:
        preview_url = request.build_absolute_uri(
            reverse("shop:preview", args=[request.bo.organizer.slug, event.slug, event.preview_token]))
    context = {
        "event": event, "badge": f.PUBLICATION_BADGES[Publication(event.publication)],
        "dates": selectors.event_dates_for_staff(event=event), "products": products,
        "quotas": selectors.event_quotas_for_staff(event=event), "preview_url": preview_url,
        "shop_url": reverse("shop:event", args=[request.bo.organizer.slug, event.slug]),
        "can_change": request.bo.can(Perm.CATALOG), "has_dates": event.section == Section.TICKETS,
        "now": timezone.now(),
    }
    return render(request, TEMPLATES + "event.html", context)


@never_cache
@organizer_view(Perm.CATALOG)
def event_create(request: BackofficeRequest) -> HttpResponse:
    section = request.GET.get("section")
    initial = {"section": section} if section in Section.values else {}
    form = f.EventForm(request.POST or None, initial=initial)
    return _form_page(
        request, form, lambda form: services.event_create(organizer=request.bo.organizer, values=form.values()),
        title=_("New event or membership page"), back=_url(request, "index"),
        done=lambda event: _event_url(request, event), done_message=_("The page is created, as a draft unless "
                                                                      "you chose otherwise."),
        template="event_form.html", auto_slug=True,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def event_edit(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = f.EventForm(request.POST or None, initial=f.event_initial(event))
    return _form_page(
        request, form, lambda form: services.event_update(event=event, values=form.values()),
        title=_("Edit “%(title)s”") % {"title": event.title}, back=_event_url(request, event),
        done=lambda event: _event_url(request, event), done_message=_("Changes saved."),
        template="event_form.html", event=event,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def event_duplicate(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    first = event.dates.order_by("start").first()
    initial: dict[str, Any] = {"title": _("%(title)s (copy)") % {"title": event.title}}
    if first is not None:
        initial["first_day"] = timezone.localdate(first.start)
    form = f.DuplicateForm(request.POST or None, initial=initial, has_dates=first is not None)

    def save(form: f.CatalogForm) -> Event:
        data = form.cleaned_data
        shift = 0
        if first is not None and data.get("dates") == f.DuplicateForm.SHIFT:
            shift = (data["first_day"] - timezone.localdate(first.start)).days
        with transaction.atomic():
            copy = services.event_duplicate(event=event, title=data["title"], slug=data["slug"], shift_days=shift)
            membership_types_copy(source_event_id=event.pk, target_event_id=copy.pk)  # what its products sell
        return copy

    return _form_page(
        request, form, save, title=_("Duplicate “%(title)s”") % {"title": event.title},
        back=_event_url(request, event), done=lambda copy: _event_url(request, copy),
        done_message=_("The copy is created as a draft: check it, then publish it."),
        template="duplicate.html", event=event, first=first, auto_slug=True,
    )


# dates


@never_cache
@organizer_view(Perm.CATALOG)
def date_create(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = f.DateForm(request.POST or None)
    return _form_page(
        request, form, lambda form: services.date_create(event=event, values=form.values()),
        title=_("New date of “%(title)s”") % {"title": event.title}, back=_event_url(request, event, "dates"),
        done=lambda _date: _event_url(request, event, "dates"), done_message=_("The date is added."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def date_edit(request: BackofficeRequest, event_id: int, date_id: int) -> HttpResponse:
    event = _event(request, event_id)
    date = _date(event, date_id)
    initial = {"start": date.start, "end": date.end, "capacity": date.capacity}
    form = f.DateForm(request.POST or None, initial=initial)
    quota = Quota.objects.filter(date=date).first()
    return _form_page(
        request, form, lambda form: services.date_update(date=date, values=form.values()),
        title=_("Date of “%(title)s”") % {"title": event.title}, back=_event_url(request, event, "dates"),
        done=lambda _date: _event_url(request, event, "dates"), done_message=_("Changes saved."),
        taken=quota.used if quota else 0,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def date_delete(request: BackofficeRequest, event_id: int, date_id: int) -> HttpResponse:
    event = _event(request, event_id)
    date = _date(event, date_id)
    back = _event_url(request, event, "dates")
    return _confirm_page(
        request, lambda: services.date_delete(date=date), title=_("Delete a date"),
        question=_("Delete the date %(date)s of “%(title)s”?") % {"date": date, "title": event.title},
        button=_("Delete"), danger=True, back=back, done=back, done_message=_("The date is deleted."),
    )


# quotas


@never_cache
@organizer_view(Perm.CATALOG)
def quota_create(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = f.QuotaForm(request.POST or None)
    return _form_page(
        request, form, lambda form: services.quota_create(event=event, values=form.values()),
        title=_("New quota"), back=_event_url(request, event, "quotas"),
        done=lambda _q: _event_url(request, event, "quotas"), done_message=_("The quota is added."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def quota_edit(request: BackofficeRequest, event_id: int, quota_id: int) -> HttpResponse:
    event = _event(request, event_id)
    quota = _quota(event, quota_id)
    form = f.QuotaForm(request.POST or None, initial={"name": quota.name, "size": quota.size})
    return _form_page(
        request, form, lambda form: services.quota_update(quota=quota, values=form.values()),
        title=_("Quota “%(name)s”") % {"name": quota.name}, back=_event_url(request, event, "quotas"),
        done=lambda _q: _event_url(request, event, "quotas"), done_message=_("Changes saved."), taken=quota.used,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def quota_delete(request: BackofficeRequest, event_id: int, quota_id: int) -> HttpResponse:
    event = _event(request, event_id)
    quota = _quota(event, quota_id)
    back = _event_url(request, event, "quotas")
    return _confirm_page(
        request, lambda: services.quota_delete(quota=quota), title=_("Delete a quota"),
        question=_("Delete the quota “%(name)s”? The products that use it lose this limit.") % {"name": quota.name},
        button=_("Delete"), danger=True, back=back, done=back, done_message=_("The quota is deleted."),
    )


# products


def _event_quotas(event: Event) -> Any:
    return Quota.objects.filter(event=event, date=None).order_by("name", "id")


@never_cache
@organizer_view(Perm.VIEW)
def product_detail(request: BackofficeRequest, event_id: int, product_id: int) -> HttpResponse:
    event = _event(request, event_id)
    product = next((p for p in selectors.event_products_for_staff(event=event) if p.pk == product_id), None)
    if product is None:
        product = _product(event, product_id)  # 404
    rules = price_requirement_for(price.pk for price in product.prices.all())
    for price in product.prices.all():
        price.refusal = price_refusal(price.sales) if price.sales else ""  # type: ignore[attr-defined]
        rule = rules.get(price.pk)  # a member price: the types it is reserved to
        price.member_types = (", ".join(rule.type_names) or _("any membership")) if rule else ""  # type: ignore[attr-defined]
    context = {
        "event": event, "product": product, "can_change": request.bo.can(Perm.CATALOG),
        "refusal": product_refusal(product.sales) if product.sales else "",  # type: ignore[attr-defined]
        "kinds": dict(f.KIND_CHOICES), "badges": f.PUBLICATION_BADGES,
        "suggested": f.euro_list_for_input(product.suggested_amounts),
        "membership_type": MembershipType.objects.filter(product=product).first()
        if product.kind == ProductKind.MEMBERSHIP else None,
    }
    return render(request, TEMPLATES + "product.html", context)


@never_cache
@organizer_view(Perm.CATALOG)
def product_create(request: BackofficeRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in ProductKind.values else (
        ProductKind.MEMBERSHIP if event.section == Section.MEMBERSHIPS else ProductKind.TICKET),
        "donation_min": 100, "donation_max": 100_000, "donation_suggested": [500, 1000, 2000]}
    form = f.ProductForm(request.POST or None, initial=initial, quotas=_event_quotas(event))

    def save(form: f.CatalogForm) -> Product:
        assert isinstance(form, f.ProductForm)
        with transaction.atomic():
            product = services.product_create(event=event, kind=form.chosen_kind(), values=form.values(),
                                              quota_ids=form.quota_ids())
            if product.kind == ProductKind.MEMBERSHIP:  # what it sells: validity and reminders, defaults
                membership_type_for_product(product=product)
        return product

    return _form_page(
        request, form, save, title=_("New product of “%(title)s”") % {"title": event.title},
        back=_event_url(request, event, "products"), done=lambda product: _product_url(request, product),
        done_message=_("The product is created: add its prices."), event=event,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def product_edit(request: BackofficeRequest, event_id: int, product_id: int) -> HttpResponse:
    event = _event(request, event_id)
    product = _product(event, product_id)
    form = f.ProductForm(request.POST or None, initial=f.product_initial(product), quotas=_event_quotas(event),
                         kind=product.kind)

    def save(form: f.CatalogForm) -> Product:
        assert isinstance(form, f.ProductForm)
        return services.product_update(product=product, values=form.values(), quota_ids=form.quota_ids())

    return _form_page(
        request, form, save, title=_("Edit “%(name)s”") % {"name": product.name},
        back=_product_url(request, product), done=lambda product: _product_url(request, product),
        done_message=_("Changes saved."), event=event,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def product_active(request: BackofficeRequest, event_id: int, product_id: int, active: bool) -> HttpResponse:
    event = _event(request, event_id)
    product = _product(event, product_id)
    back = _product_url(request, product)
    if active:
        texts = (_("Put back on sale"), _("Put “%(name)s” back on sale?"), _("Put back on sale"),
                 _("“%(name)s” is on sale again."))
    else:
        texts = (_("Deactivate"), _("Take “%(name)s” off sale? It is no longer offered in the shop; what was "
                                    "sold stays as it is."), _("Deactivate"), _("“%(name)s” is off sale."))
    name = {"name": product.name}
    return _confirm_page(
        request, lambda: services.product_set_active(product=product, active=active), title=texts[0],
        question=texts[1] % name, button=texts[2], back=back, done=back, done_message=texts[3] % name,
    )


@never_cache
@organizer_view(Perm.CATALOG)
def product_delete(request: BackofficeRequest, event_id: int, product_id: int) -> HttpResponse:
    event = _event(request, event_id)
    product = _product(event, product_id)
    sales = services.product_sales_count(product=product)
    instead = None
    if sales and product.active:
        instead = {"url": _url(request, "product_deactivate", event.pk, product.pk), "label": _("Deactivate")}
    return _confirm_page(
        request, lambda: services.product_delete(product=product), title=_("Delete a product"),
        question=_("Delete “%(name)s”, its prices and its questions?") % {"name": product.name},
        button=_("Delete"), danger=True, back=_product_url(request, product),
        done=_event_url(request, event, "products"), done_message=_("The product is deleted."),
        refusal=product_refusal(sales) if sales else "", instead=instead,
    )


# prices


def _membership_types(request: BackofficeRequest) -> Any:
    return MembershipType.objects.filter(organizer=request.bo.organizer).order_by("name", "id")


def _price_save(form: f.CatalogForm, write: Callable[[dict[str, Any]], Price]) -> Price:
    """The price and the membership types it is reserved to, in one transaction."""
    assert isinstance(form, f.PriceForm)
    with transaction.atomic():
        price = write(form.values())
        type_ids = form.member_type_ids()
        if type_ids is not None:
            price_requirement_set(price=price, type_ids=type_ids)
    return price


@never_cache
@organizer_view(Perm.CATALOG)
def price_create(request: BackofficeRequest, event_id: int, product_id: int) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    form = f.PriceForm(request.POST or None, initial={"active": True}, membership_types=_membership_types(request))
    return _form_page(
        request, form, lambda form: _price_save(form, lambda v: services.price_create(product=product, values=v)),
        title=_("New price of “%(name)s”") % {"name": product.name}, back=_product_url(request, product),
        done=lambda _p: _product_url(request, product), done_message=_("The price is added."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def price_edit(request: BackofficeRequest, event_id: int, product_id: int, price_id: int) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    price = _price(product, price_id)
    form = f.PriceForm(request.POST or None, initial=f.price_initial(price, price_member_types(price_id=price.pk)),
                       membership_types=_membership_types(request))
    return _form_page(
        request, form, lambda form: _price_save(form, lambda v: services.price_update(price=price, values=v)),
        title=_("Price “%(name)s” of “%(product)s”") % {"name": price.name, "product": product.name},
        back=_product_url(request, product), done=lambda _p: _product_url(request, product),
        done_message=_("Changes saved."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def price_active(request: BackofficeRequest, event_id: int, product_id: int, price_id: int,
                 active: bool) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    price = _price(product, price_id)
    back = _product_url(request, product)
    name = {"name": price.name}
    if active:
        texts = (_("Put back on sale"), _("Put the price “%(name)s” back on sale?") % name, _("Put back on sale"),
                 _("The price “%(name)s” is on sale again.") % name)
    else:
        texts = (_("Deactivate"), _("Take the price “%(name)s” off sale? What was sold stays as it is.") % name,
                 _("Deactivate"), _("The price “%(name)s” is off sale.") % name)
    return _confirm_page(
        request, lambda: services.price_set_active(price=price, active=active), title=texts[0],
        question=texts[1], button=texts[2], back=back, done=back, done_message=texts[3],
    )


@never_cache
@organizer_view(Perm.CATALOG)
def price_delete(request: BackofficeRequest, event_id: int, product_id: int, price_id: int) -> HttpResponse:
    event = _event(request, event_id)
    product = _product(event, product_id)
    price = _price(product, price_id)
    sales = services.price_sales_count(price=price)
    back = _product_url(request, product)
    instead = None
    if sales and price.active:
        instead = {"url": _url(request, "price_deactivate", event.pk, product.pk, price.pk),
                   "label": _("Deactivate")}
    return _confirm_page(
        request, lambda: services.price_delete(price=price), title=_("Delete a price"),
        question=_("Delete the price “%(name)s”?") % {"name": price.name}, button=_("Delete"), danger=True,
        back=back, done=back, done_message=_("The price is deleted."),
        refusal=price_refusal(sales) if sales else "", instead=instead,
    )


# questions


@never_cache
@organizer_view(Perm.CATALOG)
def question_create(request: BackofficeRequest, event_id: int, product_id: int) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    form = f.QuestionForm(request.POST or None)
    return _form_page(
        request, form, lambda form: services.question_create(product=product, values=form.values()),
        title=_("New question for “%(name)s”") % {"name": product.name}, back=_product_url(request, product),
        done=lambda _q: _product_url(request, product), done_message=_("The question is added."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def question_edit(request: BackofficeRequest, event_id: int, product_id: int, question_id: int) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    question = _question(product, question_id)
    form = f.QuestionForm(request.POST or None, initial=f.question_initial(question))
    return _form_page(
        request, form, lambda form: services.question_update(question=question, values=form.values()),
        title=_("Question of “%(name)s”") % {"name": product.name}, back=_product_url(request, product),
        done=lambda _q: _product_url(request, product), done_message=_("Changes saved."),
    )


@never_cache
@organizer_view(Perm.CATALOG)
def question_delete(request: BackofficeRequest, event_id: int, product_id: int, question_id: int) -> HttpResponse:
    product = _product(_event(request, event_id), product_id)
    question = _question(product, question_id)
    back = _product_url(request, product)
    return _confirm_page(
        request, lambda: services.question_delete(question=question), title=_("Delete a question"),
        question=_("Delete the question “%(label)s”? The answers already given stay on their orders.")
        % {"label": question.label}, button=_("Delete"), danger=True, back=back, done=back,
        done_message=_("The question is deleted."),
    )

