"""The API, mounted at /api/v1/ by billetterie.urls; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import checkin, events, orders
from .errors import install_error_handlers


class Utf8JSONRenderer(JSONRenderer):
    """French text as it is (é, not \\u00e9): shorter and readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="billetterie",
    version="1",
    urls_namespace="api_v1",
    renderer=Utf8JSONRenderer(),
    description=(
        "Read the catalogue and orders of one organiser. Authenticate with `Authorization: Bearer blt_…` "
        "(create a token with `billetterie createtoken ORGANIZER_SLUG`). Amounts are integer cents. "
        'Errors are `{"code": "...", "message": "..."}`.'
    ),
)
install_error_handlers(api)
api.add_router("", events.router)
api.add_router("", orders.router)
api.add_router("", checkin.router)
