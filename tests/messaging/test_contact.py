"""The shop's contact form (issue 12, item 7; seed 000): a message reaches the organiser's contact
address, answered to the sender, with the order's reference when the sender came from their
order's page (its secret link, never a code typed in the form); the sender gets a copy. Spam is
held off by a hidden field, a minimum time to fill the form in, and limits per sender address
and per client (429). Bad input is refused next to the fields with what was typed kept."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.messaging.models import ContactMessage
from billetterie.messaging.services import MIN_FILL_SECONDS, contact_message_send
from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.orders.models import Order
from tests.factories import Shop, order_paid, shop_create

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
STAMP = re.compile(r'name="stamp" value="([^"]+)"')


@pytest.fixture
def moment() -> Iterator[time_machine.Coordinates]:
    # a minute into an hour: the limits count per hour, and no test crosses into the next by chance
    with time_machine.travel(clock.now().replace(minute=1, second=0, microsecond=0), tick=False) as traveller:
        yield traveller


def contact_url(shop: Shop, order: Order | None = None, secret: str | None = None) -> str:
    url = reverse("shop:contact", args=[shop.organizer.slug])
    if order is not None:
        url += f"?order={order.code}&secret={secret if secret is not None else order.secret}"
    return url


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def shown_form(client: Client, url: str) -> dict[str, str]:
    """The hidden fields of the form as the page gives them (its stamp, the order's link)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    found = STAMP.search(page.content.decode())
    assert found, "no stamp in the form"
    fields = {"stamp": html.unescape(found.group(1))}
    for name in ("order", "secret"):
        value = re.search(rf'name="{name}" value="([^"]*)"', page.content.decode())
        if value:
            fields[name] = html.unescape(value.group(1))
    return fields


def message_data(**over: str) -> dict[str, str]:
    data = {"name": "Camille Durand", "email": "camille@example.org", "subject": "Accès handicapé",
            "body": "Bonjour,\nla salle est-elle accessible en fauteuil ?\nMerci", "website": ""}
    data.update(over)
    return data


def send(client: Client, shop: Shop, moment: time_machine.Coordinates, on_commit: OnCommit, *,
         order: Order | None = None, address: str = "127.0.0.1", **over: str) -> Any:
    """Open the contact page, take the time a person takes, send the form."""
    url = contact_url(shop, order)
    fields = shown_form(client, url)
    moment.shift(timedelta(seconds=20))
    with on_commit(execute=True):
        return client.post(reverse("shop:contact", args=[shop.organizer.slug]),
                           {**fields, **message_data(**over)}, REMOTE_ADDR=address)


def emails_to(address: str) -> list[EmailMultiAlternatives]:
    return [m for m in mail.outbox if address in m.to]  # type: ignore[misc]


# --- the message and its copy -----------------------------------------------------------------


def test_from_the_order_page_the_message_reaches_the_organiser_with_the_order_and_the_sender_gets_a_copy(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order = order_paid(shop, name="Camille Durand", email="camille@example.org")
    page = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret]))
    link = re.search(r'href="([^"]*/contact/\?[^"]*)"', page.content.decode())
    assert link, "no contact link on the order page"
    assert html.unescape(link.group(1)) == contact_url(shop, order)

    form = client.get(contact_url(shop, order))
    assert f"commande {order.code}" in text(form)
    assert 'value="Camille Durand"' in form.content.decode()  # the buyer's details filled in
    mail.outbox.clear()

    response = send(client, shop, moment, django_capture_on_commit_callbacks, order=order,
                    subject="Une question", body="Peut-on venir avec un chien ?")
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:contact", args=[shop.organizer.slug]) + "?sent=1"
    sent = client.get(response["Location"])
    assert "Votre message a été envoyé" in text(sent)

    message = ContactMessage.objects.get()
    assert (message.organizer, message.order, message.email) == (shop.organizer, order, "camille@example.org")
    assert message.client_hash and "127.0.0.1" not in message.client_hash

    [to_organizer] = emails_to("contact@assoc.example")
    assert order.code in to_organizer.subject and "Une question" in to_organizer.subject
    assert parseaddr(to_organizer.from_email)[1] == "ne-pas-repondre@assoc.example"
    assert [parseaddr(a)[1] for a in to_organizer.reply_to] == ["camille@example.org"]
    assert "Peut-on venir avec un chien ?" in to_organizer.body
    assert f"/gestion/assoc/commandes/{order.code}/" in to_organizer.body
    assert f"/gestion/assoc/messages/{message.pk}/" in to_organizer.body
    assert to_organizer.alternatives and "Peut-on venir avec un chien ?" in str(to_organizer.alternatives[0][0])

    [copy] = emails_to("camille@example.org")
    assert "Votre message à Association des étudiants" in copy.subject
    assert "Peut-on venir avec un chien ?" in copy.body and order.code in copy.body
    assert order.secret not in copy.body  # the typed address may not be the buyer's: no order link
    assert [parseaddr(a)[1] for a in copy.reply_to] == ["contact@assoc.example"]

    kinds = set(OutboxMessage.objects.filter(order=order, kind__startswith="contact").values_list("kind", "state"))
    assert kinds == {(OutboxKind.CONTACT_MESSAGE, OutboxState.SENT), (OutboxKind.CONTACT_COPY, OutboxState.SENT)}


