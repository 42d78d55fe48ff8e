"""Apple Wallet passes with a self-signed pass certificate made in the test."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.signing import ticket_payload, ticket_verify
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db


def _certificate(name: str, issuer: tuple[x509.Certificate, Any] | None = None) -> tuple[x509.Certificate, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture
def pass_certificate(settings: Any, tmp_path: Path) -> Path:
    wwdr = _certificate("Test WWDR")
    cert, key = _certificate("Pass Type ID: pass.org.example.tickets", issuer=wwdr)
    (tmp_path / "pass.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "wwdr.pem").write_bytes(wwdr[0].public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ))
    settings.WALLET_PASS_CERT = str(tmp_path / "pass.pem")
    settings.WALLET_PASS_KEY = str(tmp_path / "key.pem")
    settings.WALLET_PASS_KEY_PASSWORD = "secret"
    settings.WALLET_WWDR_CERT = str(tmp_path / "wwdr.pem")
    settings.WALLET_PASS_TYPE_ID = "pass.org.example.tickets"
    settings.WALLET_TEAM_ID = "ABCDE12345"
    return tmp_path


def _order_url(shop: Shop, order: Any) -> str:
    return f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"


def test_pkpass_from_the_order_page(shop: Shop, pass_certificate: Path) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    line = order.lines.get(kind="ticket")
    page = Client().get(_order_url(shop, order)).content.decode()
    url = f"{_order_url(shop, order)}ticket/{line.pk}.pkpass"
    assert url in page
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert {"pass.json", "manifest.json", "signature", "icon.png", "icon@2x.png"} <= set(files)
    manifest = json.loads(files["manifest.json"])
    for name, body in files.items():
        if name not in ("manifest.json", "signature"):
            assert manifest[name] == hashlib.sha1(body).hexdigest()
    data = json.loads(files["pass.json"])
    assert data["passTypeIdentifier"] == "pass.org.example.tickets" and data["teamIdentifier"] == "ABCDE12345"
    assert data["eventTicket"]["primaryFields"][0]["value"] == "JIP 2027"
    message = data["barcodes"][0]["message"]
    assert message == ticket_payload(line=line)
    assert ticket_verify(text=message, public_key=event_public_key(event_id=shop.event.pk), event_id=shop.event.pk)
    if shutil.which("openssl"):
        (pass_certificate / "manifest.json").write_bytes(files["manifest.json"])
        (pass_certificate / "signature").write_bytes(files["signature"])
        verified = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(pass_certificate / "signature"),
             "-content", str(pass_certificate / "manifest.json"), "-CAfile", str(pass_certificate / "wwdr.pem"),
             "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True, check=False,
        )
        assert verified.returncode == 0, verified.stderr


def test_no_pass_without_certificate_nor_for_others(shop: Shop, pass_certificate: Path, settings: Any) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    line = order.lines.get(kind="ticket")
    url = f"{_order_url(shop, order)}ticket/{line.pk}.pkpass"
    assert Client().get(url.replace(order.secret, order.secret[:-1] + "x")).status_code == 404
    settings.WALLET_PASS_CERT = ""
    assert Client().get(url).status_code == 404
    assert ".pkpass" not in Client().get(_order_url(shop, order)).content.decode()
