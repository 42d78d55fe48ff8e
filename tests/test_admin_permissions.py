"""Staff who may only look (view permissions) cannot act: admin actions and the statement import
take the change permission, as the pages behind them already did (security review, 2026-11-30)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from billetterie.api.models import ApiToken
from billetterie.notifications.models import OutboxMessage, OutboxState
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, PaymentState, Refund, RefundState, StatementLine
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, door, order_placed

pytestmark = pytest.mark.django_db


def _staff(organizer: Organizer, *codenames: str) -> Client:
    user = User.objects.create_user("guichet", password="pw-long-enough-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    organizer.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


def _run(client: Client, changelist: str, action: str, pk: int) -> bool:
    """Post the action on the object (as a forged form would); whether the list page offered it."""
    page = client.get(changelist)
    assert page.status_code == 200
    client.post(changelist, {"action": action, "_selected_action": [pk]})
    return f'value="{action}"' in page.content.decode()


def _cases(shop: Shop) -> list[tuple[str, str, str, int, Callable[[], bool]]]:
    """(model, changelist, action, object id, a callable telling whether the action took effect)."""
    order = order_placed(shop, tickets=1, meals=0)
    paid = Payment.objects.create(order=order_placed(shop, tickets=1, meals=0), provider="cash", amount_cents=1500,
                                  state=PaymentState.CONFIRMED)
    refund = refund_create(payment=payment_record_external(order_id=order_placed(shop, tickets=1, meals=0).pk,
                                                           method="cash", amount_cents=1500), amount_cents=1500)
    checkin_list, _scope = door(shop)
    message = OutboxMessage.objects.create(kind="order_confirmed", order=order, to="a@example.org",
                                           dedup_key="x", state=OutboxState.FAILED)
    return [
        ("order", "/admin/orders/order/", "cancel_orders", order.pk,
         lambda: Order.objects.get(pk=order.pk).state == OrderState.CANCELLED),
        ("payment", "/admin/payments/payment/", "refund_full", paid.pk, lambda: paid.refunds.exists()),
        ("refund", "/admin/payments/refund/", "mark_done", refund.pk,
         lambda: Refund.objects.get(pk=refund.pk).state == RefundState.DONE),
        ("checkinlist", "/admin/checkin/checkinlist/", "scanner_link", checkin_list.pk,
         lambda: ApiToken.objects.exists()),
        ("outboxmessage", "/admin/notifications/outboxmessage/", "retry_now", message.pk,
         lambda: OutboxMessage.objects.get(pk=message.pk).state != OutboxState.FAILED),
    ]


@pytest.mark.parametrize("index", range(5))
def test_view_only_staff_are_not_offered_actions_and_cannot_post_them(shop: Shop, index: int) -> None:
    model, changelist, action, pk, took_effect = _cases(shop)[index]
    client = _staff(shop.organizer, f"view_{model}")
    assert not _run(client, changelist, action, pk)
    assert not took_effect()


@pytest.mark.parametrize("index", range(5))
def test_staff_who_may_change_still_can(shop: Shop, index: int) -> None:
    model, changelist, action, pk, took_effect = _cases(shop)[index]
    client = _staff(shop.organizer, f"view_{model}", f"change_{model}")
    assert _run(client, changelist, action, pk)
    assert took_effect()


def _import(client: Client, organizer: Organizer, order: Order) -> int:
    csv = f"Date;Libellé;Montant\n01/12/2026;VIR {order.code};15,00\n".encode()
    return client.post("/admin/payments/statementline/import/", {
        "organizer": organizer.pk, "file": SimpleUploadedFile("releve.csv", csv, content_type="text/csv"),
    }).status_code


def test_only_staff_who_may_change_payments_import_a_bank_statement(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    viewer = _staff(shop.organizer, "view_statementline", "view_payment")
    assert "Importer un relevé" not in viewer.get("/admin/payments/statementline/").content.decode()
    assert viewer.get("/admin/payments/statementline/import/").status_code == 403
    assert _import(viewer, shop.organizer, order) == 403
    assert not StatementLine.objects.exists() and Order.objects.get(pk=order.pk).state == OrderState.PENDING

    cashier = User.objects.get(username="guichet")
    cashier.user_permissions.add(Permission.objects.get(codename="change_payment"))
    assert "Importer un relevé" in viewer.get("/admin/payments/statementline/").content.decode()
    assert _import(viewer, shop.organizer, order) == 302
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
