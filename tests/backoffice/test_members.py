"""The member register in the back office (issue 12, item 6): who may see it (404 outside the team,
403 for a role without the permission); search, filters (type, state, season), active members per
type, pages; a membership added by hand makes a box-office order paid in cash whose payment grants
it (a type not sold: granted, no money); French messages on bad input and nothing written; a
member's page with their memberships and cards; details corrected, audited; the export's rows."""

from __future__ import annotations

import html
from datetime import date
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billetterie.core.models import AuditEntry
from billetterie.memberships.models import Member, Membership, MembershipType, ValidityRule
from billetterie.memberships.services import MemberDetails, membership_cancel, membership_grant
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role
from billetterie.payments.models import Channel, Payment
from billetterie.reporting.models import ExportJob, ExportState
from tests.factories import Shop, shop_create, team_member_create

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel("2026-10-15 10:00 +0200", tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _exports_dir(settings: object, tmp_path: object) -> None:
    settings.EXPORTS_DIR = str(tmp_path / "exports")  # type: ignore[attr-defined,operator]


@pytest.fixture
def shop() -> Shop:
    return shop_create()


@pytest.fixture
def season_type(shop: Shop) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Adhésion annuelle", product=shop.membership)


@pytest.fixture
def honour_type(shop: Shop) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Membre d'honneur", rule=ValidityRule.LIFETIME)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(shop: Shop) -> Client:
    return client_for(team_member_create(shop.organizer, role=Role.ADMIN))


def url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"backoffice:members:{name}", args=[shop.organizer.slug, *args])


def text(response: object) -> str:
    """The page's text, its no-break spaces (« : », « 5,00 € ») as plain ones."""
    body = html.unescape(response.content.decode())  # type: ignore[attr-defined]
    return body.replace("\u00a0", " ").replace("\u202f", " ")


def grant(membership_type: MembershipType, first: str, last: str, *, on: date = TODAY, email: str = "") -> Membership:
    return membership_grant(membership_type=membership_type, on=on,
                            details=MemberDetails(first_name=first, last_name=last, email=email))


# --- access ---------------------------------------------------------------------------------------


def test_outsiders_get_404_and_roles_without_the_permission_403(shop: Shop, season_type: MembershipType) -> None:
    membership = grant(season_type, "Maëlle", "Adhérente")
    other = shop_create(slug="autre")
    outsider = client_for(team_member_create(other.organizer, role=Role.ADMIN))
    pages = [url(shop, "index"), url(shop, "detail", membership.member_id), url(shop, "add"),
             url(shop, "edit", membership.member_id), url(shop, "card", membership.member_id, membership.pk)]
    for page in pages:
        assert outsider.get(page).status_code == 404, page
    checkin = client_for(team_member_create(shop.organizer, role=Role.CHECKIN))
    for page in pages:
        assert checkin.get(page).status_code == 403, page
    reader = client_for(team_member_create(shop.organizer, role=Role.READ_ONLY))
    assert reader.get(url(shop, "index")).status_code == 200
    assert reader.get(url(shop, "add")).status_code == 403  # money taken in hand: BOX_OFFICE
    assert reader.get(url(shop, "edit", membership.member_id)).status_code == 403  # ORDERS
    edited = reader.post(url(shop, "edit", membership.member_id), {"first_name": "X", "last_name": "Y"})
    assert edited.status_code == 403
    seller = client_for(team_member_create(shop.organizer, role=Role.BOX_OFFICE))
    assert seller.get(url(shop, "index")).status_code == 403
    assert seller.get(url(shop, "add")).status_code == 200
    # another organiser's member through this organiser's address: not found
    foreign = grant(MembershipType.objects.create(organizer=other.organizer, name="Autre"), "Zoé", "Ailleurs")
    admin = client_for(team_member_create(shop.organizer, role=Role.ADMIN))
    assert admin.get(url(shop, "detail", foreign.member_id)).status_code == 404
    assert admin.get(url(shop, "card", foreign.member_id, foreign.pk)).status_code == 404
    assert admin.get(url(shop, "card", membership.member_id, foreign.pk)).status_code == 404


def test_menu_says_adherents(admin: Client, shop: Shop) -> None:
    body = text(admin.get(reverse("backoffice:dashboard:index", args=[shop.organizer.slug])))
    assert f'href="{url(shop, "index")}"' in body and "Adhérents" in body


# --- the list -------------------------------------------------------------------------------------


