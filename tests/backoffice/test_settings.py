"""The settings pages (issue 11, item 9): the organiser's details (SIRET checked), the logo (an
image only, re-encoded, shown in the shop), the payment methods (amounts and fee in euros, test
and live modes, credentials shown back only masked, never in the audit trail), and the
« Ouvrir la billetterie » checklist ticking itself from the data (seed 003)."""

from __future__ import annotations

import html
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from billetterie.catalog.models import Event, Price, Publication
from billetterie.core import events
from billetterie.core.models import AuditEntry, DeliveryState, EventDelivery
from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.notifications.services import outbox_send_due
from billetterie.organizers.models import Organizer, OrganizerLogo, Role, siret_is_valid
from billetterie.payments.crypto import credentials_decrypt
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.services import payment_method_credentials_set, payment_start
from billetterie.reporting.checklist import organizer_opening_checklist
from tests.factories import (
    URLS,
    Shop,
    order_paid,
    order_placed,
    organizer_create,
    payment_confirm,
    sandbox_turned_on,
    shop_create,
    team_member_create,
)

pytestmark = pytest.mark.django_db
SECRET = "prod-key-ABCDEFGH-0123456789-wxyz"


def url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"backoffice:settings:{name}", args=[shop.organizer.slug, *args])


@pytest.fixture
def admin(client: Client, shop: Shop) -> Client:
    client.force_login(team_member_create(shop.organizer, role=Role.ADMIN))
    return client


def details(shop: Shop, **changes: Any) -> dict[str, Any]:
    organizer = shop.organizer
    data = {"name": organizer.name, "legal_name": organizer.legal_name, "address": organizer.address,
            "siret": "", "contact_email": organizer.contact_email, "noreply_email": organizer.noreply_email,
            "hold_minutes": organizer.hold_minutes, "description": "", "terms": "CGV"}
    data.update(changes)
    return data


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def png_bytes(size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 170)).save(out, format="PNG")
    return out.getvalue()


# --- details ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("siret", "valid"), [
    ("73282932000074", True), ("732 829 320 00074", True), ("732\u00a0829\u00a0320\u00a000074", True),
    ("73282932000075", False), ("7328293200007", False), ("7328293200007A", False), ("", False),
    ("35600000049837", True),  # La Poste: the sum of its digits is a multiple of 5
])
def test_siret_check(siret: str, valid: bool) -> None:
    assert siret_is_valid(siret) is valid


def test_details_are_saved_with_the_siret_as_its_digits_and_audited(admin: Client, shop: Shop) -> None:
    response = admin.post(url(shop, "details"), details(shop, siret="732 829 320 00074", legal_name="Asso BTS FED",
                                                        hold_minutes="30"))
    assert response.status_code == 302
    organizer = Organizer.objects.get(pk=shop.organizer.pk)
    assert organizer.siret == "73282932000074" and organizer.legal_name == "Asso BTS FED"
    assert organizer.hold_minutes == 30
    entry = AuditEntry.objects.get(action="organizer.changed", subject_id=organizer.pk)
    assert entry.changes["siret"] == ["", "73282932000074"]
    assert entry.changes["hold_minutes"] == [60, 30]


def test_a_wrong_siret_is_refused_next_to_the_field_and_nothing_changes(admin: Client, shop: Shop) -> None:
    response = admin.post(url(shop, "details"), details(shop, siret="732 829 320 00075", legal_name="Changé"))
    assert response.status_code == 400
    text = text_of(response)
    assert "Saisissez un SIRET de 14 chiffres" in text
    assert 'value="732 829 320 00075"' in text  # what was typed is kept
    organizer = Organizer.objects.get(pk=shop.organizer.pk)
    assert organizer.siret == "" and organizer.legal_name != "Changé"
    assert not AuditEntry.objects.filter(action="organizer.changed").exists()


@pytest.mark.parametrize(("field", "value"), [("contact_email", "pas-une-adresse"), ("hold_minutes", "0"),
                                              ("hold_minutes", "soixante"), ("name", "")])
def test_other_bad_details_are_refused(admin: Client, shop: Shop, field: str, value: str) -> None:
    response = admin.post(url(shop, "details"), details(shop, **{field: value}))
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


# --- logo -----------------------------------------------------------------------------------------


