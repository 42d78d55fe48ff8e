from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billetterie.core import audit
from billetterie.core.errors import DomainError
from billetterie.organizers.models import Organizer

from .providers.base import NoticeRejected, ProviderUnavailable
from .providers.notice_body import MAX_NOTICE_BYTES
from .providers.registry import provider_get
from .selectors import provider_config
from .services import notice_apply, payment_client_step, payment_return

log = logging.getLogger(__name__)


@csrf_exempt  # server-to-server: authenticated by the provider's signature instead
@require_POST
def notify(request: HttpRequest, provider_id: str, organizer_slug: str) -> HttpResponse:
    if _notice_too_large(request):
        log.warning("rejected %s notice: more than %d bytes", provider_id, MAX_NOTICE_BYTES)
        return HttpResponse("rejected", status=400, content_type="text/plain")
    provider = provider_get(provider_id)
    try:
        organizer = Organizer.objects.filter(slug=organizer_slug).first()
        config = provider_config(organizer_id=organizer.pk, provider_id=provider_id) if organizer else None
    except DatabaseError:
        log.exception("database busy while reading the %s settings", provider_id)
        return HttpResponse("busy, retry", status=503, content_type="text/plain")
    if provider is None or organizer is None or config is None:
        return HttpResponse("unknown provider", status=404, content_type="text/plain")
    try:
        events = provider.parse_notification(request, config)
    except NoticeRejected as exc:
        log.warning("rejected %s notice: %s", provider_id, exc)
        return HttpResponse("rejected", status=400, content_type="text/plain")
    except ProviderUnavailable as exc:  # the notice must be checked with the PSP, which did not answer
        log.warning("%s notice not checked yet: %s", provider_id, exc)
        return HttpResponse("busy, retry", status=503, content_type="text/plain")
    except (ValueError, RecursionError, OverflowError):
        # a body a provider failed to refuse cleanly: still a refusal, never a 500 (the traceback
        # is logged, as the provider should have raised NoticeRejected)
        log.exception("unreadable %s notice", provider_id)
        return HttpResponse("rejected", status=400, content_type="text/plain")
    audit.bind(audit.notice(provider_id))  # what the notice changes, the payment service did
    try:
        for event in events:
            notice_apply(provider_id=provider_id, organizer_id=organizer.pk, event=event)
    except DatabaseError:
        log.exception("database busy while applying a %s notice", provider_id)
        return HttpResponse("busy, retry", status=503, content_type="text/plain")
    return provider.acknowledge(events, config)


def _notice_too_large(request: HttpRequest) -> bool:
    """Refused by its announced length before it is read, or by its length once read."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    return announced > MAX_NOTICE_BYTES or len(request.body) > MAX_NOTICE_BYTES


@csrf_exempt  # some PSPs POST the buyer back; nothing the browser sends is trusted
@require_http_methods(["GET", "POST"])
def return_view(request: HttpRequest, provider_id: str, token: str) -> HttpResponse:
    """The buyer is back from the PSP: ask the PSP (server to server), then show the order page."""
    try:
        next_url = payment_return(provider_id=provider_id, token=token)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    except DatabaseError:
        log.exception("database busy on a %s return", provider_id)
        next_url = ""
    if not next_url or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                           require_https=request.is_secure()):
        next_url = "/"
    return HttpResponseRedirect(next_url)


@require_POST
def client_step(request: HttpRequest, provider_id: str, reference: str) -> JsonResponse:
    """Our payment page's call to the PSP through us (CSRF-protected: it comes from our page)."""
    try:
        data = {k: str(v) for k, v in request.POST.items()}
        answer = payment_client_step(provider_id=provider_id, reference=reference, data=data)
    except DomainError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status if exc.status < 500 else 400)
    return JsonResponse(answer)
