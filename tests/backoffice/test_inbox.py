"""The back office's Messages (issue 12, item 7): what buyers wrote from the shop's contact form,
those to handle first then the newest; a search and a filter; a message's page with its order;
« Marquer comme traité » (ORDERS), audited; reading needs VIEW; another organiser's messages
answer 404."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billetterie.core import clock
from billetterie.core.models import AuditEntry
from billetterie.messaging.models import ContactMessage
from billetterie.messaging.services import contact_message_mark_handled, contact_message_send
from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer, Role
from tests.factories import Shop, order_paid, shop_create, team_member_create

pytestmark = pytest.mark.django_db


def url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"backoffice:inbox:{name}", args=[shop.organizer.slug, *args])


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def message_create(organizer: Organizer, *, name: str = "Camille Durand", email: str = "camille@example.org",
                   subject: str = "Une question", body: str = "Bonjour", order: Order | None = None,
                   ago: timedelta = timedelta(0)) -> ContactMessage:
    with time_machine.travel(clock.now() - ago, tick=False):
        return contact_message_send(organizer=organizer, name=name, email=email, subject=subject, body=body,
                                    order=order)


@pytest.fixture
def admin(shop: Shop) -> Client:
    return client_for(team_member_create(shop.organizer, role=Role.ADMIN))


def test_the_list_shows_those_to_handle_first_then_the_newest(admin: Client, shop: Shop) -> None:
    old = message_create(shop.organizer, subject="Ancienne question", ago=timedelta(days=3))
    handled = message_create(shop.organizer, subject="Déjà traitée", ago=timedelta(hours=1))
    new = message_create(shop.organizer, subject="Nouvelle question", ago=timedelta(minutes=5))
    contact_message_mark_handled(organizer=shop.organizer, message_id=handled.pk, user_id=None)

    page = admin.get(url(shop, "index"))
    assert page.status_code == 200
    content = text(page)
    order = [content.index(s) for s in ("Nouvelle question", "Ancienne question", "Déjà traitée")]
    assert order == sorted(order)
    assert re.search(r'class="figure">2</span><span class="label">messages à traiter<', content)
    assert f'href="{url(shop, "detail", new.pk)}"' in page.content.decode()
    assert f'href="{url(shop, "detail", old.pk)}"' in page.content.decode()
    menu = page.content.decode().split('class="menu"', 1)[-1]
    assert f'href="{url(shop, "index")}"' in menu and "Messages" in menu

    to_handle = text(admin.get(url(shop, "index"), {"state": "open"}))
    assert "Nouvelle question" in to_handle and "Déjà traitée" not in to_handle
    done = text(admin.get(url(shop, "index"), {"state": "handled"}))
    assert "Déjà traitée" in done and "Nouvelle question" not in done


def test_the_search_finds_by_name_email_subject_text_and_order_code(admin: Client, shop: Shop) -> None:
    order = order_paid(shop, name="Léa Martin", email="lea@example.org")
    message_create(shop.organizer, name="Léa Martin", email="lea@example.org", subject="Ma commande",
                   body="Le repas est-il végétarien ?", order=order)
    message_create(shop.organizer, name="Paul Girard", email="paul@example.org", subject="Parking")
    for query in ("martin", "lea@example", "commande", "végétarien", order.code.lower()):
        page = text(admin.get(url(shop, "index"), {"q": query}))
        assert "Ma commande" in page and "Parking" not in page, query
    assert "Aucun message ne correspond." in text(admin.get(url(shop, "index"), {"q": "introuvable"}))
    assert admin.get(url(shop, "index"), {"state": "nonsense"}).status_code == 200


def test_a_message_page_links_to_its_order(admin: Client, shop: Shop) -> None:
    order = order_paid(shop)
    message = message_create(shop.organizer, order=order, body="Ligne un\nLigne deux <b>gras</b>")
    page = admin.get(url(shop, "detail", message.pk))
    assert page.status_code == 200
    content = page.content.decode()
    assert f'href="{reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code])}"' in content
    assert "Ligne un<br>Ligne deux &lt;b&gt;gras&lt;/b&gt;" in content  # escaped
    assert "Marquer comme traité" in text(page)
    without = admin.get(url(shop, "detail", message_create(shop.organizer).pk))
    assert "aucune commande" in text(without)


def test_marking_handled_is_audited_and_can_be_undone(shop: Shop) -> None:
    user = team_member_create(shop.organizer, role=Role.TICKETING)
    client = client_for(user)
    message = message_create(shop.organizer)
    response = client.post(url(shop, "handled", message.pk))
    assert response.status_code == 302 and response["Location"] == url(shop, "detail", message.pk)
    message.refresh_from_db()
    assert message.handled_at is not None and message.handled_by == user
    entry = AuditEntry.objects.get(action="contact_message.handled")
    assert (entry.organizer_id, entry.subject_type, entry.subject_id) == (shop.organizer.pk, "contactmessage",
                                                                          message.pk)
    assert entry.actor_id == str(user.pk)
    page = text(client.get(url(shop, "detail", message.pk)))
    assert "Traité le" in page and "Remettre à traiter" in page

    # a second click changes nothing and writes nothing
    assert client.post(url(shop, "handled", message.pk)).status_code == 302
    assert AuditEntry.objects.filter(action="contact_message.handled").count() == 1

    assert client.post(url(shop, "handled", message.pk), {"handled": "0"}).status_code == 302
    message.refresh_from_db()
    assert message.handled_at is None and message.handled_by is None
    assert AuditEntry.objects.filter(action="contact_message.reopened").count() == 1


@pytest.mark.parametrize(("role", "read", "handle"), [
    (Role.ADMIN, 200, 302), (Role.TREASURY, 200, 302), (Role.TICKETING, 200, 302),
    (Role.READ_ONLY, 200, 403), (Role.BOX_OFFICE, 403, 403), (Role.CHECKIN, 403, 403),
])
def test_who_may_read_and_who_may_mark_handled(shop: Shop, role: str, read: int, handle: int) -> None:
    message = message_create(shop.organizer)
    client = client_for(team_member_create(shop.organizer, role=role))
    assert client.get(url(shop, "index")).status_code == read
    detail = client.get(url(shop, "detail", message.pk))
    assert detail.status_code == read
    if read == 200:
        assert ("Marquer comme traité" in text(detail)) == (handle == 302)
    assert client.post(url(shop, "handled", message.pk)).status_code == handle
    message.refresh_from_db()
    assert (message.handled_at is not None) == (handle == 302)


def test_signed_out_goes_to_sign_in_and_marking_needs_a_post(admin: Client, shop: Shop) -> None:
    message = message_create(shop.organizer)
    response = Client().get(url(shop, "index"))
    assert response.status_code == 302 and reverse("backoffice:login") in response["Location"]
    assert admin.get(url(shop, "handled", message.pk)).status_code == 405


def test_another_organisers_messages_are_not_found(admin: Client, shop: Shop) -> None:
    other = shop_create(slug="autre")
    theirs = message_create(other.organizer, subject="Chez les autres")
    assert "Chez les autres" not in text(admin.get(url(shop, "index")))
    assert "Chez les autres" not in text(admin.get(url(shop, "index"), {"q": "autres"}))
    assert admin.get(url(shop, "detail", theirs.pk)).status_code == 404
    assert admin.post(url(shop, "handled", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.handled_at is None
    assert not AuditEntry.objects.filter(action__startswith="contact_message").exists()
    # nor through their organiser's address, for someone outside its team
    assert admin.get(reverse("backoffice:inbox:index", args=["autre"])).status_code == 404
    assert admin.get(reverse("backoffice:inbox:detail", args=["autre", theirs.pk])).status_code == 404
