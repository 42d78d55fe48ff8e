"""The dashboard: the organiser's sales over a period (a chart and its table), places sold
against capacity, today's check-ins, and the money waiting for someone. Every figure comes from
`reporting.selectors`, aggregated by the database: the page makes the same few queries whatever
the number of orders, and the two heaviest figures are kept while nothing changes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billetterie.core.money import cents_to_decimal
from billetterie.organizers.permissions import Perm
from billetterie.payments.balance import OrderStatus
from billetterie.reporting import selectors as reporting

from ..access import BackofficeRequest, organizer_view
from .forms import DEFAULT_DAYS, PRESETS, PeriodForm, default_period
from .links import DashboardLinks


def _chart_data(series: reporting.SalesSeries) -> dict[str, Any]:
    """What static/backoffice/dashboard.js draws (read from a json_script element)."""
    return {
        "labels": [date_format(d.day, "SHORT_DATE_FORMAT") for d in series.days],
        "kept": [float(cents_to_decimal(d.kept_cents)) for d in series.days],
        "orders": [d.paid_orders for d in series.days],
        "currency": "EUR",
        "names": {"day": _("Day"), "kept": _("Kept (received − refunded)"), "orders": _("Paid orders")},
    }


@organizer_view(Perm.VIEW)
def index(request: BackofficeRequest) -> HttpResponse:
    organizer_id = request.bo.organizer.pk
    form = PeriodForm(request.GET or None)
    status = 200
    preset: int | None = DEFAULT_DAYS  # the quick period shown as chosen
    if not form.is_bound:
        period = default_period()
    elif form.is_valid():
        period = form.chosen_period()
        preset = None if form.cleaned_data.get("start") else (form.cleaned_data.get("period") or DEFAULT_DAYS)
    else:
        period = default_period()  # the errors are shown next to the fields, with the default figures
        status = 400
    links = DashboardLinks(request.bo, period)
    figures = reporting.dashboard_figures(organizer_id=organizer_id, period=period)
    series, sold = figures.series, figures.sold
    payments = reporting.payments_to_watch(organizer_id=organizer_id)
    checkins = reporting.checkins_today(organizer_id=organizer_id)
    members = reporting.members_by_type(sold=sold)
    refunds = reporting.refunds_to_send(organizer_id=organizer_id)
    context = {
        "form": form,
        "period": period,
        "presets": PRESETS,
        "preset": preset,
        "series": series,
        "chart": _chart_data(series),
        "fills": [(event, links.orders(event=event.event_id))
                  for event in reporting.capacity_fill(organizer_id=organizer_id, since=period.start, sold=sold)],
        "upcoming": [(date, links.orders(date=date.date_id))
                     for date in reporting.dates_upcoming(organizer_id=organizer_id, sold=sold)],
        "checkins": checkins,
        "checkins_accepted": sum(row.accepted for row in checkins),
        "today": reporting.today(),
        "pending": payments.pending,
        "flagged_count": payments.flagged_count,
        "flagged": [(payment, links.order(payment.order_code)) for payment in payments.flagged],
        "refunds": refunds,
        "refunds_oldest": [(refund, links.order(refund.order_code)) for refund in refunds.oldest],
        "members": [(row, links.orders(product=row.product_id, status=OrderStatus.PAID)) for row in members],
        "members_total": sum(row.count for row in members),
        "links": links,
    }
    return render(request, "backoffice/dashboard/index.html", context, status=status)
