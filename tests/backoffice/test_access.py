"""Signing in to the back office (issue 11, item 1): by email and password, the attempts limited,
the optional TOTP second step, a safe next= redirect, sign-out by POST only; who sees what
(404 outside the team, 403 for a role without the permission, a platform operator everywhere,
the organiser switcher); the person's own account page (password, turning two-factor on and off)."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from billetterie.backoffice.auth import CODE_PER_USER, PENDING_KEY, SIGN_IN_PER_EMAIL
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role, TeamMember
from tests.factories import PASSWORD, Shop, organizer_create, shop_create, team_member_create

pytestmark = pytest.mark.django_db
LOGIN = "/gestion/connexion/"


def sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str = "") -> object:
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def code_of(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def two_factor_on(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def signed_in_user(client: Client) -> User | None:
    user = client.get("/gestion/").wsgi_request.user
    return user if user.is_authenticated else None


# --- sign-in --------------------------------------------------------------------------------------


def test_sign_in_by_email_any_case_lands_on_the_dashboard(client: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, role=Role.TREASURY, email="tresorier@assoc.example")
    response = sign_in(client, "Tresorier@Assoc.Example")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # one organiser: straight into it
    page = client.get(reverse("backoffice:dashboard:index", args=[shop.organizer.slug]))
    assert page.status_code == 200


def test_a_wrong_password_says_so_without_saying_which_part(client: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, email="a@assoc.example")
    for email in ("a@assoc.example", "nobody@assoc.example"):
        response = sign_in(client, email, "pas le bon")
        assert response.status_code == 200
        assert "Cette adresse et ce mot de passe ne correspondent à aucun compte." in response.content.decode()
    assert signed_in_user(client) is None


def test_too_many_attempts_answer_429_with_a_message(client: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, email="a@assoc.example")
    for _ in range(SIGN_IN_PER_EMAIL.per_window):
        assert sign_in(client, "a@assoc.example", "faux").status_code == 200
    response = sign_in(client, "a@assoc.example", PASSWORD)  # even the right password, now
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert signed_in_user(client) is None


def test_next_goes_back_to_the_page_asked_and_never_to_another_site(client: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, email="a@assoc.example")
    settings_url = reverse("backoffice:settings:index", args=[shop.organizer.slug])
    asked = client.get(settings_url)
    assert asked.status_code == 302 and asked["Location"].startswith(LOGIN)
    response = sign_in(client, "a@assoc.example", next_url=settings_url)
    assert response["Location"] == settings_url
    client.logout()
    for evil in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        response = sign_in(client, "a@assoc.example", next_url=evil)
        assert response["Location"] == "/gestion/", evil
        client.logout()


def test_sign_out_by_post_only(client: Client, shop: Shop) -> None:
    client.force_login(team_member_create(shop.organizer))
    assert client.get("/gestion/deconnexion/").status_code == 405
    assert signed_in_user(client) is not None
    assert client.post("/gestion/deconnexion/").status_code == 302
    assert signed_in_user(client) is None


# --- two-factor ------------------------------------------------------------------------------------


def test_two_factor_sign_in_asks_the_code_and_signs_in_only_when_it_is_right(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer, email="a@assoc.example")
    device = two_factor_on(user)
    target = reverse("backoffice:team:index", args=[shop.organizer.slug])
    response = sign_in(client, "a@assoc.example", next_url=target)
    assert response["Location"] == reverse("backoffice:login_code")
    assert signed_in_user(client) is None  # the password alone does not sign in
    assert client.get(target).status_code == 302
    page = client.get(reverse("backoffice:login_code"))
    assert "Code de votre application" in page.content.decode()

    wrong = client.post(reverse("backoffice:login_code"), {"code": code_of(device, offset=40)})
    assert wrong.status_code == 200
    assert "Ce code n'est pas le bon" in html.unescape(wrong.content.decode())
    assert signed_in_user(client) is None
    bad_format = client.post(reverse("backoffice:login_code"), {"code": "12ab"})
    assert "Saisissez les 6 chiffres" in bad_format.content.decode()

    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None  # the wrong code's delay
    device.save()
    right = client.post(reverse("backoffice:login_code"), {"code": code_of(device)})
    assert right.status_code == 302 and right["Location"] == target
    assert client.get(target).status_code == 200
    assert PENDING_KEY not in client.session


def test_codes_are_rate_limited_per_person(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer, email="a@assoc.example")
    device = two_factor_on(user)
    sign_in(client, "a@assoc.example")
    for _ in range(CODE_PER_USER.per_window):
        client.post(reverse("backoffice:login_code"), {"code": "000000"})
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("backoffice:login_code"), {"code": code_of(device)})
    assert response.status_code == 429
    assert "Trop de codes essayés" in response.content.decode()
    assert signed_in_user(client) is None


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client: Client) -> None:
    response = client.get(reverse("backoffice:login_code"))
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_a_session_signed_in_without_the_code_is_sent_to_sign_in(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer)
    two_factor_on(user)
    client.force_login(user)  # as the Django admin's page would: password only
    response = client.get(reverse("backoffice:dashboard:index", args=[shop.organizer.slug]))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(reverse("backoffice:account")).status_code == 302


def test_turning_two_factor_on_from_my_account(client: Client, shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    user = team_member_create(shop.organizer, role=Role.CHECKIN, email="porte@assoc.example")
    client.force_login(user)
    account = client.get(reverse("backoffice:account"))
    assert account.status_code == 200 and "Désactivée" in account.content.decode()
    with caplog.at_level("DEBUG"):
        page = client.get(reverse("backoffice:account_two_factor"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert "<svg" in text  # the QR code, inline
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', text)
    assert secret is not None
    assert secret.group(1) not in caplog.text
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed

    wrong = client.post(reverse("backoffice:account_two_factor"), {"code": code_of(device, offset=40)})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    right = client.post(reverse("backoffice:account_two_factor"), {"code": code_of(device)})
    assert right.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.two_factor_on", subject_id=user.pk).exists()
    # this session gave the code: it stays signed in, and the next sign-in asks one
    assert "Activée" in client.get(reverse("backoffice:account")).content.decode()
    client.logout()
    assert sign_in(client, "porte@assoc.example")["Location"] == reverse("backoffice:login_code")


def test_turning_two_factor_off_needs_the_password(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer)
    device = two_factor_on(user)
    sign_in(client, user.email)
    client.post(reverse("backoffice:login_code"), {"code": code_of(device)})
    off = reverse("backoffice:account_two_factor_off")
    assert client.get(off).status_code == 405
    client.post(off, {"password": "pas le bon"})
    assert TOTPDevice.objects.filter(user=user).exists()
    client.post(off, {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="account.two_factor_off", subject_id=user.pk).exists()


def test_changing_my_password(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer)
    client.force_login(user)
    bad = client.post(reverse("backoffice:account"), {"old_password": "faux", "new_password1": "x",
                                                      "new_password2": "y"})
    assert bad.status_code == 400
    response = client.post(reverse("backoffice:account"), {
        "old_password": PASSWORD, "new_password1": "un autre mot de passe 2027",
        "new_password2": "un autre mot de passe 2027"})
    assert response.status_code == 302
    assert signed_in_user(client) is not None  # still signed in
    user.refresh_from_db()
    assert user.check_password("un autre mot de passe 2027")


def test_the_header_links_to_my_account(client: Client, shop: Shop) -> None:
    client.force_login(team_member_create(shop.organizer))
    page = client.get(reverse("backoffice:settings:index", args=[shop.organizer.slug]))
    assert f'href="{reverse("backoffice:account")}"' in page.content.decode()


# --- who sees what -----------------------------------------------------------------------------------


def test_someone_outside_the_team_gets_404(client: Client, shop: Shop) -> None:
    other = organizer_create("autre")
    client.force_login(team_member_create(other))
    for name in ("backoffice:settings:index", "backoffice:team:index", "backoffice:dashboard:index"):
        assert client.get(reverse(name, args=[shop.organizer.slug])).status_code == 404
    assert client.get(reverse("backoffice:organizer", args=["nope"])).status_code == 404


def test_a_role_without_the_permission_gets_the_403_page(client: Client, shop: Shop) -> None:
    client.force_login(team_member_create(shop.organizer, role=Role.TREASURY))
    for name in ("backoffice:settings:index", "backoffice:team:index", "backoffice:settings:methods"):
        response = client.get(reverse(name, args=[shop.organizer.slug]))
        assert response.status_code == 403
        assert "Trésorerie" in response.content.decode()
    invite = client.post(reverse("backoffice:team:invite", args=[shop.organizer.slug]),
                         {"email": "x@example.org", "role": Role.ADMIN})
    assert invite.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_a_platform_operator_sees_every_organiser(client: Client, shop: Shop) -> None:
    other = organizer_create("autre")
    operator = User.objects.create_superuser("ops", "ops@example.org", PASSWORD)
    client.force_login(operator)
    home = client.get("/gestion/")
    assert home.status_code == 200
    text = html.unescape(home.content.decode())
    assert shop.organizer.name in text and other.name in text
    assert client.get(reverse("backoffice:settings:index", args=[other.slug])).status_code == 200


def test_the_switcher_lists_the_other_organisers_of_the_person(client: Client, shop: Shop) -> None:
    second = shop_create(slug="club")
    user = team_member_create(shop.organizer, email="both@example.org")
    TeamMember.objects.create(organizer=second.organizer, user=user, role=Role.READ_ONLY)
    client.force_login(user)
    home = client.get("/gestion/")
    assert home.status_code == 200  # two organisers: the choice
    page = client.get(reverse("backoffice:settings:index", args=[shop.organizer.slug]))
    assert reverse("backoffice:organizer", args=[second.organizer.slug]) in page.content.decode()
    landing = client.get(reverse("backoffice:organizer", args=[second.organizer.slug]))
    assert landing.status_code == 302
    assert client.get(reverse("backoffice:settings:index", args=[second.organizer.slug])).status_code == 403


def test_the_demo_logins_sign_in_to_the_back_office_by_email(client: Client, shop: Shop) -> None:
    from billetterie.jobs.management.commands.load_demo import ROLE_EMAILS, STAFF_EMAIL, staff_load

    staff_load(shop.organizer, "pw-long-enough-1")
    staff_load(shop.organizer, "pw-long-enough-1")  # loading the demo again changes nothing
    assert sign_in(client, STAFF_EMAIL, "pw-long-enough-1").status_code == 302
    assert client.get(reverse("backoffice:team:index", args=[shop.organizer.slug])).status_code == 200
    roles = dict(TeamMember.objects.filter(organizer=shop.organizer).values_list("user__email", "role"))
    assert roles[STAFF_EMAIL] == Role.ADMIN
    assert {email: roles[email] for email in ROLE_EMAILS.values()} == {e: r for r, e in ROLE_EMAILS.items()}
    door = Client()
    assert sign_in(door, ROLE_EMAILS[Role.CHECKIN], "pw-long-enough-1").status_code == 302
    assert door.get(reverse("backoffice:settings:index", args=[shop.organizer.slug])).status_code == 403
