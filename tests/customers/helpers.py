"""Driving the shop's account pages through HTTP like a buyer does."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from billetterie.core import clock
from billetterie.customers.models import Customer
from billetterie.memberships.models import Member, Membership, MembershipType
from billetterie.organizers.models import Organizer

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
LINK = re.compile(r"https?://[^\s\"<>]+/account/link/[A-Za-z0-9_-]+/")


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def ask_link(client: Client, organizer: Organizer, email: str, on_commit: OnCommit, *,
             address: str = "127.0.0.1", next_path: str = "") -> Any:
    with on_commit(execute=True):
        return client.post(reverse("shop:account_sign_in", args=[organizer.slug]),
                           {"email": email, "next": next_path}, REMOTE_ADDR=address)


def link_in_mail(email: str) -> str:
    """The path of the last sign-in link emailed to `email`."""
    found = [m for m in mail.outbox if email in m.to]
    assert found, f"no email to {email}"
    match = LINK.search(found[-1].body)
    assert match, found[-1].body
    return "/" + match.group(0).split("/", 3)[3]


def sign_in_by_link(client: Client, organizer: Organizer, email: str, on_commit: OnCommit) -> Any:
    response = ask_link(client, organizer, email, on_commit)
    assert response.status_code == 302, text(response)[:2000]
    return client.post(link_in_mail(email))


def password_post(client: Client, organizer: Organizer, email: str, password: str, *,
                  address: str = "127.0.0.1") -> Any:
    return client.post(reverse("shop:account_password_sign_in", args=[organizer.slug]),
                       {"email": email, "password": password}, REMOTE_ADDR=address)


def customer_create(organizer: Organizer, email: str, *, password: str = "", verified: bool = False,
                    name: str = "") -> Customer:
    """An account as staff or an import could leave it: with or without a proved address."""
    now = clock.now()
    customer = Customer(organizer=organizer, email=email, name=name, created_at=now,
                        email_verified_at=now if verified else None)
    customer.set_password(password)
    customer.save()
    return customer


def member_create(organizer: Organizer, *, email: str, number: str = "A001", last_name: str = "Durand",
                  start: date | None = None, end: date | None = None) -> Member:
    kind, _created = MembershipType.objects.get_or_create(organizer=organizer, name="Adhésion annuelle")
    member = Member.objects.create(organizer=organizer, number=number, first_name="Camille", last_name=last_name,
                                   email=email, phone="06 12 34 56 78", city="Souillac", created_at=clock.now())
    today = clock.now().date()
    Membership.objects.create(member=member, type=kind, start=start or today.replace(day=1),
                              end=end or today.replace(year=today.year + 1), created_at=clock.now())
    return member