def test_search_filters_and_counts(admin: Client, shop: Shop, season_type: MembershipType,
                                   honour_type: MembershipType) -> None:
    camille = grant(season_type, "Camille", "Durand", email="camille@example.org")
    leo = grant(season_type, "Léo", "Martin", on=date(2025, 10, 1))  # 2025-2026: expired
    ines = grant(season_type, "Inès", "Bernard")
    membership_cancel(membership_id=ines.pk)
    hugo = grant(honour_type, "Hugo", "Petit", on=date(2010, 5, 1))
    renewal = grant(season_type, "Camille", "Durand", email="camille@example.org")  # early renewal: upcoming
    assert renewal.start == date(2027, 9, 1)

    response = admin.get(url(shop, "index"))
    body = text(response)
    assert response.status_code == 200
    for m in (camille, leo, ines, hugo, renewal):
        assert f'id="membership-{m.pk}"' in body
    assert "Adhésion annuelle" in body and "À vie" in body
    # active members per type: Camille (season), Hugo (honour); two in all
    assert f'id="count-type-{season_type.pk}"><span class="figure">1</span>' in body
    assert f'id="count-type-{honour_type.pk}"><span class="figure">1</span>' in body
    assert "2</span><span class=\"label\">adhérents actifs" in body

    def shown(**params: object) -> set[int]:
        page = text(admin.get(url(shop, "index"), params))
        return {m.pk for m in (camille, leo, ines, hugo, renewal) if f'id="membership-{m.pk}"' in page}

    assert shown(q="durand") == {camille.pk, renewal.pk}
    assert shown(q="camille@example") == {camille.pk, renewal.pk}
    assert shown(q=leo.member.number) == {leo.pk}
    assert shown(q="léo martin") == {leo.pk}
    assert shown(type=honour_type.pk) == {hugo.pk}
    assert shown(state="active") == {camille.pk, hugo.pk}
    assert shown(state="expired") == {leo.pk}
    assert shown(state="cancelled") == {ines.pk}
    assert shown(state="upcoming") == {renewal.pk}
    assert shown(season=2025) == {leo.pk, hugo.pk}  # the honour membership covers every year
    assert shown(season=2026, type=season_type.pk) == {camille.pk, ines.pk}
    assert shown(season=2027) == {renewal.pk, hugo.pk}


def test_bad_filters_say_why_in_french(admin: Client, shop: Shop) -> None:
    response = admin.get(url(shop, "index"), {"season": "1850", "type": "999999999999999999999", "state": "x"})
    assert response.status_code == 400
    body = text(response)
    assert "Saisissez une année entre 2000 et 2099." in body
    assert "Choisissez l'un des types d'adhésion de la liste." in body


def test_pages_of_fifty(admin: Client, shop: Shop, season_type: MembershipType) -> None:
    for n in range(51):
        grant(season_type, f"Prénom{n:02d}", "Nom")
    first = text(admin.get(url(shop, "index")))
    assert first.count('<tr id="membership-') == 50 and "Page 1 sur 2" in first
    assert first.count('<tr id="membership-') == 50
    second = text(admin.get(url(shop, "index"), {"page": "2"}))
    assert second.count('<tr id="membership-') == 1
    assert text(admin.get(url(shop, "index"), {"page": "abc"})).count('<tr id="membership-') == 50


# --- a member's page, the card, the edit ------------------------------------------------------------


def test_member_page_shows_history_and_card(admin: Client, shop: Shop, season_type: MembershipType) -> None:
    old = grant(season_type, "Camille", "Durand", on=date(2025, 10, 1), email="camille@example.org")
    current = grant(season_type, "Camille", "Durand", email="camille@example.org")
    assert old.member_id == current.member_id
    body = text(admin.get(url(shop, "detail", old.member_id)))
    assert "Camille Durand" in body and old.member.number in body
    assert "Valable du 1 septembre 2025 au 31 août 2026" in body and "Expirée" in body
    assert "Valable du 1 septembre 2026 au 31 août 2027" in body and "Active" in body
    card = admin.get(url(shop, "card", current.member_id, current.pk))
    assert card.status_code == 200 and card["Content-Type"] == "application/pdf"
    assert card.content.startswith(b"%PDF")


