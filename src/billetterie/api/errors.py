"""Every API error is `{"code": "...", "message": "..."}` (plus `details` when useful)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from billetterie.core.errors import DomainError


class ErrorOut(Schema):
    code: str
    message: str
    details: Any = None


# what every operation may answer: 400 (a body that is not JSON, a NUL character anywhere in the
# request: core/middleware.py), 401 and 403 (the token), 404, 422 (a parameter or a body that does
# not validate, ninja's ValidationError, or a value the domain refuses); tests/api/test_openapi.py
# sends each operation what provokes them and checks the document declares what came back
ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# what writing endpoints may answer too: no room, or a conflict (409)
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**ERRORS, 409: ErrorOut}
# operations that count a client's failed look-ups (core/ratelimit.py)
RATE_LIMITED: dict[int, type[ErrorOut]] = {429: ErrorOut}


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="billetterie"'
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("A valid API token is required (Authorization: Bearer …).")
        return error_response(api, request, 401, "unauthorized", message)

    def on_authorization(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, AuthorizationError)
        message = exc.message if exc.message != "Forbidden" else _("This token may not do this.")
        return error_response(api, request, 403, "forbidden", message)

    def on_domain(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, DomainError)
        return error_response(api, request, exc.status, exc.code, exc.message, exc.details)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return error_response(api, request, 422, "invalid", _("The request is not valid."), exc.errors)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        if exc.status_code == 400:  # ninja could not parse the body ("Cannot parse request body")
            message = _("The request body could not be read: send JSON (Content-Type: application/json).")
            return error_response(api, request, 400, "body_unreadable", message)
        return error_response(api, request, exc.status_code, "error", str(exc.message))

    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
    api.add_exception_handler(DomainError, on_domain)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_http)
