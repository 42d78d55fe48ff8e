"""Public shop pages: thin views that parse, call one service and render."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billetterie.cart.services import CartAdd, cart_add, cart_positions, cart_remove
from billetterie.catalog.models import Event, EventDate, Product, ProductKind, Section
from billetterie.catalog.selectors import availability_for, events_visible, products_of_event, sales_open
from billetterie.core.csp import Sources, allow, origin
from billetterie.core.errors import DomainError
from billetterie.core.ids import secrets_equal
from billetterie.core.ratelimit import RateLimited, answer_429, client_address
from billetterie.customers.selectors import customer_signed_in
from billetterie.invoicing.services import invoicing_on
from billetterie.orders.models import Order
from billetterie.orders.selectors import order_by_secret
from billetterie.orders.services import order_place
from billetterie.payments.balance import OrderStatus, order_balance
from billetterie.payments.csp import payment_page_sources
from billetterie.payments.providers.base import AutoPostForm, EmbeddedForm, PaymentUrls
from billetterie.payments.selectors import (
    methods_offered,
    order_payment_status,
    payments_enabled,
    refunded_line_ids,
    shop_payments,
    shop_test_mode,
    transfer_due,
    transfer_instructions,
)
from billetterie.payments.services import PAYMENTS_NOT_ENABLED, online_payment_check, payment_start
from billetterie.taxreceipts.selectors import receipts_offered

from . import billing_fields, members, tax_receipt_fields
from .context import ShopContext, preview_grant, shop_context
from .forms import AmountField, CheckoutForm


def _render(request: HttpRequest, ctx: ShopContext, template: str, data: dict[str, object],
            status: int = 200) -> HttpResponse:
    cart = ctx.cart()
    count = len(cart_positions(cart=cart)) if cart else 0
    payments = shop_payments(organizer=ctx.organizer)
    return render(request, template, {
        "organizer": ctx.organizer, "cart_count": count, "test_mode": payments.test_mode,
        # no method offered (a new organiser outside the demo): the pages say so instead of offering to pay
        "payments_off": None if payments.enabled else PAYMENTS_NOT_ENABLED, **data,
    }, status=status)


@require_GET
def home(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    events = events_visible(organizer_id=ctx.organizer.pk, visibility=ctx.visibility)
    return _render(request, ctx, "shop/home.html", {
        "memberships": [e for e in events if e.section == Section.MEMBERSHIPS],
        "events": [e for e in events if e.section == Section.TICKETS],
    })


def event_or_404(ctx: ShopContext, slug: str) -> Event:
    event = Event.objects.filter(organizer=ctx.organizer, slug=slug).prefetch_related("dates").first()
    if event is None or not ctx.visibility.sees_event(event):
        raise Http404
    return event


def _event_products(ctx: ShopContext, event: Event) -> list[Product]:
    dates = [d for d in event.dates.all()]
    cancelled = {d.pk for d in dates if d.cancelled_at is not None}  # nothing more is sold for them
    products = products_of_event(event=event, visibility=ctx.visibility)
    for product in products:
        left = availability_for(product=product, dates=dates)
        product.left = {k: 0 if k in cancelled else n for k, n in left.items()}  # type: ignore[attr-defined]
        product.sold_out = max(product.left.values(), default=0) == 0  # type: ignore[attr-defined]
        product.on_sale = sales_open(product=product)  # type: ignore[attr-defined]
    return products


@require_http_methods(["GET", "POST"])
def event_page(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    event = event_or_404(ctx, event_slug)
    status = 200
    if request.method == "POST":
        try:
            added = _add_from_form(ctx, event, request.POST)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status < 500 else 400
        else:
            if added:
                messages.success(request, _("Added to your cart."))
                return HttpResponseRedirect(reverse("shop:event", args=[organizer_slug, event_slug]) + "?added=1")
            messages.error(request, _("Choose at least one item."))
            status = 400
    return event_response(ctx, event, status=status)


def event_response(ctx: ShopContext, event: Event, *, status: int = 200,
                   member_form: members.MemberProofForm | None = None) -> HttpResponse:
    dates, products = list(event.dates.all()), _event_products(ctx, event)
    return _render(ctx.request, ctx, "shop/event.html", {
        "event": event, "dates": dates, "products": products, "added": ctx.request.GET.get("added") == "1",
        **members.member_prices_context(ctx, products, dates, member_form),  # member prices and their proof
    }, status=status)


def _add_from_form(ctx: ShopContext, event: Event, data: dict[str, str]) -> int:
    """Everything chosen on the event page goes into the cart at once, or nothing does."""
    items: list[CartAdd] = []
    dates = {d.pk: d for d in event.dates.all()}
    for product in products_of_event(event=event, visibility=ctx.visibility):
        date = _chosen_date(product, dates, data.get(f"date_{product.pk}"))
        if product.kind == ProductKind.DONATION:
            try:
                cents = AmountField(required=False).clean(data.get(f"donation_{product.pk}", ""))
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages)) from None
            if cents:
                items.append(CartAdd(product=product, donation_cents=cents))
            continue
        for price in product.visible_prices:  # type: ignore[attr-defined]
            raw = (data.get(f"qty_{price.pk}") or "0").strip()
            if not _is_small_number(raw) or int(raw) > 100:
                raise DomainError(_("Enter a quantity between 0 and %(n)d.") % {"n": product.order_limit})
            if int(raw):
                items.append(CartAdd(product=product, price=price, quantity=int(raw), date=date))
    if not items:
        return 0
    # nothing to pay with: paid items would hold places no one can pay for
    online_payment_check(organizer=ctx.organizer, channel="web", amount_cents=sum(_item_cents(i) for i in items))
    cart = ctx.cart(create=True)
    assert cart is not None
    proof = members.member_proof(ctx.request, ctx.organizer)
    with transaction.atomic():
        for item in items:
            cart_add(cart=cart, item=item, visibility=ctx.visibility, member_proof=proof)
    return len(items)


def _item_cents(item: CartAdd) -> int:
    return (item.donation_cents or 0) if item.price is None else item.price.amount_cents * item.quantity


def _chosen_date(product: Product, dates: dict[int, EventDate], raw: str | None) -> EventDate | None:
    if product.kind != ProductKind.TICKET:
        return None
    if len(dates) == 1:
        return next(iter(dates.values()))
    return dates.get(int(raw)) if raw and _is_small_number(raw) else None


def _is_small_number(raw: str) -> bool:
    """ASCII digits only (str.isdigit() also accepts "²", which int() refuses), and not absurdly long."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 9


