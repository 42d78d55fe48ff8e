"""The bank statement import runs as a background job (the mail queue) with its progress: the
upload keeps the file and queues it, the job imports it chunk by chunk (each chunk one transaction
with its progress), a run stopped anywhere goes on from where it stood without recording a
transfer twice, and the admin's progress page refreshes itself until the end (decision 0011)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from billetterie.core import clock
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments import services, tasks
from billetterie.payments.models import Payment, StatementImport, StatementImportState, StatementLine
from billetterie.payments.services import statement_import_run, statement_import_start, statement_imports_stalled
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


def _csv(orders: list[Order], others: int = 3) -> str:
    lines = [f"0{i + 1}/12/2026;VIR M DUPONT {order.code};15,00" for i, order in enumerate(orders)]
    lines += [f"02/12/2026;CB SUPERMARCHE {i};-12,30" for i in range(others)]
    return "Date;Libellé;Montant\n" + "\n".join(lines) + "\n"


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The mail queue as in production: tasks wait for a worker (here: the test runs them)."""
    waiting: list[int] = []
    monkeypatch.setattr(tasks, "statement_import_task", waiting.append)
    return waiting


def _root() -> Client:
    User.objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    return client


def _upload(client: Client, organizer: Organizer, csv: str) -> Any:
    return client.post(reverse("admin:payments_statement_import"), {
        "organizer": organizer.pk, "file": SimpleUploadedFile("releve.csv", csv.encode(), content_type="text/csv")})


def test_the_upload_queues_the_file_and_the_progress_page_follows_the_job(shop: Shop, queued: list[int]) -> None:
    orders = [order_placed(shop, tickets=1, meals=0), order_placed(shop, tickets=1, meals=0)]
    client = _root()
    response = _upload(client, shop.organizer, _csv(orders))
    job = StatementImport.objects.get()
    assert queued == [job.pk]  # on the mail queue, not imported in the request
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:payments_statement_import_progress", args=[job.pk])
    assert (job.state, job.total_lines, job.lines_done, job.filename) == (StatementImportState.QUEUED, 5, 0,
                                                                        "releve.csv")
    assert job.created_by == User.objects.get(username="root")
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # no script: the CSP has nothing to allow
    assert "0 lignes lues sur 5." in page and 'value="0"' in page
    assert not Payment.objects.exists()

    statement_import_run(import_id=job.pk)  # the worker
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "5 lignes lues sur 5." in page
    assert escape("2 paiements enregistrés, 0 lignes déjà importées, 3 sans code de commande, 0 à vérifier.") in page
    assert all(Order.objects.get(pk=o.pk).state == OrderState.PAID for o in orders)
    job.refresh_from_db()
    assert job.state == StatementImportState.DONE and job.finished_at is not None
    assert job.content == ""  # the bank's lines are not kept once imported


def test_a_file_that_is_not_a_statement_is_refused_at_upload(shop: Shop, queued: list[int]) -> None:
    response = _upload(_root(), shop.organizer, "a;b\n1;2\n")
    assert response.status_code == 400
    assert not StatementImport.objects.exists() and queued == []


def test_a_run_killed_midway_goes_on_from_its_progress_and_records_nothing_twice(
    shop: Shop, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "STATEMENT_CHUNK_LINES", 2)
    orders = [order_placed(shop, tickets=1, meals=0) for _ in range(5)]
    job = statement_import_start(organizer_id=shop.organizer.pk, content=_csv(orders, others=2))
    record = services.payment_record_external
    calls: list[int] = []

    def killed_on_the_fourth(**kwargs: Any) -> Payment:
        calls.append(kwargs["order_id"])
        if len(calls) == 4:
            raise SystemExit("the worker was killed")  # not an error the import handles: a crash
        return record(**kwargs)

    monkeypatch.setattr(services, "payment_record_external", killed_on_the_fourth)
    with pytest.raises(SystemExit):
        statement_import_run(import_id=job.pk)
    job.refresh_from_db()
    # the first chunk (two lines) committed with its progress; the second rolled back whole, the
    # transfer it had recorded before the crash included
    assert (job.state, job.lines_done, job.recorded) == (StatementImportState.RUNNING, 2, 2)
    assert StatementLine.objects.count() == 2 and Payment.objects.count() == 2
    monkeypatch.setattr(services, "payment_record_external", record)

    assert statement_imports_stalled() == []  # not yet: it may only be slow
    with time_machine.travel(clock.now() + timedelta(minutes=6)):
        assert statement_imports_stalled() == [job.pk]
        tasks.statement_imports_resume()  # the periodic job queues it again
    assert queued == [job.pk, job.pk]
    statement_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.lines_done, job.total_lines) == (StatementImportState.DONE, 7, 7)
    assert (job.recorded, job.already_imported, job.unmatched, job.problems) == (5, 0, 2, 0)
    assert sorted(p.order_id for p in Payment.objects.all()) == sorted(o.pk for o in orders)  # each once
    assert StatementLine.objects.count() == 7
    statement_import_run(import_id=job.pk)  # a late duplicate of the task: nothing happens
    assert Payment.objects.count() == 5


def test_a_database_error_stops_the_job_which_staff_resume(shop: Shop, queued: list[int],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    order, other = order_placed(shop, tickets=1, meals=0), order_placed(shop, tickets=1, meals=0)
    client = _root()
    _upload(client, shop.organizer, _csv([order, other], others=0))
    job = StatementImport.objects.get()
    record = services.payment_record_external

    def busy_on_the_second(**kwargs: Any) -> Payment:
        if kwargs["order_id"] == other.pk:
            raise OperationalError("database is locked")
        return record(**kwargs)

    monkeypatch.setattr(services, "payment_record_external", busy_on_the_second)
    with pytest.raises(OperationalError):  # raised again: the queue retries it
        statement_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.lines_done, job.error) == (StatementImportState.FAILED, 1, "database is locked")
    url = reverse("admin:payments_statement_import_progress", args=[job.pk])
    page = client.get(url).content.decode()
    assert "Reprendre l'import" in page and 'http-equiv="refresh"' not in page
    monkeypatch.undo()
    monkeypatch.setattr(tasks, "statement_import_task", lambda pk: statement_import_run(import_id=pk))
    assert client.post(url).status_code == 302
    job.refresh_from_db()
    assert (job.state, job.recorded) == (StatementImportState.DONE, 2)
    assert [p.order_id for p in Payment.objects.order_by("order_id")] == [order.pk, other.pk]


def test_the_progress_page_in_the_admin_is_for_the_platform_operators_only(shop: Shop, queued: list[int]) -> None:
    job = statement_import_start(organizer_id=shop.organizer.pk, content=_csv([order_placed(shop, tickets=1, meals=0)]))
    url = reverse("admin:payments_statement_import_progress", args=[job.pk])
    staff = User.objects.create_user("guichet", password="pw-long-enough-1", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_statementline", "change_payment"]))
    shop.organizer.staff.add(staff)
    client = Client()
    client.force_login(staff)
    assert client.get(url).status_code == 302  # organisers work in the back office: the admin sends them to sign in
    client.force_login(User.objects.create_superuser("operateur", password="pw-long-enough-1"))
    assert client.get(url).status_code == 200
