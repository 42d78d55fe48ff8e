"""The staff's live check-in dashboard and the exports of scanned and not scanned tickets."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.test import Client

from billetterie.checkin.services import scan_redeem
from tests.factories import Shop, door, shop_create, tickets_issued

pytestmark = pytest.mark.django_db


def _staff(shop: Shop, username: str = "porte") -> Client:
    user = User.objects.create_user(username=username, password="x", is_staff=True)
    shop.organizer.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_counts_and_latest_scans(shop: Shop) -> None:
    checkin_list, scope = door(shop)
    issued = tickets_issued(shop, 3)
    scan_redeem(scope=scope, text=issued[0][1], device_id="porte-1")
    scan_redeem(scope=scope, text=issued[0][1], device_id="porte-2")
    client = _staff(shop)
    page = client.get(f"/checkin/dashboard/{checkin_list.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Déjà scanné" in html and "porte-2" in html
    live = client.get(f"/checkin/dashboard/{checkin_list.pk}/live.json").json()
    assert (live["checked_in"], live["sold"]) == (1, 3)
    assert live["dates"] == [{"date_id": shop.date.pk, "checked_in": 1, "sold": 3}]
    assert [r["result"] for r in live["recent"]] == ["already_redeemed", "ok"]
    index = client.get("/checkin/dashboard/").content.decode()
    assert checkin_list.name in index


def test_dashboard_is_scoped_to_the_staff_users_organisers(shop: Shop) -> None:
    rival = shop_create(slug="rival")
    rival_list, _scope = door(rival)
    client = _staff(shop)
    assert client.get(f"/checkin/dashboard/{rival_list.pk}/").status_code == 404
    assert client.get(f"/checkin/dashboard/{rival_list.pk}/export.csv").status_code == 404
    assert Client().get(f"/checkin/dashboard/{rival_list.pk}/").status_code == 302  # to the login page


def test_exports_scanned_and_not_scanned(shop: Shop) -> None:
    checkin_list, scope = door(shop)
    issued = tickets_issued(shop, 2)
    scan_redeem(scope=scope, text=issued[0][1], device_id="porte-1")
    client = _staff(shop)
    scanned = client.get(f"/checkin/dashboard/{checkin_list.pk}/export.csv", {"scanned": "1"})
    assert scanned["Content-Type"].startswith("text/csv")
    body = scanned.content
    assert body.startswith("\ufeff".encode())
    rows = body.decode("utf-8-sig").splitlines()
    assert rows[0].split(";")[0] == "Billet n°"
    assert len(rows) == 2 and rows[1].startswith(issued[0][0].serial + ";") and "porte-1" in rows[1]
    not_scanned = client.get(f"/checkin/dashboard/{checkin_list.pk}/export.csv", {"scanned": "0"})
    rows = not_scanned.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and rows[1].startswith(issued[1][0].serial + ";")
    xlsx = client.get(f"/checkin/dashboard/{checkin_list.pk}/export.xlsx", {"scanned": "0"})
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        shared = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert issued[1][0].serial in shared + sheet
    assert "Non scannés" in book_names(xlsx.content)


def book_names(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return book.read("xl/workbook.xml").decode()


def test_csv_cells_cannot_be_formulas(shop: Shop) -> None:
    from billetterie.orders.models import OrderLine

    checkin_list, _scope = door(shop)
    [(line, _text)] = tickets_issued(shop)
    OrderLine.objects.filter(pk=line.pk).update(attendee_name="=HYPERLINK(\"http://x\")")
    client = _staff(shop)
    rows = client.get(f"/checkin/dashboard/{checkin_list.pk}/export.csv").content.decode("utf-8-sig").splitlines()
    assert ";\"'=HYPERLINK" in rows[1]


def test_admin_action_makes_a_scanner_link_that_works(shop: Shop) -> None:
    checkin_list, _scope = door(shop)
    user = User.objects.create_superuser(username="chef", password="x")
    client = Client()
    client.force_login(user)
    page = client.post(
        "/admin/checkin/checkinlist/", {"action": "scanner_link", "_selected_action": [checkin_list.pk]}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    link = html.split(f"/checkin/scan/?list={checkin_list.pk}#token=")[1].split('"')[0].split("<")[0]
    api = client_for_token(link)
    assert api.get("/api/v1/checkin/lists").status_code == 200


def client_for_token(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_the_live_dashboard_asks_the_two_factor_code_as_the_back_office_does(shop: Shop) -> None:
    """A person who turned two-factor on and whose session skipped the code (signed in where no code
    is asked) is signed out and sent to the back office's sign-in, on every staff page of /checkin/;
    once past the code, the pages open (issue 11 review)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import team_member_create

    checkin_list, _scope = door(shop)
    user = team_member_create(shop.organizer, email="chef@assoc.example")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    client.force_login(user)  # password only
    for url in ("/checkin/dashboard/", f"/checkin/dashboard/{checkin_list.pk}/",
                f"/checkin/dashboard/{checkin_list.pk}/live.json", f"/checkin/dashboard/{checkin_list.pk}/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/gestion/connexion/"), url
        client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what passing the code step leaves
    session.save()
    assert client.get(f"/checkin/dashboard/{checkin_list.pk}/").status_code == 200
    assert client.get(f"/checkin/dashboard/{checkin_list.pk}/live.json").status_code == 200
