"""The organiser settings page in the admin, for staff who are not superusers (issue 9, item 4)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from billetterie.jobs.management.commands.load_demo import staff_load
from billetterie.organizers.models import Organizer
from tests.factories import Shop, organizer_create

pytestmark = pytest.mark.django_db


def _demo_staff(organizer: Organizer) -> Client:
    """Staff set up exactly as the demo's `demo` login: the organiser's permissions, no superuser."""
    user = staff_load(organizer, "pw-long-enough-1")
    client = Client()
    client.force_login(user)
    return client


def _form(organizer: Organizer, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": organizer.name, "legal_name": organizer.legal_name, "address": organizer.address,
        "contact_email": organizer.contact_email, "noreply_email": organizer.noreply_email,
        "hold_minutes": organizer.hold_minutes, "description": organizer.description, "terms": organizer.terms,
    }
    data.update(changes)
    return data


def test_staff_open_and_save_their_organiser_settings(shop: Shop) -> None:
    client = _demo_staff(shop.organizer)
    url = f"/admin/organizers/organizer/{shop.organizer.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="slug"' not in page.content.decode()  # read-only for them: shown, not editable

    response = client.post(url, _form(shop.organizer, name="Nouveau nom", hold_minutes=30, slug="pirate"))
    assert response.status_code == 302, response.content.decode()[:2000]
    organizer = Organizer.objects.get(pk=shop.organizer.pk)
    assert (organizer.name, organizer.hold_minutes, organizer.slug) == ("Nouveau nom", 30, "assoc")


def test_staff_cannot_open_another_organisers_settings(shop: Shop) -> None:
    other = organizer_create("autre", name="Autre association")
    client = _demo_staff(shop.organizer)
    assert client.get(f"/admin/organizers/organizer/{other.pk}/change/").status_code in (302, 404)


def test_superusers_still_get_the_slug_filled_from_the_name(shop: Shop) -> None:
    admin = User.objects.create_superuser("root", password="pw-long-enough-1")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/organizers/organizer/add/").content.decode()
    assert 'name="slug"' in page and "prepopulated" in page
