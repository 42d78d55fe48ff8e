"""The door scanners' fast lane: `POST /api/v1/checkin/lists/{id}/redeem` without Django's
middleware stack, URL resolver and django-ninja's request machinery (decision 0009).

At the door, every scan is this one request; in a rush its cost is mostly the framework around
one SQL statement. A request takes the fast lane only when it is certainly a plain scan: a token
this process authenticated for check-in in the last two seconds, a body that RedeemIn accepts and
without a NUL character (RefuseNulMiddleware answers those), an allowed host and no HTTPS
redirect due. It then runs the endpoint's own code (`redeem_answer`)
and gets the headers the middleware would have added. Anything else goes through Django
unchanged, which answers it as the API documents (401, 403, 404, 422, …)."""

from __future__ import annotations

import re

import pydantic
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response

from billetterie.core.errors import DomainError
from billetterie.core.middleware import JSON_NUL

from .checkin import RedeemIn, ScannerTokenAuth, redeem_answer
from .errors import error_response
from .urls import api

_routes: dict[str, re.Pattern[str]] = {}


def _route() -> re.Pattern[str]:
    """The redeem URL as a pattern, from the URLconf (one per script prefix)."""
    prefix = get_script_prefix()
    if prefix not in _routes:
        path = reverse("api_v1:redeem", kwargs={"list_id": 4242})
        _routes[prefix] = re.compile(re.escape(path).replace("4242", "([0-9]+)"))
    return _routes[prefix]


def _bearer(request: HttpRequest) -> str | None:
    """The token of `Authorization: Bearer …`, as django-ninja's HttpBearer reads it."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split(" ")
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return None
    return " ".join(parts[1:])


class _Headers:
    """The response part of the middleware that adds headers to an API answer."""

    def __init__(self) -> None:
        def never(request: HttpRequest) -> HttpResponse:  # pragma: no cover - only their hooks are used
            raise AssertionError

        self.security = SecurityMiddleware(never)
        self.frames = XFrameOptionsMiddleware(never)
        self.policy = ""  # django-csp's header for an answer that widens nothing: built once

    def csp(self) -> str:
        if not self.policy:
            self.policy = build_policy()
        return self.policy

    def add(self, request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
        patch_vary_headers(response, ("Accept-Language",))  # LocaleMiddleware's
        response.headers["Content-Length"] = str(len(response.content))  # CommonMiddleware's
        response.headers.setdefault("Content-Language", language)
        response = self.frames.process_response(request, response)
        response.headers.setdefault("Content-Security-Policy", self.csp())  # CSPMiddleware's
        result: HttpResponse = self.security.process_response(request, response)
        return result


_headers = _Headers()


def redeem_fast(request: HttpRequest) -> HttpResponse | None:
    """The redeem endpoint's answer when this request may take the fast lane, else None."""
    if request.method != "POST":
        return None
    match = _route().fullmatch(request.path)
    token_text = _bearer(request) if match is not None else None
    token = ScannerTokenAuth.remembered(token_text) if token_text else None
    if match is None or token is None:
        return None
    if JSON_NUL in request.body:  # RefuseNulMiddleware's answer
        return None
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        body = RedeemIn.model_validate_json(request.body)
    except (DisallowedHost, pydantic.ValidationError, ValueError):
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None
    language = translation.get_language_from_request(request)
    with translation.override(language):
        try:
            response = redeem_answer(token, int(match[1]), body)
        except DomainError as exc:  # NotFound, RateLimited: as the API's error handler answers
            response = error_response(api, request, exc.status, exc.code, exc.message, exc.details)
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        return _headers.add(request, response, language)


class FastLaneWSGIHandler(WSGIHandler):
    """Django's WSGI handler (signals, connections, response closing all as usual) that answers
    the scanners' redeem requests itself when it can."""

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = redeem_fast(request)
        except Exception as exc:  # what Django's own handler makes of an error: logged, 500
            return response_for_exception(request, exc)
        return response if response is not None else super().get_response(request)
