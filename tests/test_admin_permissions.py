"""The Django admin is for the platform's operators only (issue 11: « The Django admin stays for the
platform's operators only »). An organiser's team member — even one with the staff flag and every
model permission, as the demo's staff login had — is sent from any admin page to the back office
with a message, cannot run an admin action nor import a bank statement by posting a forged form,
and cannot sign in at the admin's sign-in page; a superuser (an operator) still can, after the
two-factor code when they turned it on."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from billetterie.api.models import ApiToken
from billetterie.notifications.models import OutboxMessage, OutboxState
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Refund, RefundState, StatementLine
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import PASSWORD, Shop, door, order_placed, team_member_create

pytestmark = pytest.mark.django_db


def _team_staff(organizer: Organizer) -> Client:
    """A team administrator with the staff flag and every model permission: what the demo's staff
    login was, and what an organiser's staff could be given before."""
    user = team_member_create(organizer, email="guichet@assoc.example")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(user)
    return client


def _operator() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("ops", "ops@example.org", PASSWORD))
    return client


def _run(client: Client, changelist: str, action: str, pk: int) -> bool:
    """Post the action on the object (as a forged form would); whether the list page offered it."""
    page = client.get(changelist)
    client.post(changelist, {"action": action, "_selected_action": [pk]})
    return page.status_code == 200 and f'value="{action}"' in page.content.decode()


def _cases(shop: Shop) -> list[tuple[str, str, int, Callable[[], bool]]]:
    """(changelist, action, object id, a callable telling whether the action took effect)."""
    order = order_placed(shop, tickets=1, meals=0)
    paid = payment_record_external(order_id=order_placed(shop, tickets=1, meals=0).pk, method="cash",
                                   amount_cents=1500)
    refund = refund_create(payment=payment_record_external(order_id=order_placed(shop, tickets=1, meals=0).pk,
                                                           method="cash", amount_cents=1500), amount_cents=1500)
    checkin_list, _scope = door(shop)
    message = OutboxMessage.objects.create(kind="order_confirmed", order=order, to="a@example.org",
                                           dedup_key="x", state=OutboxState.FAILED)
    return [
        ("/admin/orders/order/", "cancel_orders", order.pk,
         lambda: Order.objects.get(pk=order.pk).state == OrderState.CANCELLED),
        ("/admin/payments/payment/", "refund_full", paid.pk, lambda: paid.refunds.exists()),
        ("/admin/payments/refund/", "mark_done", refund.pk,
         lambda: Refund.objects.get(pk=refund.pk).state == RefundState.DONE),
        ("/admin/checkin/checkinlist/", "scanner_link", checkin_list.pk, lambda: ApiToken.objects.exists()),
        ("/admin/notifications/outboxmessage/", "retry_now", message.pk,
         lambda: OutboxMessage.objects.get(pk=message.pk).state != OutboxState.FAILED),
    ]


@pytest.mark.parametrize("index", range(5))
def test_team_members_cannot_open_the_admin_nor_post_its_actions(shop: Shop, index: int) -> None:
    changelist, action, pk, took_effect = _cases(shop)[index]
    client = _team_staff(shop.organizer)
    assert not _run(client, changelist, action, pk)
    assert not took_effect()


@pytest.mark.parametrize("index", range(5))
def test_operators_still_can(shop: Shop, index: int) -> None:
    changelist, action, pk, took_effect = _cases(shop)[index]
    assert _run(_operator(), changelist, action, pk)
    assert took_effect()


def test_a_team_member_is_sent_to_the_back_office_with_a_message(shop: Shop) -> None:
    client = _team_staff(shop.organizer)
    response = client.get("/admin/orders/order/", follow=True)
    assert response.redirect_chain[-1][0] == f"/gestion/{shop.organizer.slug}/tableau-de-bord/"
    assert "L'administration Django est réservée aux exploitants de la plateforme" in html.unescape(
        response.content.decode())
    assert client.get("/admin/").status_code == 302


def test_a_team_member_cannot_sign_in_at_the_admins_sign_in_page(shop: Shop) -> None:
    user = team_member_create(shop.organizer, email="chef@assoc.example")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    page = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert page.status_code == 200
    assert "/gestion/" in page.content.decode()  # told where to sign in
    assert not page.wsgi_request.user.is_authenticated


def _import(client: Client, organizer: Organizer, order: Order) -> int:
    csv = f"Date;Libellé;Montant\n01/12/2026;VIR {order.code};15,00\n".encode()
    return client.post("/admin/payments/statementline/import/", {
        "organizer": organizer.pk, "file": SimpleUploadedFile("releve.csv", csv, content_type="text/csv"),
    }).status_code


def test_only_operators_import_a_bank_statement(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    staff = _team_staff(shop.organizer)
    assert staff.get("/admin/payments/statementline/import/").status_code == 302
    assert _import(staff, shop.organizer, order) == 302
    assert not StatementLine.objects.exists() and Order.objects.get(pk=order.pk).state == OrderState.PENDING

    assert _import(_operator(), shop.organizer, order) == 302
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID


def test_an_operator_with_two_factor_passes_the_code_step_first() -> None:
    operator = User.objects.create_superuser("ops", "ops@example.org", PASSWORD)
    device = TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    client = Client()
    client.post("/admin/login/", {"username": "ops", "password": PASSWORD})  # the password only
    response = client.get("/admin/")
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing.status_code == 302 and landing["Location"].startswith("/gestion/connexion/?next=/admin/")
    client.force_login(operator)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what the back office's code step leaves
    session.save()
    assert client.get("/admin/").status_code == 200


def test_the_demo_tells_the_right_logins(shop: Shop) -> None:
    from billetterie.jobs.management.commands.load_demo import OPERATOR_USERNAME, STAFF_USERNAME, staff_load

    staff_load(shop.organizer, "pw-long-enough-1")
    demo, operator = Client(), Client()
    assert demo.login(username=STAFF_USERNAME, password="pw-long-enough-1")
    assert demo.get("/admin/").status_code == 302  # the team's administrator works in /gestion/
    assert operator.login(username=OPERATOR_USERNAME, password="pw-long-enough-1")
    assert operator.get("/admin/").status_code == 200
