from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billetterie.organizers.models import Organizer

from .providers.base import NoticeRejected
from .providers.registry import provider_get
from .selectors import provider_config
from .services import notice_apply

log = logging.getLogger(__name__)


@csrf_exempt  # server-to-server: authenticated by the provider's signature instead
@require_POST
def notify(request: HttpRequest, provider_id: str, organizer_slug: str) -> HttpResponse:
    provider = provider_get(provider_id)
    organizer = Organizer.objects.filter(slug=organizer_slug).first()
    if provider is None or organizer is None:
        return HttpResponse("unknown provider", status=404, content_type="text/plain")
    config = provider_config(organizer_id=organizer.pk, provider_id=provider_id)
    try:
        events = provider.parse_notification(request, config)
    except NoticeRejected as exc:
        log.warning("rejected %s notice: %s", provider_id, exc)
        return HttpResponse("rejected", status=400, content_type="text/plain")
    try:
        for event in events:
            notice_apply(provider_id=provider_id, organizer_id=organizer.pk, event=event)
    except DatabaseError:
        log.exception("database busy while applying a %s notice", provider_id)
        return HttpResponse("busy, retry", status=503, content_type="text/plain")
    return provider.acknowledge(events, config)
