"""The sales journal (« Journal des ventes », issue 13 item 4): its entries newest first, a page
at a time; the closures; « Vérifier maintenant » (the same check as `billetterie journal
verify`); the export for docs/dev/journal_verify.py; the public key. Everything needs BOOKS;
nothing here can change the journal (there is no such service)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billetterie.journal.models import CLOSURE_KINDS
from billetterie.journal.selectors import (
    current_key,
    entries,
    entries_count,
    entry_views,
    export_lines,
    public_keys_pem,
)
from billetterie.journal.verify import Verification, journal_verify
from billetterie.organizers.permissions import Perm

from ..access import BackofficeRequest, organizer_view

PER_PAGE = 50
CLOSURES_SHOWN = 40


def _page(request: BackofficeRequest, pages: int) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        return 1


def _render(request: BackofficeRequest, verification: Verification | None = None) -> HttpResponse:
    organizer_id = request.bo.organizer.pk
    total = entries_count(organizer_id=organizer_id)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = _page(request, pages)
    # by number, newest first: page n holds the numbers below the first page's (no OFFSET scan)
    top = total - (page - 1) * PER_PAGE
    rows = entries(organizer_id=organizer_id).filter(sequence__lte=top, sequence__gt=top - PER_PAGE)
    closures = entries(organizer_id=organizer_id, closures_only=True)[:CLOSURES_SHOWN]
    key = current_key(organizer_id=organizer_id)
    return render(request, "backoffice/journal/index.html", {
        "rows": entry_views(rows), "closures": entry_views(closures), "total": total, "page": page, "pages": pages,
        "previous_url": f"?page={page - 1}" if page > 1 else "",
        "next_url": f"?page={page + 1}" if page < pages else "",
        "key": key, "verification": verification, "closure_kinds": CLOSURE_KINDS,
    })


@require_GET
@never_cache
@organizer_view(Perm.BOOKS)
def index(request: BackofficeRequest) -> HttpResponse:
    return _render(request)


@require_POST
@never_cache
@organizer_view(Perm.BOOKS)
def verify(request: BackofficeRequest) -> HttpResponse:
    """The check runs now, on the whole journal, and its result is shown on the journal's page."""
    return _render(request, journal_verify(organizer_id=request.bo.organizer.pk))


def _download(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@organizer_view(Perm.BOOKS)
def export(request: BackofficeRequest) -> HttpResponseBase:
    organizer = request.bo.organizer
    lines = (line.encode("utf-8") for line in export_lines(organizer=organizer))
    return _download(StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8"),
                     f"journal-{organizer.slug}.jsonl")


@require_GET
@organizer_view(Perm.BOOKS)
def public_key(request: BackofficeRequest) -> HttpResponseBase:
    organizer = request.bo.organizer
    pem = public_keys_pem(organizer_id=organizer.pk)
    if not pem:  # no entry yet, so no key yet
        raise Http404
    return _download(HttpResponse(pem, content_type="application/x-pem-file"), f"cle-publique-{organizer.slug}.pem")
