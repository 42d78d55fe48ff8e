"""Apple Wallet passes (.pkpass) for tickets, when a pass certificate is configured.

A .pkpass is a zip of pass.json, its images, manifest.json (the SHA-1 of every file) and
`signature`: a detached PKCS#7 signature of the manifest by the pass type certificate, carrying
Apple's WWDR intermediate certificate. Built here with `cryptography`, no extra dependency.
The pass's QR holds the same signed payload as the PDF, so every scanner reads it.

Settings (environment): WALLET_PASS_CERT, WALLET_PASS_KEY (PEM files), WALLET_PASS_KEY_PASSWORD,
WALLET_WWDR_CERT (PEM), WALLET_PASS_TYPE_ID (pass.org.example.tickets), WALLET_TEAM_ID."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from billetterie.core.money import format_money
from billetterie.orders.models import OrderLine

from .signing import ticket_payload

IMAGES = Path(__file__).resolve().parent / "wallet"
EVENT_TIME_ZONE = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class WalletConfig:
    cert_pem: bytes
    key_pem: bytes
    key_password: bytes | None
    wwdr_pem: bytes
    pass_type_id: str
    team_id: str


def wallet_config() -> WalletConfig | None:
    """The pass certificate settings, or None when Apple Wallet passes are not offered."""
    paths = [getattr(settings, name, "") for name in ("WALLET_PASS_CERT", "WALLET_PASS_KEY", "WALLET_WWDR_CERT")]
    pass_type_id = getattr(settings, "WALLET_PASS_TYPE_ID", "")
    team_id = getattr(settings, "WALLET_TEAM_ID", "")
    if not all(paths) or not pass_type_id or not team_id:
        return None
    password = getattr(settings, "WALLET_PASS_KEY_PASSWORD", "") or None
    cert, key, wwdr = (Path(p).read_bytes() for p in paths)
    return WalletConfig(cert, key, password.encode() if password else None, wwdr, pass_type_id, team_id)


def _field(key: str, label: str, value: str) -> dict[str, str]:
    return {"key": key, "label": label, "value": value}


def _pass_json(line: OrderLine, config: WalletConfig) -> dict[str, Any]:
    order, event = line.order, line.product.event
    start = localtime(line.date.start, EVENT_TIME_ZONE) if line.date is not None else None
    when = f"{date_format(start, 'DATE_FORMAT')} {date_format(start, 'TIME_FORMAT')}" if start else ""
    payload = ticket_payload(line=line)
    barcode = {"format": "PKBarcodeFormatQR", "message": payload, "messageEncoding": "iso-8859-1",
               "altText": line.serial}
    data: dict[str, Any] = {
        "formatVersion": 1,
        "passTypeIdentifier": config.pass_type_id,
        "teamIdentifier": config.team_id,
        "serialNumber": f"{line.serial}-{bytes(line.ticket_nonce or b'').hex()}",  # a reissued ticket: a new pass
        "organizationName": order.organizer.name,
        "description": _("Ticket — %(event)s") % {"event": event.title},
        "foregroundColor": "rgb(255, 255, 255)",
        "backgroundColor": "rgb(29, 53, 87)",
        "labelColor": "rgb(200, 215, 235)",
        "barcode": barcode,
        "barcodes": [barcode],
        "eventTicket": {
            "primaryFields": [_field("event", _("Event"), event.title)],
            "secondaryFields": [
                _field("date", _("Date"), when),
                _field("attendee", _("Attendee"), line.attendee_name or order.name),
            ],
            "auxiliaryFields": [
                _field("price_category", _("Ticket"), line.label),
                _field("price", _("Price paid"), format_money(line.amount_cents, order.currency)),
            ],
            "backFields": [
                _field("organizer", _("Organiser"), order.organizer.legal_name or order.organizer.name),
                _field("venue", _("Venue"), event.venue),
                _field("serial", _("Ticket no."), line.serial),
                _field("order", _("Order code"), order.code),
            ],
        },
    }
    if order.testmode:  # a test order's pass says so on its face, and is red (decision 0010)
        data["eventTicket"]["headerFields"] = [_field("test", _("Test order"), _("TEST — not valid"))]
        data["backgroundColor"] = "rgb(185, 28, 28)"
    if start is not None:
        data["relevantDate"] = start.isoformat()
    return data


def _sign(manifest: bytes, config: WalletConfig) -> bytes:
    cert = x509.load_pem_x509_certificate(config.cert_pem)
    wwdr = x509.load_pem_x509_certificate(config.wwdr_pem)
    key = serialization.load_pem_private_key(config.key_pem, password=config.key_password)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
        .add_certificate(wwdr)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )


def ticket_pkpass(*, line: OrderLine) -> bytes | None:
    """The ticket as an Apple Wallet pass, in its order's language; None when not configured."""
    config = wallet_config()
    if config is None:
        return None
    with translation.override(line.order.locale):
        files = {"pass.json": json.dumps(_pass_json(line, config), ensure_ascii=False).encode()}
    for image in ("icon.png", "icon@2x.png", "icon@3x.png"):
        files[image] = (IMAGES / image).read_bytes()
    manifest = json.dumps({name: hashlib.sha1(body).hexdigest() for name, body in files.items()}).encode()  # noqa: S324 - Apple's format
    files["manifest.json"] = manifest
    files["signature"] = _sign(manifest, config)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()
