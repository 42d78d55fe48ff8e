"""The team page (issue 11, item 1): invite by email (the email, its link to choose a password,
valid a few days and once), a person with an account just added, change a role, remove someone;
the last administrator kept; every change in the audit trail; another organiser's members out of
reach."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role, TeamMember
from tests.factories import PASSWORD, Shop, organizer_create, team_member_create

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "un mot de passe tout neuf"


def url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"backoffice:team:{name}", args=[shop.organizer.slug, *args])


@pytest.fixture
def admin_user(shop: Shop) -> User:
    return team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")


@pytest.fixture
def admin(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def invitation_link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^\s]+/gestion/invitation/[^\s/]+/", message.body)
    assert found, message.body
    return found.group(0).split("testserver", 1)[-1]


def test_the_team_page_lists_members_and_roles(admin: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, role=Role.CHECKIN, email="porte@assoc.example")
    page = admin.get(url(shop, "index"))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "admin@assoc.example" in text and "porte@assoc.example" in text
    assert "Contrôle d'accès" in text or "Contrôle" in text
    assert "Inviter un membre de l'équipe" in text


def test_invite_then_choose_a_password_then_sign_in_with_the_role(admin: Client, shop: Shop) -> None:
    response = admin.post(url(shop, "invite"), {"email": "Nouvelle@Example.org", "first_name": "Inès",
                                                "last_name": "Bernard", "role": Role.TREASURY})
    assert response.status_code == 302
    user = User.objects.get(email="Nouvelle@Example.org")
    assert not user.has_usable_password()
    member = TeamMember.objects.get(organizer=shop.organizer, user=user)
    assert member.role == Role.TREASURY
    entry = AuditEntry.objects.get(action="team_member.invited", subject_id=member.pk)
    assert entry.organizer_id == shop.organizer.pk and entry.actor_label == "admin@assoc.example"
    assert entry.changes["role"] == [None, Role.TREASURY]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Nouvelle@Example.org"]
    assert shop.organizer.noreply_email in message.from_email and shop.organizer.name in message.from_email
    assert message.reply_to == [shop.organizer.contact_email]
    assert "Trésorerie" in message.body and shop.organizer.name in message.subject
    link = invitation_link(message)

    guest = Client()
    page = guest.get(link)
    assert page.status_code == 200 and "Choisissez votre mot de passe" in page.content.decode()
    short = guest.post(link, {"new_password1": "abc", "new_password2": "abc"})
    assert short.status_code == 400
    done = guest.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert guest.get(reverse("backoffice:dashboard:index", args=[shop.organizer.slug])).status_code == 200
    assert guest.get(reverse("backoffice:settings:index", args=[shop.organizer.slug])).status_code == 403

    # the link worked once
    assert Client().get(link).status_code == 410
    again = Client().post(link, {"new_password1": "autre mot de passe 99", "new_password2": "autre mot de passe 99"})
    assert again.status_code == 410
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # and the new member signs in with their address
    fresh = Client()
    assert fresh.post("/gestion/connexion/", {"email": "nouvelle@example.org", "password": NEW_PASSWORD}
                      ).status_code == 302


def test_the_link_expires_after_a_few_days(admin: Client, shop: Shop) -> None:
    admin.post(url(shop, "invite"), {"email": "tard@example.org", "role": Role.READ_ONLY})
    link = invitation_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        page = Client().get(link)
    assert page.status_code == 410
    assert "Ce lien ne fonctionne plus" in page.content.decode()
    assert Client().get(link.replace("/invitation/", "/invitation/x")).status_code == 410


def test_someone_with_an_account_is_just_added(admin: Client, shop: Shop) -> None:
    other = organizer_create("autre")
    existing = team_member_create(other, role=Role.ADMIN, email="deja@example.org")
    response = admin.post(url(shop, "invite"), {"email": "DEJA@example.org", "role": Role.TICKETING})
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="deja@example.org").count() == 1
    assert TeamMember.objects.get(organizer=shop.organizer, user=existing).role == Role.TICKETING
    message = mail.outbox[0]
    assert "/gestion/invitation/" not in message.body and "/gestion/connexion/" in message.body
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)  # untouched
    # inviting them twice says so next to the field
    twice = admin.post(url(shop, "invite"), {"email": "deja@example.org", "role": Role.TICKETING})
    assert twice.status_code == 400
    assert "Cette personne fait déjà partie de l'équipe." in html.unescape(twice.content.decode())


def test_bad_input_is_refused_next_to_the_field(admin: Client, shop: Shop) -> None:
    for data in ({"email": "pas une adresse", "role": Role.ADMIN}, {"email": "a@example.org", "role": "boss"}):
        response = admin.post(url(shop, "invite"), data)
        assert response.status_code == 400
    assert not User.objects.filter(email="a@example.org").exists()
    assert mail.outbox == []


def test_an_email_that_cannot_be_sent_leaves_the_member_in_and_says_so(
        admin: Client, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    response = admin.post(url(shop, "invite"), {"email": "x@example.org", "role": Role.READ_ONLY}, follow=True)
    assert response.status_code == 200
    assert "n'a pas pu être envoyé" in html.unescape(response.content.decode())
    assert TeamMember.objects.filter(organizer=shop.organizer, user__email="x@example.org").exists()
    monkeypatch.undo()
    member = TeamMember.objects.get(organizer=shop.organizer, user__email="x@example.org")
    assert admin.post(url(shop, "resend", member.pk)).status_code == 302
    assert len(mail.outbox) == 1 and "/gestion/invitation/" in mail.outbox[0].body


def test_change_a_role_is_audited(admin: Client, shop: Shop) -> None:
    person = team_member_create(shop.organizer, role=Role.READ_ONLY, email="p@example.org")
    member = TeamMember.objects.get(user=person)
    response = admin.post(url(shop, "role", member.pk), {f"m{member.pk}-role": Role.BOX_OFFICE})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.BOX_OFFICE
    entry = AuditEntry.objects.get(action="team_member.role_changed", subject_id=member.pk)
    assert entry.changes == {"role": [Role.READ_ONLY, Role.BOX_OFFICE]}
    assert entry.actor_label == "admin@assoc.example"


def test_the_last_administrator_cannot_be_removed_nor_demoted(admin: Client, shop: Shop, admin_user: User) -> None:
    me = TeamMember.objects.get(user=admin_user)
    demote = admin.post(url(shop, "role", me.pk), {f"m{me.pk}-role": Role.READ_ONLY})
    assert demote.status_code == 409
    assert "au moins un administrateur" in html.unescape(demote.content.decode())
    remove = admin.post(url(shop, "remove", me.pk))
    assert remove.status_code == 409
    me.refresh_from_db()
    assert me.role == Role.ADMIN
    assert not AuditEntry.objects.filter(subject_type="teammember", subject_id=me.pk,
                                         action__in=["team_member.role_changed", "team_member.removed"]).exists()
    # with a second administrator, either may go
    second = TeamMember.objects.get(user=team_member_create(shop.organizer, role=Role.ADMIN, email="b@example.org"))
    assert admin.post(url(shop, "remove", second.pk)).status_code == 302
    assert not TeamMember.objects.filter(pk=second.pk).exists()
    entry = AuditEntry.objects.get(action="team_member.removed", subject_id=second.pk)
    assert entry.changes["email"] == ["b@example.org", None]
    assert User.objects.filter(email="b@example.org").exists()  # the account stays


def test_another_organisers_member_is_out_of_reach(admin: Client, shop: Shop) -> None:
    other = organizer_create("autre")
    theirs = TeamMember.objects.get(user=team_member_create(other, role=Role.ADMIN, email="o@example.org"))
    assert admin.post(url(shop, "remove", theirs.pk)).status_code == 404
    assert admin.post(url(shop, "role", theirs.pk), {f"m{theirs.pk}-role": Role.READ_ONLY}).status_code == 404
    assert TeamMember.objects.filter(pk=theirs.pk, role=Role.ADMIN).exists()


def test_actions_are_post_only_and_need_the_team_permission(client: Client, shop: Shop) -> None:
    person = TeamMember.objects.get(user=team_member_create(shop.organizer, role=Role.READ_ONLY))
    client.force_login(team_member_create(shop.organizer, role=Role.TICKETING))
    assert client.post(url(shop, "remove", person.pk)).status_code == 403
    assert TeamMember.objects.filter(pk=person.pk).exists()
    admin = Client()
    admin.force_login(team_member_create(shop.organizer, role=Role.ADMIN, email="z@example.org"))
    assert admin.get(url(shop, "remove", person.pk)).status_code == 405