@require_GET
def preview(request: HttpRequest, organizer_slug: str, event_slug: str, token: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    event = get_object_or_404(Event, organizer=ctx.organizer, slug=event_slug)
    if not secrets_equal(token, event.preview_token):
        raise Http404
    preview_grant(request, event.pk)
    messages.info(request, _("Preview: you see this page and its prices before they are published."))
    return HttpResponseRedirect(reverse("shop:event", args=[organizer_slug, event_slug]))


def _checkout_form(ctx: ShopContext, data: dict[str, str] | None) -> CheckoutForm:
    cart = ctx.cart()
    positions = cart_positions(cart=cart) if cart else []
    event_ids = {p.product.event_id for p in positions}
    in_cart = {p.product_id for p in positions}
    total = sum(p.amount_cents for p in positions)
    methods = methods_offered(organizer=ctx.organizer, channel="web", amount_cents=total)
    offers_donations = bool(methods) or payments_enabled(organizer=ctx.organizer, channel="web")
    donations = [
        d for d in Product.objects.filter(event_id__in=event_ids, kind=ProductKind.DONATION, active=True)
        .select_related("event__organizer")
        if d.pk not in in_cart
    ] if offers_donations else []  # a donation no method can take is not offered
    from .renewal import renewal_of  # it renders with this module's _render

    gives = bool(donations) or any(p.product.kind == ProductKind.DONATION for p in positions)
    return CheckoutForm(data, positions=positions, donations=donations, providers=methods,
                        renewal=renewal_of(ctx),
                        tax_receipts=gives and receipts_offered(organizer_id=ctx.organizer.pk),
                        invoices=invoicing_on(organizer_id=ctx.organizer.pk))


@require_http_methods(["GET", "POST"])
def cart_page(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    form = _checkout_form(ctx, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not form.positions:
            messages.error(request, _("Your cart is empty."))
            status = 400
        elif form.is_valid():
            try:
                return _checkout(ctx, form)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status if exc.status < 500 else 400
                form = _checkout_form(ctx, request.POST)
                form.is_valid()
        else:
            status = 400
    positions = form.positions
    response = _render(request, ctx, "shop/cart.html", {
        "form": form, "positions": positions, "total_cents": sum(p.amount_cents for p in positions),
        "expires_at": min((p.expires_at for p in positions), default=None),
    }, status=status)
    offered = [choice[0] for choice in form.fields["provider"].choices]  # type: ignore[attr-defined]
    return _allow_payment_pages(response, ctx.organizer.pk, offered)


def _checkout(ctx: ShopContext, form: CheckoutForm) -> HttpResponse:
    cart = ctx.cart()
    assert cart is not None
    # before the order exists: one no method can pay would hold its places for nothing
    total = sum(p.amount_cents for p in form.positions)
    online_payment_check(organizer=ctx.organizer, channel="web", amount_cents=total)
    with transaction.atomic():
        for product in form.donations:
            cents = form.donation_amounts().get(product.pk)
            if cents:
                cart_add(cart=cart, item=CartAdd(product=product, donation_cents=cents), visibility=ctx.visibility)
        # signed in to this organiser's shop (issue 12): the order is listed on the buyer's account
        customer = customer_signed_in(ctx.request.session, ctx.organizer.pk)
        checkout = replace(form.to_checkout(locale=get_language() or "fr"),
                           customer_id=customer.pk if customer is not None else None,
                           member_proof=members.member_proof(ctx.request, ctx.organizer))
        order = order_place(cart_token=cart.token, checkout=checkout, placed=lambda order: _with_order(form, order))
    ctx.forget_cart()
    if form.renewal_position is not None:  # the renewal a reminder's link opened is in this order
        from .renewal import renewal_forget

        renewal_forget(ctx)
    if order.total_cents == 0:
        return HttpResponseRedirect(_order_url(order))
    try:
        return _start_payment(ctx.request, order, form.cleaned_data.get("provider") or "")
    except DomainError as exc:
        # the order exists and holds its places: its page offers the payment methods again
        messages.error(ctx.request, exc.message)
        return HttpResponseRedirect(_order_url(order))


def _with_order(form: CheckoutForm, order: Order) -> None:
    """What the buyer asked for with the order (issue 13), written in the placement's transaction
    before a free order is paid: the tax receipt for a donation, the invoice's organisation."""
    tax_receipt_fields.request_save(form, order)
    billing_fields.details_save(form, order)


def _order_url(order: Order, name: str = "shop:order") -> str:
    return reverse(name, args=[order.organizer.slug, order.code, order.secret])


def _allow_payment_pages(response: HttpResponse, organizer_id: int, provider_ids: list[str]) -> HttpResponse:
    """A page whose form starts a payment: the answer may be a redirect to the service's page,
    and the browser checks every redirect of a form's submission against the page's form-action."""
    return allow(response, payment_page_sources(organizer_id=organizer_id, provider_ids=provider_ids))


def _start_payment(request: HttpRequest, order: Order, provider_id: str) -> HttpResponse:
    urls = PaymentUrls(
        return_url=request.build_absolute_uri(_order_url(order)),
        notify_url=request.build_absolute_uri(
            reverse("payment_notify", args=[provider_id or "none", order.organizer.slug])
        ),
    )
    action = payment_start(order=order, provider_id=provider_id, urls=urls)
    test_mode = shop_test_mode(organizer=order.organizer)
    # what this service's page needs, and nothing for the others (decision 0011)
    sources = payment_page_sources(organizer_id=order.organizer_id, provider_ids=[provider_id])
    if isinstance(action, AutoPostForm):
        response = render(request, "shop/autopost.html", {"action": action, "organizer": order.organizer,
                                                          "test_mode": test_mode})
        return allow(response, sources | Sources(form_action=(origin(action.url),)))  # where it posts itself
    if isinstance(action, EmbeddedForm):
        response = render(request, action.template, {**action.context, "organizer": order.organizer,
                                                     "order": order, "test_mode": test_mode})
        return allow(response, sources)
    return HttpResponseRedirect(action.url)


@require_GET
@answer_429
def order_page(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    order = _order_or_404(request, organizer_slug, code, secret)
    lines = list(order.lines.select_related("product__event", "date"))
    choices = _payment_choices(order)
    response = _render(request, ctx, "shop/order.html", {
        **choices, "lines": lines,
        "has_tickets": any(line.kind == ProductKind.TICKET for line in lines),
        "tickets_refunded": any(line.kind == ProductKind.TICKET and line.pk in choices["refunded_lines"]  # type: ignore[operator]
                                for line in lines),
    })
    return _allow_payment_pages(response, order.organizer_id, _offered_ids(choices))


# a partial refund (a meal, a donation) leaves the tickets valid; a full one does not
TICKETS_VALID = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)


def _payment_choices(order: Order) -> dict[str, object]:
    """What the order page offers and says about paying: the methods, the transfer instructions."""
    status = order_payment_status(order=order)
    payments = list(order.payments.all())
    balance = order_balance(order=order)
    return {
        "order": order, "status": status, "payments": payments, "balance": balance,
        "tickets_valid": status in TICKETS_VALID,
        # the lines a refund was made for: marked, their tickets (revoked) no longer offered
        "refunded_lines": refunded_line_ids(order=order) if balance.refunded_cents else set(),
        "providers": methods_offered(organizer=order.organizer, channel="web", amount_cents=balance.due_cents),
        "transfer": transfer_instructions(order=order) if status == "transfer" else None,
        "transfer_due": transfer_due(order=order) if status == "transfer" else 0,
    }


def _offered_ids(choices: dict[str, object]) -> list[str]:
    return [method.provider_id for method in choices["providers"]]  # type: ignore[attr-defined]


def _order_or_404(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> Order:
    """The order of a buyer's link; wrong links are counted per client (RateLimited past the limit:
    the views answer it with a 429, `answer_429`)."""
    try:
        return order_by_secret(organizer_slug=organizer_slug, code=code, secret=secret,
                               client=client_address(request))
    except RateLimited:
        raise
    except DomainError:
        raise Http404 from None


@require_POST
@answer_429
def order_pay(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    order = _order_or_404(request, organizer_slug, code, secret)
    try:
        return _start_payment(request, order, request.POST.get("provider", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        lines = list(order.lines.all())
        choices = _payment_choices(order)
        response = _render(request, ctx, "shop/order.html", {**choices, "lines": lines},
                           status=exc.status if exc.status < 500 else 400)
        return _allow_payment_pages(response, order.organizer_id, _offered_ids(choices))


@require_GET
@answer_429
def order_status(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> JsonResponse:
    order = _order_or_404(request, organizer_slug, code, secret)
    response = JsonResponse({"status": order_payment_status(order=order)})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@answer_429
def ticket_download(request: HttpRequest, organizer_slug: str, code: str, secret: str, line_id: int) -> FileResponse:
    from io import BytesIO

    from billetterie.tickets.pdf import ticket_pdf

    order = _order_or_404(request, organizer_slug, code, secret)
    line = order.lines.filter(pk=line_id, kind=ProductKind.TICKET, ticket_nonce__isnull=False).first()
    if line is None or order_payment_status(order=order) not in TICKETS_VALID:
        raise Http404
    return FileResponse(BytesIO(ticket_pdf(line=line)), filename=f"billet-{line.serial}.pdf", as_attachment=True,
                        content_type="application/pdf")


@require_POST
def cart_remove_view(request: HttpRequest, organizer_slug: str, position_id: int) -> HttpResponse:
    ctx = shop_context(request, organizer_slug)
    cart = ctx.cart()
    if cart is not None:
        cart_remove(cart=cart, position_id=position_id)
        messages.info(request, _("Removed from your cart."))
    return HttpResponseRedirect(reverse("shop:cart", args=[organizer_slug]))


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    from billetterie.organizers.models import Organizer

    organizers = list(Organizer.objects.order_by("name"))
    if len(organizers) == 1:
        return HttpResponseRedirect(reverse("shop:home", args=[organizers[0].slug]))
    return render(request, "shop/index.html", {"organizers": organizers})