def test_edit_details_is_audited_and_checked(admin: Client, shop: Shop, season_type: MembershipType) -> None:
    member = grant(season_type, "Camille", "Durand").member
    page = url(shop, "edit", member.pk)
    assert 'value="Camille"' in text(admin.get(page))
    bad = admin.post(page, {"first_name": "Camille", "last_name": "", "email": "pas-une-adresse",
                            "country": "F1", "birth_date": "2099-01-01"})
    assert bad.status_code == 400
    body = text(bad)
    assert "Ce champ est obligatoire." in body and "Saisissez une adresse e-mail valide." in body
    assert "Saisissez le code du pays en deux lettres, par exemple FR." in body
    assert "Saisissez une date de naissance valide." in body
    member.refresh_from_db()
    assert member.last_name == "Durand"
    done = admin.post(page, {"first_name": "Camille", "last_name": "Durand-Lefèvre", "email": "c@example.org",
                             "city": "Souillac", "country": "fr", "birth_date": "1990-04-02"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert (member.last_name, member.email, member.city, member.country, member.birth_date) == (
        "Durand-Lefèvre", "c@example.org", "Souillac", "FR", date(1990, 4, 2))
    entry = AuditEntry.objects.get(action="member.updated")
    assert entry.changes["last_name"] == ["Durand", "Durand-Lefèvre"] and entry.actor_kind == "staff"


# --- adding by hand ---------------------------------------------------------------------------------


def _add(client: Client, shop: Shop, membership_type: MembershipType, **fields: str) -> object:
    data = {"type": str(membership_type.pk), "amount": "10", "method": "cash", "first_name": "Maëlle",
            "last_name": "Adhérente", "email": "maelle@example.org", "city": "Souillac", "sale_key": "k1",
            "send_email": "on", **fields}
    return client.post(url(shop, "add"), data)


def test_added_by_hand_makes_a_box_office_order_its_payment_and_the_membership(
        shop: Shop, season_type: MembershipType, mailoutbox: list) -> None:
    seller_user = team_member_create(shop.organizer, role=Role.TICKETING)  # VIEW and BOX_OFFICE
    seller = client_for(seller_user)
    form = text(seller.get(url(shop, "add")))
    assert 'name="amount"' in form and 'value="cash"' in form and 'value="cheque"' in form
    response = _add(seller, shop, season_type, amount="10,00")
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.channel == Channel.BOX_OFFICE and order.state == OrderState.PAID and order.total_cents == 1000
    payment = Payment.objects.get(order=order)
    assert payment.provider == "cash" and payment.amount_cents == 1000
    membership = Membership.objects.get()
    assert membership.order_line.order == order and membership.type == season_type
    assert (membership.start, membership.end) == (date(2026, 9, 1), date(2027, 8, 31))
    member = membership.member
    assert (member.first_name, member.last_name, member.email, member.city) == (
        "Maëlle", "Adhérente", "maelle@example.org", "Souillac")
    assert response["Location"] == url(shop, "detail", member.pk)
    assert AuditEntry.objects.get(action="payment.recorded", order_id=order.pk).actor_id == str(seller_user.pk)
    # the replayed form (a double click) makes no second order
    assert _add(seller, shop, season_type, amount="10,00").status_code == 302
    assert Order.objects.count() == 1 and Membership.objects.count() == 1


def test_a_box_office_role_adds_and_prints_the_card(shop: Shop, season_type: MembershipType) -> None:
    seller = client_for(team_member_create(shop.organizer, role=Role.BOX_OFFICE))
    response = _add(seller, shop, season_type, method="cheque", reference="1234567", amount="5")
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert Payment.objects.get().provider == "cheque" and membership.order_line.amount_cents == 500
    page = text(seller.get(response["Location"]))
    card = url(shop, "card", membership.member_id, membership.pk)
    assert f'href="{card}"' in page
    assert seller.get(card).status_code == 200


def test_a_type_not_sold_is_granted_without_money(admin: Client, shop: Shop, honour_type: MembershipType) -> None:
    response = _add(admin, shop, honour_type, amount="", method="")
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert membership.order_line is None and membership.end is None and membership.type == honour_type
    assert not Order.objects.exists() and not Payment.objects.exists()
    refused = _add(admin, shop, honour_type, amount="20", sale_key="k2")
    assert refused.status_code == 400
    assert "Ce type n'est pas vendu" in text(refused)


def test_renewal_from_the_members_page(admin: Client, shop: Shop, season_type: MembershipType) -> None:
    current = grant(season_type, "Camille", "Durand", email="camille@example.org")
    form = text(admin.get(url(shop, "add"), {"adherent": current.member_id}))
    assert 'value="Camille"' in form and 'value="Durand"' in form
    response = admin.post(url(shop, "add"), {
        "adherent": str(current.member_id), "type": str(season_type.pk), "amount": "10", "method": "cash",
        "first_name": "Camille", "last_name": "Durand", "email": "", "sale_key": "r1"})
    assert response.status_code == 302, text(response)
    renewal = Membership.objects.exclude(pk=current.pk).get()
    assert renewal.member_id == current.member_id and renewal.renews == current
    assert renewal.start == date(2027, 9, 1)
    assert Member.objects.count() == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"amount": "12"}, "Saisissez l'un des tarifs de cette adhésion : 5,00 € (Étudiant), 10,00 € (Ancien étudiant)."),
    ({"amount": "dix"}, "Saisissez un montant en euros, par exemple 15 ou 15,50."),
    ({"amount": ""}, "Saisissez le montant reçu."),
    ({"method": ""}, "Choisissez comment l'adhérent a payé."),
    ({"method": "sandbox"}, "Sélectionnez un choix valide."),
    ({"last_name": ""}, "Ce champ est obligatoire."),
    ({"type": ""}, "Choisissez le type d'adhésion."),
    ({"email": ""}, "Indiquez l'e-mail de l'adhérent pour lui envoyer la confirmation, ou décochez la case."),
])
def test_bad_input_says_why_and_writes_nothing(admin: Client, shop: Shop, season_type: MembershipType,
                                               fields: dict[str, str], message: str) -> None:
    response = _add(admin, shop, season_type, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert not Order.objects.exists() and not Membership.objects.exists() and not Member.objects.exists()


# --- the export -------------------------------------------------------------------------------------


def test_export_rows_follow_the_registers_filters(admin: Client, shop: Shop, season_type: MembershipType,
                                                 honour_type: MembershipType) -> None:
    _add(admin, shop, season_type, birth_date="1990-04-02")
    grant(honour_type, "Hugo", "Petit", on=date(2010, 5, 1))
    grant(season_type, "Léo", "Martin", on=date(2025, 10, 1))
    page = text(admin.get(url(shop, "index"), {"state": "active"}))
    assert 'id="members-export"' in page and 'name="members-state" value="active"' in page
    response = admin.post(reverse("backoffice:exports:start", args=[shop.organizer.slug, "members"]), {
        "members-q": "", "members-type": "", "members-state": "active", "members-season": "",
        "members-format": "xlsx"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.state == ExportState.DONE, job.error
    download = admin.get(reverse("backoffice:exports:download", args=[shop.organizer.slug, job.pk]))
    book = openpyxl.load_workbook(BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    header, *values = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    rows = [dict(zip(header, row, strict=True)) for row in values]
    by_name = {r["Nom"]: r for r in rows}
    assert set(by_name) == {"Adhérente", "Petit"}
    maelle = by_name["Adhérente"]
    assert maelle["Prénom"] == "Maëlle" and maelle["E-mail"] == "maelle@example.org"
    assert maelle["Type d'adhésion"] == "Adhésion annuelle" and maelle["Tarif"] == "Ancien étudiant"
    assert maelle["Montant"] == 10.0 and maelle["État"] == "Active"
    assert maelle["Valable du"].date() == date(2026, 9, 1) and maelle["Valable jusqu'au"].date() == date(2027, 8, 31)
    assert maelle["Date de naissance"].date() == date(1990, 4, 2)
    assert by_name["Petit"]["Commande"] is None and by_name["Petit"]["Valable jusqu'au"] is None


# --- « Vérifier une carte d'adhérent » ------------------------------------------------------------


def test_door_staff_check_a_card(shop: Shop, season_type: MembershipType) -> None:
    from billetterie.tickets.membership_card import card_payload

    membership = grant(season_type, "Maëlle", "Adhérente")
    payload = card_payload(membership=membership)
    door = client_for(team_member_create(shop.organizer, role=Role.CHECKIN))  # SCAN only
    page = reverse("backoffice:checkin:card_check", args=[shop.organizer.slug])
    assert door.get(page).status_code == 200
    valid = text(door.post(page, {"text": payload}))
    assert "Adhésion valide" in valid and "Maëlle Adhérente" in valid and "31 août 2027" in valid
    assert url(shop, "detail", membership.member_id) not in valid  # no register for the Check-in role
    unknown = text(door.post(page, {"text": payload[:-3] + "AAA"}))
    assert "Carte inconnue" in unknown and "Maëlle" not in unknown
    empty = door.post(page, {"text": ""})
    assert empty.status_code == 400 and "Scannez ou collez le QR code de la carte." in text(empty)
    membership_cancel(membership_id=membership.pk)
    assert "Adhésion annulée" in text(door.post(page, {"text": payload}))
    expired = grant(season_type, "Léo", "Martin", on=date(2025, 10, 1))  # ended on 31 August 2026
    assert "Adhésion expirée" in text(door.post(page, {"text": card_payload(membership=expired)}))
    rival = client_for(team_member_create(shop_create(slug="rival").organizer, role=Role.ADMIN))
    rival_page = reverse("backoffice:checkin:card_check", args=["rival"])
    assert "Carte inconnue" in text(rival.post(rival_page, {"text": payload}))
    admin = client_for(team_member_create(shop.organizer, role=Role.ADMIN))
    assert url(shop, "detail", membership.member_id) in text(admin.post(page, {"text": payload}))
