"""PayFiP (DGFiP) through eopayment's SOAP client, against the local fake PayFiP on 127.0.0.1.

The notice carries an idOp only: every outcome is read back from PayFiP's answer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from billetterie.core.errors import InvalidInput
from billetterie.orders.models import OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers.bank_common import mode_ref
from billetterie.payments.providers.base import (
    Mode,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    Redirect,
    RefundOutcome,
    RefundRequest,
)
from billetterie.payments.providers.registry import provider_get
from billetterie.payments.services import payment_return, payment_status_check
from billetterie_fakes.servers import payfip as fake
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, configure, post_notice, start

pytestmark = pytest.mark.django_db
NUMCLI = "123456"


@pytest.fixture(scope="module")
def payfip_server() -> Iterator[tuple[str, fake.State]]:
    server, state = fake.serve()
    yield f"http://127.0.0.1:{server.server_port}", state
    server.shutdown()


@pytest.fixture
def base(payfip_server: tuple[str, fake.State]) -> str:
    return payfip_server[0]


@pytest.fixture
def state(payfip_server: tuple[str, fake.State]) -> fake.State:
    return payfip_server[1]


def creds(base: str, **over: str) -> dict[str, str]:
    return {"numcli": NUMCLI, "service_url": base + fake.SERVICE_PATH, "payment_url": base + fake.PAGE_PATH,
            **over}


@pytest.fixture
def started(shop: Shop, base: str) -> tuple[Payment, str]:
    configure(shop, "payfip", creds(base))
    payment, action = start(shop, "payfip")
    assert isinstance(action, Redirect)
    return payment, parse_qs(urlsplit(action.url).query)["idop"][0]


def test_start_creates_the_payment_at_payfip_and_redirects_with_its_idop(
        started: tuple[Payment, str], base: str, state: fake.State) -> None:
    payment, idop = started
    request = state.operations[idop].request
    assert request["numcli"] == NUMCLI and request["saisie"] == "T"
    assert request["montant"] == str(payment.amount_cents) == "1000"
    assert request["refdet"] == mode_ref(payment.reference, True)
    assert request["mel"] == payment.order.email
    assert request["urlnotif"] == "http://testserver/payments/notify/payfip/assoc/"
    assert "/payments/return/payfip/" in request["urlredirect"]  # the return asks PayFiP, never trusts the browser
    assert payment.order.code in request["objet"]
    payment.refresh_from_db()
    assert payment.psp_reference == idop and payment.state == PaymentState.CREATED


def test_paid_notice_confirms_once(started: tuple[Payment, str], state: fake.State) -> None:
    payment, idop = started
    state.decide(idop, "P")
    assert post_notice("payfip", f"idop={idop}") == 200
    assert post_notice("payfip", f"idop={idop}") == 200  # PayFiP posts again: acknowledged, ignored
    assert post_notice("payfip", f"idOp={idop}") == 200
    assert_paid_once(payment)
    notice = ProviderNotice.objects.get()
    assert notice.notice_id == f"{idop}:P" and notice.payload["montant"] == "1000"


def test_the_notice_content_is_never_trusted_only_payfips_answer(started: tuple[Payment, str],
                                                                  state: fake.State) -> None:
    payment, idop = started
    state.decide(idop, "R")  # refused at PayFiP, whatever the notice pretends
    assert post_notice("payfip", f"idop={idop}&resultrans=P&montant=1000") == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert payment.order.state == OrderState.PENDING


@pytest.mark.parametrize("result", ["R", "A", "Z"])
def test_refused_or_cancelled_fails_the_payment(started: tuple[Payment, str], state: fake.State,
                                                result: str) -> None:
    payment, idop = started
    state.decide(idop, result)
    assert post_notice("payfip", f"idop={idop}") == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


@pytest.mark.parametrize("body", ["idop=00000000-0000-0000-0000-000000000000", "idop=", "", "idop=<x>",
                                  "idop=" + "a" * 100])
def test_forged_or_unknown_idop_is_refused(started: tuple[Payment, str], body: str) -> None:
    payment, _idop = started
    assert post_notice("payfip", body) == 400
    assert_unchanged(payment)


def test_an_unfinished_payment_is_not_acknowledged(started: tuple[Payment, str]) -> None:
    payment, idop = started
    assert post_notice("payfip", f"idop={idop}") == 503  # P5: PayFiP will post again
    assert_unchanged(payment)


def test_idop_of_another_client_number_is_refused(started: tuple[Payment, str], shop: Shop, base: str,
                                                 state: fake.State) -> None:
    payment, idop = started
    state.decide(idop, "P")
    configure(shop, "payfip", creds(base, numcli="654321"))
    assert post_notice("payfip", f"idop={idop}") == 400
    assert_unchanged(payment)


def test_test_payment_never_confirms_a_live_configuration(started: tuple[Payment, str], shop: Shop,
                                                         base: str, state: fake.State) -> None:
    payment, idop = started
    state.decide(idop, "P")
    configure(shop, "payfip", creds(base), live=True)
    assert post_notice("payfip", f"idop={idop}") == 400
    assert_unchanged(payment)


@pytest.mark.parametrize(("saisie", "sent"), [("", "W"), ("X", "X"), ("w", "W")])
def test_live_modes(shop: Shop, base: str, state: fake.State, saisie: str, sent: str) -> None:
    configure(shop, "payfip", creds(base, saisie=saisie) if saisie else creds(base), live=True)
    payment, action = start(shop, "payfip")
    idop = parse_qs(urlsplit(action.url).query)["idop"][0]  # type: ignore[union-attr]
    assert state.operations[idop].request["saisie"] == sent
    assert state.operations[idop].request["refdet"] == mode_ref(payment.reference, False)
    state.decide(idop, "P")
    assert post_notice("payfip", f"idop={idop}") == 200
    assert_paid_once(payment)


def test_live_refuses_the_test_saisie(shop: Shop, base: str) -> None:
    configure(shop, "payfip", creds(base, saisie="T"), live=True)
    with pytest.raises(InvalidInput):
        start(shop, "payfip")


def test_wrong_amount_is_flagged_not_paid(started: tuple[Payment, str], state: fake.State) -> None:
    payment, idop = started
    state.operations[idop].request["montant"] = "999"
    state.decide(idop, "P")
    assert post_notice("payfip", f"idop={idop}") == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention
    assert payment.order.state == OrderState.PENDING


@pytest.mark.parametrize("cents", [c for c in AMOUNTS if 100 <= c <= 100_000_00] + [100_000_00])
def test_amounts_are_exact(base: str, state: fake.State, cents: int) -> None:
    provider = provider_get("payfip")
    assert provider is not None
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    config = ProviderConfig(Mode.SANDBOX, creds(base))
    action = provider.start(request, PaymentUrls("http://t/r", "http://t/n"), config)
    assert isinstance(action, Redirect)
    idop = action.psp_reference
    assert state.operations[idop].request["montant"] == str(cents)
    state.decide(idop, "P")
    events = provider.status(PaymentRequest(**{**request.__dict__, "psp_reference": idop}), config)
    assert [(e.amount_cents, e.currency, e.payment_reference) for e in events] == [
        (cents, "EUR", request.reference)]


def test_the_buyer_return_asks_payfip(started: tuple[Payment, str], state: fake.State) -> None:
    payment, idop = started
    state.decide(idop, "P")
    redirect = state.operations[idop].request["urlredirect"]
    token = redirect.split("/payments/return/payfip/")[1].split("/")[0]
    assert payment_return(provider_id="payfip", token=token) == "http://testserver/assoc/o/x/"
    assert_paid_once(payment)
    assert post_notice("payfip", f"idop={idop}") == 200  # the notice after it: a duplicate
    assert_paid_once(payment)


def test_the_buyer_page_of_the_fake_posts_the_notice_and_comes_back(
        started: tuple[Payment, str], base: str, state: fake.State, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's path: the fake's page posts `idop=…` to our notify URL, then redirects the buyer."""
    import httpx

    payment, idop = started
    posted: list[tuple[str, str]] = []

    def deliver(url: str, idop: str) -> int:  # runs in the fake's thread: replayed below, in the test's
        posted.append((url, idop))
        return 200

    monkeypatch.setattr(fake, "deliver_notice", deliver)
    page = httpx.get(f"{base}{fake.PAGE_PATH}?idop={idop}")
    assert page.status_code == 200 and "10,00" in page.text
    answer = httpx.post(f"{base}{fake.PAGE_PATH}/decide", data={"idop": idop, "decision": "pay"})
    assert answer.status_code == 303 and "/payments/return/payfip/" in answer.headers["Location"]
    [(url, sent)] = posted
    assert url == "http://testserver/payments/notify/payfip/assoc/" and sent == idop
    assert post_notice("payfip", f"idop={sent}") == 200
    assert_paid_once(payment)


