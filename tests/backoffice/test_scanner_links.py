"""Scanner links belong to the team member who made them (issue 11 review): they stop working when
that person leaves the team or their role may no longer scan — at once, checked at each use, and
for good, revoked by the `TeamMemberLeft` / `TeamMemberRoleChanged` events; the scanner link
form has its name field."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from billetterie.api.checkin import ScannerTokenAuth
from billetterie.api.models import ApiToken
from billetterie.api.selectors import api_token_by_secret
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role, TeamMember
from billetterie.organizers.services import team_member_remove, team_member_role_set
from tests.factories import Shop, door, shop_create, team_member_create

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def shop() -> Shop:
    return shop_create()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(shop: Shop, user: User, label: str = "") -> str:
    """A scanner link made by `user` in the back office; its token."""
    checkin_list, _scope = door(shop)
    url = reverse("backoffice:checkin:link_create", args=[shop.organizer.slug, checkin_list.pk])
    body = _client(user).post(url, {"label": label} if label else {}).content.decode()
    return body.split("#token=")[1].split('"')[0]


def _api_status(token: str) -> int:
    """What the check-in API answers the token now (past the caches' few seconds)."""
    cache.clear()
    ScannerTokenAuth._memo.clear()
    return Client().get("/api/v1/checkin/lists", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def _member(shop: Shop, user: User) -> TeamMember:
    return TeamMember.objects.get(organizer=shop.organizer, user=user)


def test_the_link_form_has_its_name_field_and_the_list_says_who_made_each_link(shop: Shop) -> None:
    maker = team_member_create(shop.organizer, role=Role.TICKETING)
    door(shop)
    index = _client(maker).get(reverse("backoffice:checkin:index", args=[shop.organizer.slug])).content.decode()
    assert 'name="label"' in index and "Nom du lien (facultatif)" in index
    token = _link(shop, maker, label="Téléphone de la porte")
    row = ApiToken.objects.get(prefix=token[:10])
    assert row.name.endswith("— Téléphone de la porte") and row.created_by == maker
    index = _client(maker).get(reverse("backoffice:checkin:index", args=[shop.organizer.slug])).content.decode()
    assert "Téléphone de la porte" in index and "Créé par" in index and maker.first_name in index


def test_a_removed_members_links_stop_at_once_and_are_revoked_for_good(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    admin = team_member_create(shop.organizer, email="chef@assoc.example")
    maker = team_member_create(shop.organizer, role=Role.TICKETING)
    mine, theirs = _link(shop, admin), _link(shop, maker)
    assert _api_status(theirs) == 200
    with django_capture_on_commit_callbacks(execute=True):
        team_member_remove(organizer=shop.organizer, member_id=_member(shop, maker).pk)
    assert _api_status(theirs) == 401 and api_token_by_secret(token=theirs) is None
    row = ApiToken.objects.get(prefix=theirs[:10])
    assert row.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoked", subject_id=row.pk).exists()
    assert _api_status(mine) == 200  # another member's links are untouched
    # back in the team later: the old links stay dead
    TeamMember.objects.create(organizer=shop.organizer, user=maker, role=Role.TICKETING)
    assert _api_status(theirs) == 401


def test_links_stop_at_use_whatever_changed_the_team(shop: Shop) -> None:
    """The check at use: a membership deleted or a role changed outside the services (the admin,
    a script), an account turned off — no event, and the link stops all the same."""
    maker = team_member_create(shop.organizer, role=Role.CHECKIN)
    checkin_list, _scope = door(shop)
    opened = _client(maker).post(reverse("backoffice:checkin:scanner_open", args=[shop.organizer.slug,
                                                                              checkin_list.pk]))
    token = opened["Location"].split("#token=")[1]
    assert _api_status(token) == 200
    TeamMember.objects.filter(user=maker).update(role=Role.TREASURY)
    assert _api_status(token) == 401
    TeamMember.objects.filter(user=maker).update(role=Role.CHECKIN)
    assert _api_status(token) == 200
    User.objects.filter(pk=maker.pk).update(is_active=False)
    assert _api_status(token) == 401
    User.objects.filter(pk=maker.pk).update(is_active=True)
    TeamMember.objects.filter(user=maker).delete()
    assert _api_status(token) == 401
    # nor listed as a link in use in the back office
    admin = team_member_create(shop.organizer, email="chef@assoc.example")
    index = _client(admin).get(reverse("backoffice:checkin:index", args=[shop.organizer.slug])).content.decode()
    assert ApiToken.objects.get(prefix=token[:10]).prefix not in index


def test_a_role_that_may_no_longer_scan_revokes_the_links_one_that_may_keeps_them(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    team_member_create(shop.organizer, email="chef@assoc.example")  # the team keeps an administrator
    maker = team_member_create(shop.organizer, role=Role.TICKETING)
    token = _link(shop, maker)
    with django_capture_on_commit_callbacks(execute=True):
        team_member_role_set(organizer=shop.organizer, member_id=_member(shop, maker).pk, role=Role.ADMIN)
    assert _api_status(token) == 200
    with django_capture_on_commit_callbacks(execute=True):
        team_member_role_set(organizer=shop.organizer, member_id=_member(shop, maker).pk, role=Role.TREASURY)
    assert ApiToken.objects.get(prefix=token[:10]).revoked_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        team_member_role_set(organizer=shop.organizer, member_id=_member(shop, maker).pk, role=Role.TICKETING)
    assert _api_status(token) == 401


def test_tokens_made_by_no_member_are_not_concerned(shop: Shop) -> None:
    from billetterie.api.services import scanner_token_create

    _row, token = scanner_token_create(organizer=shop.organizer, name="Scanner (opérateur)")
    assert _api_status(token) == 200
