"""Signing in to an organiser's shop (issue 12, item 5): by an emailed link that works once and
expires, or by a password; nothing says whether an address has an account; link requests and
wrong passwords are limited per address and per client; the session's key changes on signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from billetterie.core import clock
from billetterie.customers.models import Customer, SignInLink
from billetterie.customers.selectors import customer_signed_in, session_key, session_value
from billetterie.customers.services import (
    LINK_VALIDITY,
    LINKS_PER_ADDRESS,
    LINKS_PER_CLIENT,
    PASSWORD_FAILS_PER_ADDRESS,
    PASSWORD_FAILS_PER_CLIENT,
    link_token,
)
from billetterie.notifications.models import OutboxKind, OutboxMessage
from tests.customers.helpers import (
    OnCommit,
    ask_link,
    customer_create,
    link_in_mail,
    password_post,
    sign_in_by_link,
    text,
)
from tests.factories import Shop

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')  # each page has its own token


@pytest.fixture
def moment() -> Iterator[time_machine.Coordinates]:
    # the start of a limit's window: no test crosses into the next by chance
    start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def account_url(shop: Shop) -> str:
    return reverse("shop:account", args=[shop.organizer.slug])


# --- links ------------------------------------------------------------------------------------


def test_a_link_signs_in_once_and_creates_the_account_of_a_new_address(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    page = client.get(reverse("shop:account_sign_in", args=[shop.organizer.slug]))
    assert page.status_code == 200
    assert "Recevoir un lien de connexion par e-mail" in text(page)

    response = ask_link(client, shop.organizer, "  Camille@Example.org ", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:account_link_sent", args=[shop.organizer.slug])
    assert "Nous avons envoyé un lien de connexion" in text(client.get(response["Location"]))
    assert not Customer.objects.exists()  # created when the link is used

    [email] = mail.outbox
    assert email.to == ["camille@example.org"]
    assert email.subject == "Votre lien de connexion — Association des étudiants"
    assert "30 minutes" in email.body and "une seule fois" in email.body
    link = SignInLink.objects.get()
    assert OutboxMessage.objects.filter(kind=OutboxKind.CUSTOMER_SIGN_IN, to="camille@example.org").count() == 1
    path = link_in_mail("camille@example.org")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token == link_token(link) and token not in link.token_hash and link.salt not in path  # only a hash kept

    confirm = client.get(path)  # a mail scanner opening the link does not use it up
    assert confirm.status_code == 200 and "Vous vous connectez en tant que camille@example.org" in text(confirm)
    assert confirm["Referrer-Policy"] == "same-origin"
    used = client.post(path)
    assert used.status_code == 302 and used["Location"] == account_url(shop)
    customer = Customer.objects.get()
    assert customer.email == "camille@example.org" and customer.email_verified_at == clock.now()
    assert client.session[session_key(shop.organizer.pk)] == session_value(customer)
    assert "Vous êtes connecté" in text(client.get(account_url(shop)))

    again = Client().post(path)  # once only, even from another browser
    assert again.status_code == 410
    assert "Ce lien a expiré ou a déjà servi. Demandez-en un nouveau." in text(again)
    assert Client().get(path).status_code == 410


def test_a_link_expires_after_thirty_minutes(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    ask_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    path = link_in_mail("camille@example.org")
    moment.shift(LINK_VALIDITY + timedelta(seconds=1))
    assert client.get(path).status_code == 410
    response = client.post(path)
    assert response.status_code == 410 and "Demandez-en un nouveau" in text(response)
    assert not Customer.objects.exists() and session_key(shop.organizer.pk) not in client.session


def test_a_wrong_or_foreign_token_signs_no_one_in(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    from tests.factories import shop_create

    other = shop_create(slug="autre")
    ask_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    path = link_in_mail("camille@example.org")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.post(path.replace(token, token[:-2] + "xx")).status_code == 410
    # the link of organiser A is nothing at organiser B
    assert client.post(reverse("shop:account_link", args=[other.organizer.slug, token])).status_code == 410
    assert not Customer.objects.exists()


def test_asking_for_a_link_says_the_same_whether_the_address_has_an_account_or_not(
    shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    customer_create(shop.organizer, "connue@example.org", verified=True)
    answers = []
    for email in ("connue@example.org", "inconnue@example.org"):
        client = Client()
        response = ask_link(client, shop.organizer, email, django_capture_on_commit_callbacks)
        sent = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], sent.status_code,
                        CSRF.sub("", text(sent))))
    assert answers[0] == answers[1]
    # both get a link, and no account is made for the unknown address until it is used
    assert sorted(m.to[0] for m in mail.outbox) == ["connue@example.org", "inconnue@example.org"]
    assert list(Customer.objects.values_list("email", flat=True)) == ["connue@example.org"]


def test_a_bad_address_is_refused_next_to_the_field_in_french(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    response = ask_link(client, shop.organizer, "pas-une-adresse", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Saisissez une adresse e-mail valide." in text(response)
    assert not SignInLink.objects.exists() and mail.outbox == []


def test_link_requests_are_limited_per_address_and_per_client(
    shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    client = Client()
    for _ in range(LINKS_PER_ADDRESS.per_window):
        assert ask_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks,
                        address="203.0.113.1").status_code == 302
    # the same address from another client: still refused (the address's limit), for a known or unknown one
    refused = ask_link(Client(), shop.organizer, "camille@example.org", django_capture_on_commit_callbacks,
                       address="203.0.113.2")
    assert refused.status_code == 429
    assert "Trop de liens de connexion demandés" in text(refused)
    assert SignInLink.objects.count() == LINKS_PER_ADDRESS.per_window

    # one client asking for many addresses
    for n in range(LINKS_PER_CLIENT.per_window - LINKS_PER_ADDRESS.per_window):
        assert ask_link(client, shop.organizer, f"p{n}@example.org", django_capture_on_commit_callbacks,
                        address="203.0.113.1").status_code == 302
    assert ask_link(client, shop.organizer, "encore@example.org", django_capture_on_commit_callbacks,
                    address="203.0.113.1").status_code == 429

    moment.shift(timedelta(seconds=LINKS_PER_ADDRESS.window_seconds))  # the window ends
    assert ask_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks,
                    address="203.0.113.1").status_code == 302


# --- the session ------------------------------------------------------------------------------


def test_signing_in_changes_the_session_key_and_signing_out_forgets_the_customer(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    client.get(reverse("shop:account_sign_in", args=[shop.organizer.slug]))
    session = client.session
    session["planted"] = "yes"
    session.save()
    before = client.cookies["sessionid"].value
    response = sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before  # a key planted before does not follow the buyer in
    assert client.session["planted"] == "yes"  # the cart and the rest stay
    # the old key is no more a session
    from django.contrib.sessions.backends.db import SessionStore

    assert not SessionStore(session_key=before).exists(before)

    out = client.post(reverse("shop:account_sign_out", args=[shop.organizer.slug]))
    assert out.status_code == 302
    assert session_key(shop.organizer.pk) not in client.session
    assert client.get(account_url(shop))["Location"] == reverse("shop:account_sign_in", args=[shop.organizer.slug])


def test_the_account_pages_need_a_signed_in_customer(client: Client, shop: Shop) -> None:
    for name in ("account", "account_data", "account_delete"):
        response = client.get(reverse(f"shop:{name}", args=[shop.organizer.slug]))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("shop:account_sign_in", args=[shop.organizer.slug])
    response = client.post(reverse("shop:account_delete", args=[shop.organizer.slug]), {"confirmation": "SUPPRIMER"})
    assert response.status_code == 302


def test_the_selector_reads_only_the_organisers_own_customer(shop: Shop) -> None:
    from tests.factories import shop_create

    other = shop_create(slug="autre")
    theirs = customer_create(other.organizer, "camille@example.org")
    session = {session_key(shop.organizer.pk): session_value(theirs)}  # a session that claims B's account for A
    assert customer_signed_in(session, shop.organizer.pk) is None
    assert customer_signed_in({session_key(other.organizer.pk): session_value(theirs)}, other.organizer.pk) == theirs
    assert customer_signed_in({session_key(other.organizer.pk): "1"}, other.organizer.pk) is None
    # the bare id, or the id with a digest of other credentials, is no proof
    assert customer_signed_in({session_key(other.organizer.pk): theirs.pk}, other.organizer.pk) is None
    assert customer_signed_in({session_key(other.organizer.pk): [theirs.pk, "0" * 64]}, other.organizer.pk) is None


# --- passwords --------------------------------------------------------------------------------


def test_a_password_signs_in_and_a_wrong_one_says_the_same_as_an_unknown_address(
    client: Client, shop: Shop, moment: time_machine.Coordinates,
) -> None:
    customer_create(shop.organizer, "camille@example.org", password="cheval batterie agrafe")
    wrong = password_post(client, shop.organizer, "camille@example.org", "pas le bon")
    unknown = password_post(Client(), shop.organizer, "personne@example.org", "pas le bon")
    assert wrong.status_code == unknown.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in text(wrong)
    assert (CSRF.sub("", text(wrong)).replace("camille@example.org", "")
            == CSRF.sub("", text(unknown)).replace("personne@example.org", ""))

    right = password_post(client, shop.organizer, "Camille@example.org", "cheval batterie agrafe")
    assert right.status_code == 302 and right["Location"] == account_url(shop)
    assert client.session[session_key(shop.organizer.pk)] == session_value(Customer.objects.get())


def test_wrong_passwords_are_limited_per_address_then_refused_even_when_right(
    shop: Shop, moment: time_machine.Coordinates,
) -> None:
    customer_create(shop.organizer, "camille@example.org", password="cheval batterie agrafe")
    for n in range(PASSWORD_FAILS_PER_ADDRESS.per_window):
        # from several clients: the address's own limit
        assert password_post(Client(), shop.organizer, "camille@example.org", "faux",
                             address=f"198.51.100.{n}").status_code == 422
    client = Client()
    refused = password_post(client, shop.organizer, "camille@example.org", "cheval batterie agrafe",
                            address="198.51.100.99")
    assert refused.status_code == 429
    assert "Trop de mots de passe erronés" in text(refused)
    assert session_key(shop.organizer.pk) not in client.session
    moment.shift(timedelta(seconds=PASSWORD_FAILS_PER_ADDRESS.window_seconds))
    assert password_post(client, shop.organizer, "camille@example.org", "cheval batterie agrafe",
                         address="198.51.100.99").status_code == 302


def test_wrong_passwords_are_limited_per_client(shop: Shop, moment: time_machine.Coordinates) -> None:
    client = Client()
    for n in range(PASSWORD_FAILS_PER_CLIENT.per_window):
        password_post(client, shop.organizer, f"p{n}@example.org", "faux", address="198.51.100.7")
    assert password_post(client, shop.organizer, "autre@example.org", "faux",
                         address="198.51.100.7").status_code == 429
    assert password_post(Client(), shop.organizer, "autre@example.org", "faux",
                         address="198.51.100.8").status_code == 422  # another client is not affected


def test_a_password_is_set_from_the_account_page_and_changing_it_asks_for_the_current_one(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    url = reverse("shop:account_password", args=[shop.organizer.slug])
    weak = client.post(url, {"password": "123"})
    assert weak.status_code == 422 and "Ce mot de passe est trop court" in text(weak)
    assert client.post(url, {"password": "cheval batterie agrafe"}).status_code == 302
    assert Customer.objects.get().check_password("cheval batterie agrafe")
    wrong = client.post(url, {"current": "faux", "password": "autre phrase solide"})
    assert wrong.status_code == 422 and "Votre mot de passe actuel n'est pas celui-ci." in text(wrong)
    assert client.post(url, {"current": "cheval batterie agrafe", "password": "autre phrase solide"}).status_code == 302
    assert Customer.objects.get().check_password("autre phrase solide")
