"""Requests carrying a NUL character are refused before any view sees them.

PostgreSQL's text type cannot hold NUL (0x00): a lookup or a write with one fails in the driver,
which would answer 500 from any view that passes a URL part, a query parameter, a header or a
posted field to the database (an order code, a search, an Idempotency-Key, a PSP notice field).
No legitimate input contains one, so the request gets a 400 here, in the reader's language, on
SQLite as on PostgreSQL. Django's form fields refuse NUL already; this covers everything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _

NUL = "\x00"
# a NUL inside a JSON string is written \u0000; a raw one (invalid JSON) is refused here too
JSON_NUL = b"\\u0000"
FORM_TYPES = ("application/x-www-form-urlencoded", "application/json")


def _in_fields(fields: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in fields.lists())


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path or _in_fields(request.GET):
        return True
    if any(NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False  # multipart uploads are checked by their forms
    if request.content_type == "application/json":
        return JSON_NUL in request.body or b"\x00" in request.body
    return _in_fields(request.POST)


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not carries_nul(request):
            return self.get_response(request)
        message = _("The request contains a forbidden character (NUL).")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": "invalid", "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