def test_a_logo_is_kept_as_png_and_shown_in_the_shop(admin: Client, shop: Shop) -> None:
    response = admin.post(url(shop, "logo"), {"logo": SimpleUploadedFile("logo.png", png_bytes((1600, 400)),
                                                                          "image/png")})
    assert response.status_code == 302
    organizer = Organizer.objects.get(pk=shop.organizer.pk)
    assert organizer.logo_hash
    stored = Image.open(io.BytesIO(bytes(OrganizerLogo.objects.get(organizer=organizer).png)))
    assert stored.format == "PNG" and stored.size == (800, 200)  # fitted in 800 × 400
    assert AuditEntry.objects.filter(action="organizer.logo_set", subject_id=organizer.pk).exists()

    home = Client().get(reverse("shop:home", args=[organizer.slug]))
    logo_url = f"/{organizer.slug}/logo.png?v={organizer.logo_hash}"
    assert logo_url in home.content.decode()
    served = Client().get(logo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert "immutable" in served["Cache-Control"]
    assert Client().get(f"/{organizer.slug}/logo.png", headers={"if-none-match": served["ETag"]}).status_code == 304

    admin.post(url(shop, "logo_remove"))
    assert Client().get(logo_url).status_code == 404
    assert "logo.png" not in Client().get(reverse("shop:home", args=[organizer.slug])).content.decode()


@pytest.mark.parametrize(("name", "content"), [
    ("logo.png", b"this is not an image"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("logo.png", png_bytes()[:60]),  # cut short
])
def test_a_logo_that_is_not_an_image_is_refused(admin: Client, shop: Shop, name: str, content: bytes) -> None:
    response = admin.post(url(shop, "logo"), {"logo": SimpleUploadedFile(name, content, "image/png")})
    assert response.status_code == 400
    assert "Ce fichier n'est pas une image" in text_of(response)
    assert not OrganizerLogo.objects.exists()
    assert Organizer.objects.get(pk=shop.organizer.pk).logo_hash == ""


def test_a_logo_too_large_is_refused(admin: Client, shop: Shop) -> None:
    big = SimpleUploadedFile("logo.png", png_bytes() + b"\0" * (2 * 1024 * 1024), "image/png")
    response = admin.post(url(shop, "logo"), {"logo": big})
    assert response.status_code == 400
    assert "trop lourde" in text_of(response)
    assert not OrganizerLogo.objects.exists()


# --- payment methods ---------------------------------------------------------------------------------


def method_form(config: PaymentMethodConfig, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"enabled": "on", "on_web": "on", "mode": config.mode, "label": "",
                            "position": config.position, "min_amount_cents": "", "max_amount_cents": "",
                            "fee_fixed_cents": "", "fee_per_mille": config.fee_per_mille, "instructions": "",
                            "days_to_pay": config.days_to_pay}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_add_a_method_then_set_amounts_and_fee_in_euros(admin: Client, shop: Shop) -> None:
    response = admin.post(url(shop, "method_add"), {"provider": "payzen"})
    assert response.status_code == 302
    config = PaymentMethodConfig.objects.get(organizer=shop.organizer, provider="payzen")
    assert config.mode == "sandbox" and config.on_web
    assert response["Location"] == url(shop, "method", config.pk)
    assert AuditEntry.objects.filter(action="payment_method.created", subject_id=config.pk).exists()

    saved = admin.post(url(shop, "method", config.pk), method_form(
        config, min_amount_cents="1", max_amount_cents="1 250,5", fee_fixed_cents="0,25", fee_per_mille="15"))
    assert saved.status_code == 302
    config.refresh_from_db()
    assert (config.min_amount_cents, config.max_amount_cents, config.fee_fixed_cents, config.fee_per_mille) == \
        (100, 125050, 25, 15)
    entry = AuditEntry.objects.get(action="payment_method.changed", subject_id=config.pk)
    assert entry.changes["max_amount_cents"] == [None, 125050]

    page = admin.get(url(shop, "method", config.pk))
    text = text_of(page)
    assert 'value="1 250,50"' in text or 'value="1250,50"' in text
    assert 'value="0,25"' in text
    listing = text_of(admin.get(url(shop, "methods")))
    assert "1 250,50 €" in listing.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize("changes", [{"min_amount_cents": "12,345"}, {"fee_fixed_cents": "-1"},
                                     {"min_amount_cents": "20", "max_amount_cents": "10"}, {"mode": "prod"}])
def test_bad_amounts_are_refused_and_nothing_changes(admin: Client, shop: Shop, changes: dict[str, str]) -> None:
    admin.post(url(shop, "method_add"), {"provider": "payzen"})
    config = PaymentMethodConfig.objects.get(organizer=shop.organizer, provider="payzen")
    response = admin.post(url(shop, "method", config.pk), method_form(config, **changes))
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    config.refresh_from_db()
    assert config.min_amount_cents is None and config.fee_fixed_cents == 0 and config.mode == "sandbox"


def test_credentials_are_stored_encrypted_shown_masked_and_never_audited(admin: Client, shop: Shop) -> None:
    admin.post(url(shop, "method_add"), {"provider": "payzen"})
    config = PaymentMethodConfig.objects.get(organizer=shop.organizer, provider="payzen")
    page = text_of(admin.get(url(shop, "method", config.pk)))
    assert "Identifiants manquants" in text_of(admin.get(url(shop, "methods")))
    assert "cred_live_key" in page and "cred_sandbox_site_id" in page

    response = admin.post(url(shop, "method", config.pk), method_form(
        config, mode="live", cred_live_site_id="12345678", cred_live_key=SECRET))
    assert response.status_code == 302
    config.refresh_from_db()
    assert config.mode == "live"
    assert credentials_decrypt(config.live_credentials) == {"site_id": "12345678", "key": SECRET}
    assert SECRET.encode() not in bytes(config.live_credentials)

    page = text_of(admin.get(url(shop, "method", config.pk)))
    assert SECRET not in page and SECRET[:12] not in page
    assert "••••••••wxyz" in page
    assert 'value="12345678"' in page  # not a secret: shown
    for entry in AuditEntry.objects.filter(subject_id=config.pk, subject_type="paymentmethodconfig"):
        assert SECRET not in str(entry.changes)

    # a blank secret keeps what is stored
    admin.post(url(shop, "method", config.pk), method_form(config, mode="live", cred_live_site_id="12345678",
                                                           cred_live_key=""))
    config.refresh_from_db()
    assert credentials_decrypt(config.live_credentials)["key"] == SECRET


def test_another_organisers_method_is_404(admin: Client, shop: Shop) -> None:
    other = organizer_create("autre")
    theirs = PaymentMethodConfig.objects.create(organizer=other, provider="payzen")
    assert admin.get(url(shop, "method", theirs.pk)).status_code == 404
    assert admin.post(url(shop, "method", theirs.pk), method_form(theirs, fee_per_mille="999")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.fee_per_mille == 0


def test_a_method_already_there_cannot_be_added_twice(admin: Client, shop: Shop) -> None:
    admin.post(url(shop, "method_add"), {"provider": "transfer"})
    again = admin.post(url(shop, "method_add"), {"provider": "transfer"})
    assert again.status_code == 400
    assert PaymentMethodConfig.objects.filter(organizer=shop.organizer, provider="transfer").count() == 1


def test_the_settings_need_the_settings_permission(client: Client, shop: Shop) -> None:
    client.force_login(team_member_create(shop.organizer, role=Role.TICKETING))
    assert client.get(url(shop, "index")).status_code == 403
    assert client.post(url(shop, "method_add"), {"provider": "payzen"}).status_code == 403
    assert not PaymentMethodConfig.objects.filter(organizer=shop.organizer).exists()


# --- the opening checklist ---------------------------------------------------------------------------


def steps(shop: Shop) -> dict[str, bool | None]:
    return {step.key: step.done for step in organizer_opening_checklist(organizer=shop.organizer).steps}


def test_the_checklist_ticks_itself_from_the_data(admin: Client, settings: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    settings.SANDBOX_PAYMENTS_DEFAULT = False
    shop = shop_create(slug="neuf")
    admin.force_login(team_member_create(shop.organizer, role=Role.ADMIN, email="a@neuf.example"))
    Event.objects.filter(organizer=shop.organizer).update(publication=Publication.DRAFT)
    assert steps(shop) == {"catalog": False, "payment": False, "emails": True, "sandbox_order": False,
                           "live_order": False, "live_email": False, "live_status": False, "psp_check": None}

    Event.objects.filter(pk=shop.event.pk).update(publication=Publication.PREVIEW)
    Price.objects.filter(product__event=shop.event).update(publication=Publication.PREVIEW)
    sandbox_turned_on(shop)
    done = steps(shop)
    assert done["catalog"] and done["payment"]

    Event.objects.filter(pk=shop.event.pk).update(publication=Publication.PUBLISHED)
    Price.objects.filter(product__event=shop.event).update(publication=Publication.PUBLISHED)
    order_paid(shop, method="sandbox", tickets=1, meals=0)
    assert steps(shop)["sandbox_order"] is True and steps(shop)["live_order"] is False

    live = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="payzen", mode="live")
    payment_method_credentials_set(config=live, mode="live", values={"site_id": "12345678", "key": SECRET})
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="payzen", urls=URLS)
    payment = order.payments.get(provider="payzen")
    assert not payment.testmode
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payment_confirm(payment)
    done = steps(shop)
    assert done["live_order"] and done["live_status"]
    assert done["live_email"] is False  # queued, not sent yet
    assert callbacks
    with django_capture_on_commit_callbacks(execute=True):
        # what the workers do once the payment's transaction committed
        events.deliver(delivery_ids=EventDelivery.objects.filter(state=DeliveryState.PENDING)
                       .values_list("pk", flat=True))
    outbox_send_due()
    assert OutboxMessage.objects.filter(order=order, kind=OutboxKind.ORDER_CONFIRMED, state=OutboxState.SENT).exists()
    assert steps(shop)["live_email"] is True

    page = text_of(admin.get(reverse("backoffice:settings:index", args=[shop.organizer.slug])))
    assert "Ouvrir la billetterie" in page
    assert f"psp-{payment.pk}" in page  # the reference to look for in the payment service's back office
    assert "7 vérifications faites sur 7" in page


def test_the_emails_step_wants_both_addresses(shop: Shop) -> None:
    Organizer.objects.filter(pk=shop.organizer.pk).update(noreply_email="")
    shop.organizer.refresh_from_db()
    step = next(s for s in organizer_opening_checklist(organizer=shop.organizer).steps if s.key == "emails")
    assert step.done is False
