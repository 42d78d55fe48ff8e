"""The organiser settings page in the admin: the operators' (superusers) only since issue 11; the
organisers' staff edit their settings in the back office (issue 9, item 4, then issue 11)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from billetterie.jobs.management.commands.load_demo import staff_load
from billetterie.organizers.models import Organizer
from tests.factories import Shop

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


def test_the_demo_staff_edit_their_settings_in_the_back_office_not_the_admin(shop: Shop) -> None:
    """The Django admin is the platform operators' (issue 11): the demo's team administrator is sent
    from the admin's settings page to the back office, and a forged post changes nothing."""
    client = _demo_staff(shop.organizer)
    url = f"/admin/organizers/organizer/{shop.organizer.pk}/change/"
    assert client.get(url).status_code == 302
    assert client.post(url, _form(shop.organizer, name="Nouveau nom", slug="pirate")).status_code == 302
    organizer = Organizer.objects.get(pk=shop.organizer.pk)
    assert (organizer.name, organizer.slug) == (shop.organizer.name, "assoc")
    assert client.get(f"/gestion/{shop.organizer.slug}/reglages/").status_code == 200


def test_superusers_still_get_the_slug_filled_from_the_name(shop: Shop) -> None:
    admin = User.objects.create_superuser("root", password="pw-long-enough-1")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/organizers/organizer/add/").content.decode()
    assert 'name="slug"' in page and "prepopulated" in page
