"""The organiser's logo, for the shop's pages (public: what buyers see anyway)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .models import OrganizerLogo


@require_safe
def logo(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    """The logo as stored (a PNG the settings page made). Its address carries its version
    (`?v=<hash>`), so it may be cached for long; an old version's address gets the current one."""
    row = (OrganizerLogo.objects.filter(organizer__slug=organizer_slug)
           .values_list("png", "organizer__logo_hash").first())
    if row is None:
        raise Http404
    png, version = row
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(png), content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = ("public, max-age=31536000, immutable" if request.GET.get("v") == version
                                 else "public, max-age=300")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
