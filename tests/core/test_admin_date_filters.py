"""Out-of-range dates in an admin list's address give a normal page, never a 500 (issue 9, item 6).

`?scanned_at__year=99999999999` on the scan log raised OverflowError in Django's date hierarchy
(it only catches ValueError); any date field of a list can be filtered from the address (the
admin allows lookups on a model's own fields), so every registered admin list is tried with
each of its date fields, as the platform operator (a superuser: the admin is the operators' only)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.factories import Shop

pytestmark = [
    pytest.mark.django_db,
    # Django's admin passes the address's dates to the lookups as given, naive: it warns, and so be it
    pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning"),
]

HUGE = "99999999999"
# what a hand-edited or hostile address can hold, for any date field `f` of the list
FIELD_FILTERS = [
    {"f__year": HUGE},
    {"f__year": "99999"},
    {"f__year": "9999"},
    {"f__year__gt": HUGE},
    {"f__year__lte": "-" + HUGE},
    {"f__month": HUGE},
    {"f__day": "-" + HUGE},
    {"f__week_day": HUGE},
    {"f__quarter": HUGE},
    {"f__hour": HUGE},
    {"f__iso_year": HUGE},
    {"f__gte": "99999-01-01"},
    {"f__lt": "0000-00-00"},
    {"f__date": "2026-02-31"},
    {"f": "9999-12-31 23:59:59"},
    {"f__gte": "9999-12-31 23:59:59"},
    {"f__lt": "0001-01-01 00:00:00"},
    {"f__date": "9999-12-31"},
    {"f__range": "2026-01-01"},
    {"f__in": "2026-01-01,x"},
    {"f__isnull": "maybe"},
]
# and for the list's date hierarchy, which reads year, month and day together
HIERARCHY_FILTERS = [
    {"f__year": "0"},
    {"f__year": "-1"},
    {"f__year": "2026", "f__month": HUGE},
    {"f__year": "2026", "f__month": "13"},
    {"f__year": "2026", "f__month": "12", "f__day": HUGE},
    {"f__year": "2026", "f__month": "2", "f__day": "31"},
    {"f__year": HUGE, "f__month": HUGE, "f__day": HUGE},
    {"f__year": "9999", "f__month": "12"},  # the end of the period would be in year 10000
    {"f__year": "9999", "f__month": "12", "f__day": "31"},
    {"f__year": "1", "f__month": "1", "f__day": "1"},  # made aware in Paris: before year 1 in UTC
]
DATE_TYPES = (models.DateField, models.DateTimeField)  # DateTimeField is a DateField; both named for clarity


def _lists() -> list[tuple[str, list[str], str]]:
    """(changelist URL, its model's date fields, its date hierarchy or "") for every registered
    admin with a date field."""
    lists = []
    for model, model_admin in admin.site._registry.items():
        dates = [f.name for f in model._meta.get_fields() if isinstance(f, DATE_TYPES) and f.concrete]
        if dates:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            lists.append((url, dates, model_admin.date_hierarchy or ""))
    return sorted(lists)


LISTS = _lists()


def test_the_date_lists_are_all_tried() -> None:
    urls = {url for url, _dates, _hierarchy in LISTS}
    assert {"/admin/checkin/scan/", "/admin/orders/order/", "/admin/payments/payment/",
            "/admin/notifications/outboxmessage/"} <= urls


def _get_all(client: Client, url: str, dates: list[str], hierarchy: str) -> dict[str, int]:
    """Every odd filter on every date field of the list: the status of the page finally shown."""
    answers = {}
    tries = [(field, odd) for field in dates for odd in FIELD_FILTERS]
    tries += [(hierarchy, odd) for odd in HIERARCHY_FILTERS if hierarchy]
    for field, odd in tries:
        params = {key.replace("f", field, 1): value for key, value in odd.items()}
        response = client.get(url, params, follow=True)
        answers[f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}"] = response.status_code
    return answers


@pytest.mark.parametrize(("url", "dates", "hierarchy"), LISTS, ids=[url for url, _dates, _hierarchy in LISTS])
def test_out_of_range_dates_give_a_normal_page(shop: Shop, url: str, dates: list[str], hierarchy: str) -> None:
    root = Client()
    root.force_login(User.objects.create_superuser("root", password="pw-long-enough-1"))
    assert root.get(url).status_code == 200
    answers = _get_all(root, url, dates, hierarchy)
    assert {address: status for address, status in answers.items() if status != 200} == {}


def test_the_scan_log_with_a_year_no_date_can_hold_shows_the_list_unfiltered(shop: Shop) -> None:
    root = Client()
    root.force_login(User.objects.create_superuser("root", password="pw-long-enough-1"))
    response = root.get("/admin/checkin/scan/", {"scanned_at__year": HUGE})
    assert response.status_code == 302 and response["Location"] == "/admin/checkin/scan/?e=1"
    assert root.get(response["Location"]).status_code == 200