def test_status_of_an_unfinished_or_purged_payment_says_nothing(started: tuple[Payment, str],
                                                                state: fake.State) -> None:
    payment, idop = started
    assert payment_status_check(payment_id=payment.pk) == 0
    del state.operations[idop]
    assert payment_status_check(payment_id=payment.pk) == 0
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED


def test_unreachable_payfip(shop: Shop) -> None:
    """Nothing listens there: the buyer is told, and a notice is answered 503 so PayFiP retries."""
    from billetterie_fakes.servers import free_port

    configure(shop, "payfip", creds(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(InvalidInput) as info:
        start(shop, "payfip")
    assert info.value.code == "psp_unavailable"
    assert post_notice("payfip", "idop=0f9c1f1e-1d3b-4a4e-9a53-1b7f3c2d4e5f") == 503
    assert not ProviderNotice.objects.exists()


def test_unconfigured_method_refuses_notices(shop: Shop) -> None:
    assert post_notice("payfip", "idop=abc") == 400
    assert not ProviderNotice.objects.exists()


def test_refund_is_manual() -> None:
    provider = provider_get("payfip")
    assert provider is not None
    request = PaymentRequest(reference="r", amount_cents=100, currency="EUR", order_code="A", buyer_email="",
                             buyer_name="", merchant_name="")
    result = provider.refund(RefundRequest("rf1", request, 100, "EUR"), ProviderConfig())
    assert result.outcome == RefundOutcome.MANUAL
