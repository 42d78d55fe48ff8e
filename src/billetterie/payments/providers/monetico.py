"""Monetico Paiement (Crédit Mutuel, CIC): our own adapter of its form protocol, version 3.0.

The form and the notice ("retour CGI2") are each sealed by a MAC: HMAC-SHA1, keyed with the
40-character key of the TPE made usable as Monetico's own kits do (`usable_key`), over every
field but MAC, sorted by name, written `name=value` and joined by `*`. The notice is answered
`version=2` / `cdr=0`. Monetico keys one TPE alike for test and production, so the mode is
checked from `code-retour` (`payetest` only in sandbox, `paiement` only live) and from the mode
letter of our reference in `texte-libre`, which the MAC covers."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from base64 import b64encode
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .bank_common import (
    BankProvider,
    bank_credentials,
    browser_return_url,
    credential,
    euros_text,
    mode_ref,
    notice_text,
    ref_of_mode,
    start_error,
)
from .base import (
    AutoPostForm,
    Capabilities,
    CredentialField,
    EventKind,
    NextAction,
    NoticeRejected,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
)

URLS = {"test": "https://p.monetico-services.com/test/paiement.cgi", "prod": "https://p.monetico-services.com/paiement.cgi"}
VERSION = "3.0"
ACK_OK = "version=2\ncdr=0\n"
_AMOUNT_RE = re.compile(r"^([0-9]{1,12})(?:\.([0-9]{1,2}))?([A-Z]{3})$")


def usable_key(key: str) -> bytes:
    """The 40-character key as 20 bytes, per Monetico's kits: the first 38 characters are hex;
    of the last two, a letter G to ` in 39th place stands for the hex digit 23 places before it,
    and an M in 40th place for a 0."""
    key = key.strip()
    if len(key) != 40:
        raise ValueError("a Monetico key has 40 characters")
    head, c39, c40 = key[:38], key[38], key[39]
    if 70 < ord(c39) < 97:
        tail = chr(ord(c39) - 23) + c40
    elif c40 == "M":
        tail = c39 + "0"
    else:
        tail = c39 + c40
    return bytes.fromhex(head + tail)


def mac(fields: Mapping[str, str], key: str) -> str:
    text = "*".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "MAC")
    return hmac.new(usable_key(key), text.encode("utf-8"), hashlib.sha1).hexdigest().upper()


def amount_text(cents: int, currency: str) -> str:
    return f"{euros_text(cents)}{currency}"


def amount_parse(value: str) -> tuple[int, str]:
    match = _AMOUNT_RE.match(value)
    if not match:
        raise NoticeRejected(f"amount {value!r} is not of the form 19.99EUR")
    units, decimals, currency = match.groups()
    return int(units) * 100 + int((decimals or "0").ljust(2, "0")), currency


class MoneticoProvider(BankProvider):
    identifier = "monetico"
    name: str | Promise = _("Bank card (Monetico)")
    refund_where = _("the Monetico back office (Paiements › Rechercher › Rembourser)")
    capabilities = Capabilities(min_amount_cents=100, max_amount_cents=99_999_999_99)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("tpe", _("TPE number (7 characters)")),
        CredentialField("key", _("Security key (40 characters)"), secret=True),
        CredentialField("societe", _("Company code (code société)")),
        CredentialField("service_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the bank gives another one.")),
    )

    def form_fields(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig,
                    creds: Mapping[str, str], now: datetime) -> dict[str, str]:
        back = browser_return_url(urls)
        context = {"billing": {"name": payment.buyer_name[:45] or "-", "email": payment.buyer_email,
                               "country": "FR"}}
        ref = mode_ref(payment.reference, config.sandbox)
        fields = {
            "TPE": credential(creds, "tpe"),
            "contexte_commande": b64encode(json.dumps(context, ensure_ascii=False).encode()).decode(),
            "date": now.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y:%H:%M:%S"),
            "lgue": "EN" if payment.locale.startswith("en") else "FR",
            "mail": payment.buyer_email,
            "montant": amount_text(payment.amount_cents, payment.currency),
            "reference": ref[:12],  # at most 12 letters and digits; the whole reference is in texte-libre
            "societe": credential(creds, "societe"),
            "texte-libre": ref,
            "url_retour_err": back,
            "url_retour_ok": back,
            "version": VERSION,
        }
        fields["MAC"] = mac(fields, credential(creds, "key"))
        return fields

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        from billetterie.core import clock

        try:
            creds, _stand_in = bank_credentials(config)
            if payment.currency != "EUR":
                raise ValueError("this TPE takes euros only")
            fields = self.form_fields(payment, urls, config, creds, clock.now())
        except (NoticeRejected, ValueError) as exc:
            raise start_error(exc) from exc
        return AutoPostForm(url=self._service_url(creds, config), fields=fields)

    def _service_url(self, creds: Mapping[str, str], config: ProviderConfig) -> str:
        return str(creds.get("service_url") or "").strip() or URLS["test" if config.sandbox else "prod"]

    def page_url(self, config: ProviderConfig) -> str:
        creds, _stand_in = bank_credentials(config)
        return self._service_url(creds, config)

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        raw = notice_text(request)
        fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        given = fields.get("MAC", "")
        if not given:
            raise NoticeRejected("unsigned notice")
        creds, _stand_in = bank_credentials(config)
        if fields.get("TPE") != credential(creds, "tpe"):
            raise NoticeRejected("notice for another TPE")
        try:
            expected = mac(fields, credential(creds, "key"))
        except ValueError as exc:
            raise NoticeRejected(str(exc)) from exc
        if not hmac.compare_digest(given.upper().encode(), expected.encode()):
            raise NoticeRejected("bad MAC")
        code = fields.get("code-retour", "")
        success = "payetest" if config.sandbox else "paiement"
        if code == success:
            kind = EventKind.CONFIRMED
        elif code == "Annulation":
            kind = EventKind.FAILED
        elif code in ("payetest", "paiement"):
            raise NoticeRejected(f"{code!r} notice for a {'sandbox' if config.sandbox else 'live'} configuration")
        else:
            raise NoticeRejected(f"unknown code-retour {code!r}")
        reference = ref_of_mode(fields.get("texte-libre", ""), config.sandbox)
        if fields.get("reference") != fields.get("texte-libre", "")[:12]:
            raise NoticeRejected("reference and texte-libre disagree")
        amount, currency = amount_parse(fields.get("montant", ""))
        return [
            ProviderEvent(
                notice_id=f"{fields['TPE']}:{fields.get('reference')}:{fields.get('date', '')}:{code}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency=currency,
                psp_reference=fields.get("numauto", "") or fields.get("reference", ""),
                reason=fields.get("motifrefus", "")[:300] if kind == EventKind.FAILED else "",
                payload={k: v for k, v in fields.items() if k != "MAC"},
            )
        ]

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse(ACK_OK, content_type="text/plain")