def test_from_the_footer_the_message_has_no_order(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    home = client.get(reverse("shop:home", args=[shop.organizer.slug]))
    assert f'href="{contact_url(shop)}"' in home.content.decode() and "Nous contacter" in text(home)
    assert "mailto:" not in home.content.decode()

    response = send(client, shop, moment, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    message = ContactMessage.objects.get()
    assert message.order is None
    [to_organizer] = emails_to("contact@assoc.example")
    assert to_organizer.subject.startswith("Formulaire de contact")
    assert "commande" not in to_organizer.subject
    assert len(emails_to("camille@example.org")) == 1
    assert OutboxMessage.objects.filter(order__isnull=True, state=OutboxState.SENT).count() == 2


def test_to_an_address_nobody_proved_the_copy_repeats_nothing_the_sender_typed(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """Anyone can type anyone's address: the form must not carry a text of their choosing to it."""
    spam = "Gagnez un iPhone sur arnaque.example"
    assert send(client, shop, moment, django_capture_on_commit_callbacks, name=spam, subject=spam,
                body=spam, email="victime@example.org").status_code == 302
    [copy] = emails_to("victime@example.org")
    assert copy.subject == "Votre message à Association des étudiants"
    rendered = copy.body + str(copy.alternatives[0][0])  # type: ignore[index]
    assert "arnaque" not in rendered and "iPhone" not in rendered
    assert "Si vous n'avez pas écrit ce message, ignorez cet e-mail" in html.unescape(copy.body)
    [to_organizer] = emails_to("contact@assoc.example")
    assert spam in to_organizer.body  # the organiser still reads it all
    assert not ContactMessage.objects.get().sender_proved


def test_from_the_order_page_another_typed_address_gets_no_copy_of_the_text(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order = order_paid(shop, email="camille@example.org")
    send(client, shop, moment, django_capture_on_commit_callbacks, order=order, email="autre@example.org",
         body="Texte choisi par l'expéditeur")
    [copy] = emails_to("autre@example.org")
    assert "Texte choisi" not in copy.body


def test_signed_in_with_a_proved_address_the_form_is_filled_and_the_copy_is_whole(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    from tests.customers.helpers import sign_in_by_link

    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    assert 'value="camille@example.org"' in client.get(contact_url(shop)).content.decode()
    send(client, shop, moment, django_capture_on_commit_callbacks, body="Une question sur la salle")
    [copy] = emails_to("camille@example.org")
    assert "Une question sur la salle" in copy.body and ContactMessage.objects.get().sender_proved


def test_the_copy_is_in_the_language_the_sender_wrote_in(
    shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    response = send(client, shop, moment, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [copy] = emails_to("camille@example.org")
    assert copy.subject.startswith("Your message to Association des étudiants")
    [to_organizer] = emails_to("contact@assoc.example")
    assert to_organizer.subject.startswith("Formulaire de contact")  # the organiser reads French


def test_a_message_is_stored_and_queued_together_or_not_at_all(
    client: Client, shop: Shop, moment: time_machine.Coordinates, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    calls = {"n": 0}
    from billetterie.notifications import services as outbox

    real = outbox.outbox_message_create

    def fail_second(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database gone")
        return real(**kwargs)

    monkeypatch.setattr(outbox, "outbox_message_create", fail_second)
    with pytest.raises(RuntimeError):
        contact_message_send(organizer=shop.organizer, name="Camille", email="camille@example.org",
                             subject="Bonjour", body="Un message")
    assert not ContactMessage.objects.exists() and not OutboxMessage.objects.exists()


# --- the order's reference: only through its secret link -------------------------------------


def test_the_order_is_attached_only_through_its_secret_link(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order = order_paid(shop)
    assert client.get(contact_url(shop, order, secret="x" * 27)).status_code == 404
    assert client.get(f"{contact_url(shop)}?order={order.code}").status_code == 404
    fields = shown_form(client, contact_url(shop))
    moment.shift(timedelta(seconds=20))
    url = contact_url(shop)
    # a code typed in the form (or slipped into its hidden fields) without the secret attaches nothing
    assert client.post(url, {**fields, **message_data(), "order": order.code}).status_code == 404
    assert client.post(url, {**fields, **message_data(), "order": order.code,
                             "secret": "y" * 27}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**fields, **message_data(subject=f"Commande {order.code}",
                                                              body=f"Ma commande {order.code}")})
    assert response.status_code == 302
    assert ContactMessage.objects.get().order is None


def test_another_organisers_order_link_is_not_found_here(client: Client, shop: Shop) -> None:
    other = shop_create(slug="autre")
    order = order_paid(other)
    url = reverse("shop:contact", args=[shop.organizer.slug]) + f"?order={order.code}&secret={order.secret}"
    assert client.get(url).status_code == 404
    assert client.get(contact_url(other, order)).status_code == 200


def test_a_service_caller_cannot_attach_another_organisers_order(shop: Shop) -> None:
    other = shop_create(slug="autre")
    order = order_paid(other)
    with pytest.raises(InvalidInput):
        contact_message_send(organizer=shop.organizer, name="Camille", email="camille@example.org",
                             subject="Bonjour", body="Un message", order=order)
    assert not ContactMessage.objects.exists()


def test_wrong_order_links_are_counted_like_every_order_link(client: Client, shop: Shop) -> None:
    order = order_paid(shop)
    answers = [client.get(contact_url(shop, order, secret=f"{n:027d}")).status_code for n in range(40)]
    assert answers[0] == 404 and answers[-1] == 429
    assert client.get(contact_url(shop, order)).status_code == 429  # even the right one, meanwhile


# --- spam ---------------------------------------------------------------------------------------


def test_the_hidden_field_filled_in_answers_like_a_success_and_stores_and_sends_nothing(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    page = client.get(contact_url(shop))
    hp = re.search(r'<div class="hp" aria-hidden="true">.*?name="website"', page.content.decode(), re.S)
    assert hp, "the hidden field is in its hidden box"
    assert 'style="' not in page.content.decode()  # no inline style: the CSP refuses them
    response = send(client, shop, moment, django_capture_on_commit_callbacks, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"].endswith("?sent=1")
    assert not ContactMessage.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_a_form_sent_too_fast_is_refused_with_what_was_typed_kept(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    fields = shown_form(client, contact_url(shop))
    moment.shift(timedelta(seconds=MIN_FILL_SECONDS - 1))
    response = client.post(contact_url(shop), {**fields, **message_data(subject="Vite fait")})
    assert response.status_code == 400
    page = text(response)
    assert "trop rapidement" in page
    assert 'value="Vite fait"' in page and "accessible en fauteuil" in page
    assert not ContactMessage.objects.exists()
    # the page gives a new stamp: sent again after a moment, it goes
    fields = {"stamp": html.unescape(STAMP.search(response.content.decode()).group(1))}  # type: ignore[union-attr]
    moment.shift(timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(contact_url(shop), {**fields, **message_data(subject="Vite fait")})
    assert again.status_code == 302
    assert ContactMessage.objects.get().subject == "Vite fait"


@pytest.mark.parametrize("stamp", ["", "forged", "too old", "other organiser"])
def test_a_missing_forged_old_or_foreign_stamp_is_refused(
    client: Client, shop: Shop, moment: time_machine.Coordinates, stamp: str,
) -> None:
    from billetterie.messaging.services import contact_form_stamp

    value = {"": "", "forged": "eyJvIjoxLCJ0IjoxfQ:forged:sig"}.get(stamp)
    if stamp == "too old":
        value = contact_form_stamp(organizer=shop.organizer)
        moment.shift(timedelta(days=2))
    elif stamp == "other organiser":
        value = contact_form_stamp(organizer=shop_create(slug="autre").organizer)
        moment.shift(timedelta(seconds=20))
    response = client.post(contact_url(shop), {"stamp": value, **message_data()})
    assert response.status_code == 400
    assert "envoyez-le à nouveau" in text(response)
    assert not ContactMessage.objects.exists()


def test_more_than_five_messages_an_hour_from_one_address_answer_429(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    for n in range(5):
        response = send(client, shop, moment, django_capture_on_commit_callbacks, address=f"192.0.2.{n + 1}",
                        email="Camille@Example.org" if n % 2 else "camille@example.org")
        assert response.status_code == 302, n
    refused = send(client, shop, moment, django_capture_on_commit_callbacks, address="192.0.2.99",
                   subject="Sixième")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    page = text(refused)
    assert "depuis cette adresse e-mail" in page and "minutes" in page
    assert 'value="Sixième"' in page  # what was typed is kept
    assert ContactMessage.objects.count() == 5
    # another address from the same client still goes; an hour later, this one too
    assert send(client, shop, moment, django_capture_on_commit_callbacks, address="192.0.2.99",
                email="autre@example.org").status_code == 302
    moment.shift(timedelta(hours=1))
    assert send(client, shop, moment, django_capture_on_commit_callbacks).status_code == 302


def test_more_than_ten_messages_an_hour_from_one_client_answer_429(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    for n in range(10):
        response = send(client, shop, moment, django_capture_on_commit_callbacks, address="203.0.113.7",
                        email=f"personne{n}@example.org")
        assert response.status_code == 302, n
    refused = send(client, shop, moment, django_capture_on_commit_callbacks, address="203.0.113.7",
                   email="onzieme@example.org")
    assert refused.status_code == 429
    assert "depuis votre connexion" in text(refused)
    assert ContactMessage.objects.count() == 10
    assert not emails_to("onzieme@example.org")
    # another client is not held back
    assert send(client, shop, moment, django_capture_on_commit_callbacks, address="198.51.100.1",
                email="onzieme@example.org").status_code == 302


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("over", "expected"), [
    ({"name": ""}, "Indiquez votre nom."),
    ({"email": ""}, "Indiquez votre adresse e-mail."),
    ({"email": "camille@"}, "Saisissez une adresse e-mail valide."),
    ({"subject": "   "}, "Indiquez un objet."),
    ({"body": ""}, "Écrivez votre message."),
    ({"subject": "x" * 151}, "au plus 150 caractères"),
    ({"body": "x" * 5001}, "au plus 5000 caractères"),
])
def test_bad_input_is_refused_next_to_the_field_with_what_was_typed_kept(
    client: Client, shop: Shop, moment: time_machine.Coordinates, over: dict[str, str], expected: str,
) -> None:
    fields = shown_form(client, contact_url(shop))
    moment.shift(timedelta(seconds=20))
    response = client.post(contact_url(shop), {**fields, **message_data(**over)})
    assert response.status_code == 400
    page = text(response)
    assert expected in page
    assert re.search(r'class="[^"]*errorlist', response.content.decode())
    kept = {k: v for k, v in message_data().items() if k not in over and k in ("name", "subject")}
    for value in kept.values():
        assert f'value="{value}"' in page
    assert not ContactMessage.objects.exists() and mail.outbox == []


def test_english_messages_next_to_the_fields(client: Client, shop: Shop) -> None:
    client.cookies["django_language"] = "en"
    response = client.post(contact_url(shop), {"stamp": "", **message_data(name="", subject="")})
    assert response.status_code == 400
    page = text(response)
    assert "Enter your name." in page and "Enter a subject." in page


def test_the_form_has_csrf_and_the_page_only_get_and_post(shop: Shop) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(contact_url(shop))
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert client.post(contact_url(shop), message_data()).status_code == 403
    assert Client().put(contact_url(shop)).status_code == 405
    assert not ContactMessage.objects.exists()


def test_an_unknown_organiser_is_not_found(client: Client, db: None) -> None:
    assert client.get("/personne/contact/").status_code == 404


def test_odd_input_never_gives_a_500(client: Client, shop: Shop, moment: time_machine.Coordinates) -> None:
    fields = shown_form(client, contact_url(shop))
    moment.shift(timedelta(seconds=20))
    for data in ({**fields, "name": ["a", "b"], "email": "x"}, {"order": "A" * 500, "secret": "b" * 500},
                 {**fields, **message_data(name="Camille\r\nBcc: x@example.org")}):
        assert client.post(contact_url(shop), data).status_code < 500


def test_header_characters_in_the_name_and_subject_do_not_reach_the_headers(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    response = send(client, shop, moment, django_capture_on_commit_callbacks,
                    name='Camille "Cam" Durand', subject="Objet\ttabulé")
    assert response.status_code == 302
    [to_organizer] = emails_to("contact@assoc.example")
    message = to_organizer.message()
    assert "\n" not in str(message["Subject"]).replace("\n ", "")
    assert parseaddr(str(message["Reply-To"]))[1] == "camille@example.org"


# --- tenants ------------------------------------------------------------------------------------


def test_each_organiser_receives_its_own_messages(
    client: Client, shop: Shop, moment: time_machine.Coordinates, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    other = shop_create(slug="autre")
    other.organizer.contact_email = "bureau@autre.example"
    other.organizer.save(update_fields=["contact_email"])
    assert send(client, other, moment, django_capture_on_commit_callbacks).status_code == 302
    message = ContactMessage.objects.get()
    assert message.organizer == other.organizer
    assert len(emails_to("bureau@autre.example")) == 1 and not emails_to("contact@assoc.example")

