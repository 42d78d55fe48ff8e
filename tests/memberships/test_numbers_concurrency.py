"""Member numbers stay unique when many memberships are granted at once (real threads, each with
its own connection; the numbers race for real on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from billetterie.memberships.models import Member, Membership, MembershipType
from billetterie.memberships.services import MemberDetails, membership_grant
from tests.factories import shop_create
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_grants_get_distinct_sequential_numbers() -> None:
    shop = shop_create()
    membership_type = MembershipType.objects.create(organizer=shop.organizer, name="Adhésion",
                                                    product=shop.membership)

    def grant(n: int) -> Callable[[], Membership]:
        return lambda: membership_grant(membership_type=membership_type, on=date(2026, 10, 1), details=MemberDetails(
            first_name=f"Personne {n}", last_name=f"Nom{n}", email=f"p{n}@example.org"))

    results = run_together([grant(n) for n in range(8)])
    assert all(isinstance(r, Membership) for r in results), results
    numbers = sorted(Member.objects.values_list("number", flat=True))
    assert numbers == [f"A-{n:06d}" for n in range(1, 9)]
    assert Membership.objects.count() == 8
