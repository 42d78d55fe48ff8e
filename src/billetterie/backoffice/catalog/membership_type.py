"""A membership product's membership type in the catalogue (issue 12): its validity rule (a
season from a given day, N months from the purchase, the calendar year, for life) and the days
before its end on which renewal reminders go out. The type is created with the product; its
settings are edited from the product's page. Rules and audit: `memberships.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from billetterie.catalog.models import Product, ProductKind
from billetterie.memberships.models import MembershipType, ValidityRule
from billetterie.memberships.services import membership_type_update
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view
from . import forms as f
from . import views

MONTHS = [(n, _month) for n, _month in enumerate(
    (gettext_lazy("January"), gettext_lazy("February"), gettext_lazy("March"), gettext_lazy("April"),
     gettext_lazy("May"), gettext_lazy("June"), gettext_lazy("July"), gettext_lazy("August"),
     gettext_lazy("September"), gettext_lazy("October"), gettext_lazy("November"), gettext_lazy("December")),
    start=1)]


class MembershipTypeForm(f.CatalogForm):
    name = forms.CharField(label=gettext_lazy("Name of the membership"), max_length=200,
                           help_text=gettext_lazy("As printed on the membership card."))
    rule = forms.ChoiceField(label=gettext_lazy("Validity"), choices=ValidityRule.choices, widget=forms.RadioSelect)
    season_start_day = forms.IntegerField(label=gettext_lazy("Season starts on (day)"), min_value=1, max_value=31,
                                          help_text=gettext_lazy("For a season: it ends the day before, a year later."))
    season_start_month = forms.TypedChoiceField(label=gettext_lazy("Season starts on (month)"), choices=MONTHS,
                                                coerce=int)
    months = forms.IntegerField(label=gettext_lazy("Number of months"), min_value=1, max_value=120,
                                help_text=gettext_lazy("For a number of months from the purchase."))
    reminder_days = forms.CharField(
        label=gettext_lazy("Renewal reminders (days before the end)"), max_length=100, required=False,
        help_text=gettext_lazy("For example 30, 7, 0: a month before, a week before and on the last day. "
                               "Empty: no reminder."))
    active = forms.BooleanField(label=gettext_lazy("On offer"), required=False)


def _initial(membership_type: MembershipType) -> dict[str, Any]:
    return {name: getattr(membership_type, name) for name in
            ("name", "rule", "season_start_day", "season_start_month", "months", "reminder_days", "active")}


def _membership_product(request: BackofficeRequest, event_id: int, product_id: int) -> Product:
    product = views._product(views._event(request, event_id), product_id)
    if product.kind != ProductKind.MEMBERSHIP:
        raise Http404
    return product


@never_cache
@organizer_view(Perm.CATALOG)
def membership_type_edit(request: BackofficeRequest, membership_event_id: int,
                         membership_product_id: int) -> HttpResponse:
    product = _membership_product(request, membership_event_id, membership_product_id)
    # a product made before types existed: the defaults are shown, the type is created on saving
    current = MembershipType.objects.filter(product=product).first() or MembershipType(name=product.name)
    form = MembershipTypeForm(request.POST or None, initial=_initial(current))

    def save(form: f.CatalogForm) -> Product:
        membership_type_update(product=product, values=form.values())
        return product

    return views._form_page(
        request, form, save, title=_("Validity and reminders of “%(name)s”") % {"name": product.name},
        back=views._product_url(request, product), done=lambda saved: views._product_url(request, saved),
        done_message=_("Changes saved."), event=product.event,
    )
