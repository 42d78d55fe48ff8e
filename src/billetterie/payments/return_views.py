"""Where a bank's payment page sends the buyer back (some by GET, SIPS by POST).

It only redirects to the order page, whose own polling shows the outcome: the browser return
never marks anything paid, whatever it carries."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .providers.bank_common import back_target


@csrf_exempt  # a cross-site POST from the bank's page, carrying nothing we act on
@require_http_methods(["GET", "POST"])
def payment_back(request: HttpRequest, token: str) -> HttpResponse:
    target = back_target(token)
    if target is None:
        raise Http404("unknown return address")
    return HttpResponseRedirect(target, status=303)
