from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from billetterie.api.services import api_token_create
from tests.factories import Shop

MakeToken = Callable[..., str]


@pytest.fixture
def make_token(shop: Shop) -> MakeToken:
    def make(permissions: str = "read,orders", organizer: object = None) -> str:
        _row, token = api_token_create(
            organizer=organizer or shop.organizer, name="tests", permissions=permissions  # type: ignore[arg-type]
        )
        return token

    return make


@pytest.fixture
def api_client() -> Client:
    return Client()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
