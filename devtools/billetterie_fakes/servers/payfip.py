"""A small fake of PayFiP (DGFiP), for the demo and the tests, on 127.0.0.1 only.

    python -m billetterie_fakes.servers.payfip --port 8422

It answers the two SOAP operations eopayment's `payfip_ws` calls, in the shape the real
JAX-WS service answers them (document/literal, unqualified children, functional errors as a
`FonctionnelleErreur` fault with its code):

  POST /tpa/services/securite        creerPaiementSecurise → idOp
                                     recupererDetailPaiementSecurise(idOp) → the payment's details,
                                     or fault P5 (not finished yet) / P1 (unknown idOp)
  GET  /tpa/paiementws.web?idop=…    the buyer's page (Payer / Refuser / Annuler)
  POST /tpa/paiementws.web/decide    records the outcome, posts `idop=…` to urlnotif, sends the
                                     buyer back to urlredirect

The notice PayFiP posts carries the idOp only: whoever receives it must ask
recupererDetailPaiementSecurise what happened, which is what this fake makes the shop do."""

from __future__ import annotations

import argparse
import html
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx

SERVICE_PATH = "/tpa/services/securite"
PAGE_PATH = "/tpa/paiementws.web"
SERVICE_NS = ("http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
              "contrat_paiement_securise/PaiementSecuriseService")
FAULT_NAME = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
REQUEST_FIELDS = ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif", "urlredirect")
DETAIL_FIELDS = ("dattrans", "exer", "heurtrans", "idOp", "mel", "montant", "numauto", "numcli", "objet",
                 "refdet", "resultrans", "saisie")
RESULTS = {"pay": "P", "refuse": "R", "cancel": "A"}
_REFDET = re.compile(r"^[A-Za-z0-9]{1,30}$")


class Refused(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(code, text)
        self.code, self.text = code, text


@dataclass
class Operation:
    request: dict[str, str]
    result: str = ""  # P paid by card, V by direct debit, R / Z refused, A cancelled; "" not finished
    numauto: str = ""
    paid_at: datetime | None = None


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.operations: dict[str, Operation] = {}
        self.calls: list[str] = []  # operation names, in order (tests look at them)

    def create(self, fields: dict[str, str]) -> str:
        if not (fields.get("numcli", "").isdigit() and len(fields["numcli"]) == 6):
            raise Refused("R1", "Numéro de client incorrect.")
        if fields.get("saisie") not in ("T", "X", "W"):
            raise Refused("R2", "Type de saisie incorrect.")
        if not fields.get("montant", "").isdigit() or not 100 <= int(fields["montant"]) <= 10_000_000:
            raise Refused("R3", "Montant incorrect.")
        if not _REFDET.match(fields.get("refdet", "")):
            raise Refused("R4", "Référence de la dette incorrecte.")
        mel = fields.get("mel", "")
        if "@" not in mel or not 6 <= len(mel) <= 80:
            raise Refused("R5", "Adresse électronique incorrecte.")
        for url in ("urlnotif", "urlredirect"):
            if not fields.get(url, "").startswith(("http://", "https://")):
                raise Refused("R6", f"{url} incorrecte.")
        idop = str(uuid.uuid4())
        with self.lock:
            self.operations[idop] = Operation(request=dict(fields))
        return idop

    def decide(self, idop: str, result: str) -> Operation:
        """The buyer's choice on the page (`P`, `V`, `R`, `Z` or `A`); first decision wins."""
        with self.lock:
            operation = self.operations[idop]
            if not operation.result:
                operation.result = result
                operation.paid_at = datetime.now(ZoneInfo("Europe/Paris"))
                operation.numauto = f"{uuid.uuid4().int % 10**6:06d}" if result in ("P", "V") else ""
            return operation

    def detail(self, idop: str) -> dict[str, str]:
        operation = self.operations.get(idop)
        if operation is None:
            raise Refused("P1", "IdOp incorrect.")
        if not operation.result:
            raise Refused("P5", "Transaction en cours.")
        req = operation.request
        stamp = operation.paid_at or datetime.now(ZoneInfo("Europe/Paris"))
        return {
            "dattrans": stamp.strftime("%d%m%Y"), "exer": req.get("exer", ""), "heurtrans": stamp.strftime("%H%M"),
            "idOp": idop, "mel": req.get("mel", ""), "montant": req.get("montant", ""), "numauto": operation.numauto,
            "numcli": req.get("numcli", ""), "objet": req.get("objet", ""), "refdet": req.get("refdet", ""),
            "resultrans": operation.result, "saisie": req.get("saisie", ""),
        }


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _envelope(body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
            f"{body}</S:Body></S:Envelope>")


def _values(values: dict[str, str], names: tuple[str, ...]) -> str:
    return "".join(f"<{n}>{html.escape(values[n])}</{n}>" for n in names if values.get(n))


def soap_answer(state: State, raw: bytes) -> tuple[int, str]:
    """The service's answer to one SOAP request: (HTTP status, XML)."""
    try:
        root = ET.fromstring(raw)  # noqa: S314  (a test fake on 127.0.0.1, fed by our own client)
    except ET.ParseError:
        return 500, _fault_xml("S:Client", "Unreadable request", None)
    body = next((el for el in root if _local(el.tag) == "Body"), None)
    call = body[0] if body is not None and len(body) else None
    if call is None:
        return 500, _fault_xml("S:Client", "Empty body", None)
    name = _local(call.tag)
    arg = next((el for el in call if _local(el.tag) == "arg0"), None)
    fields = {_local(el.tag): (el.text or "") for el in (arg if arg is not None else [])}
    state.calls.append(name)
    try:
        if name == "creerPaiementSecurise":
            idop = state.create({k: fields.get(k, "") for k in REQUEST_FIELDS})
            inner = f"<return><idOp>{idop}</idOp></return>"
        elif name == "recupererDetailPaiementSecurise":
            inner = f"<return>{_values(state.detail(fields.get('idOp', '')), DETAIL_FIELDS)}</return>"
        else:
            return 500, _fault_xml("S:Client", f"Cannot find dispatch method for {name}", None)
    except Refused as exc:
        return 500, _fault_xml("S:Server", FAULT_NAME, exc)
    return 200, _envelope(f'<ns2:{name}Response xmlns:ns2="{SERVICE_NS}">{inner}</ns2:{name}Response>')


def _fault_xml(code: str, text: str, refused: Refused | None) -> str:
    detail = ""
    if refused is not None:
        detail = (f'<detail><ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NS}"><code>{refused.code}</code>'
                  f"<descriptif>{html.escape(refused.text)}</descriptif><libelle>{html.escape(refused.text)}"
                  "</libelle><severite>2</severite></ns2:FonctionnelleErreur></detail>")
    return _envelope(f"<S:Fault><faultcode>{code}</faultcode><faultstring>{html.escape(text)}</faultstring>"
                     f"{detail}</S:Fault>")


def deliver_notice(url: str, idop: str) -> int:
    """PayFiP's notice: a form post carrying the idOp only. Its status code, 0 when unreachable."""
    try:
        return httpx.post(url, data={"idop": idop}, timeout=10).status_code
    except httpx.HTTPError:
        return 0


PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>PayFiP (simulation)</title>
<body style="font-family:sans-serif;max-width:30em;margin:2em auto">
<h1>PayFiP — simulation locale</h1><p>Paiement de <strong>{amount} €</strong> — {objet}</p>
<form method="post" action="{page}/decide"><input type="hidden" name="idop" value="{idop}">
<button name="decision" value="pay">Payer</button> <button name="decision" value="refuse">Refuser</button>
<button name="decision" value="cancel">Annuler</button></form></body></html>"""


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: str, content_type: str, headers: dict[str, str] | None = None) -> None:
            raw = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != PAGE_PATH:
                return self._send(404, "not found", "text/plain")
            idop = parse_qs(parts.query).get("idop", [""])[0]
            operation = state.operations.get(idop)
            if operation is None:
                return self._send(404, "IdOp incorrect.", "text/plain; charset=utf-8")
            montant = int(operation.request["montant"])
            page = PAGE.format(amount=f"{montant // 100},{montant % 100:02d}", page=PAGE_PATH,
                               objet=html.escape(operation.request.get("objet", "")), idop=html.escape(idop))
            return self._send(200, page, "text/html; charset=utf-8")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path.rstrip("/")
            if path == SERVICE_PATH:
                status, xml = soap_answer(state, self._body())
                return self._send(status, xml, "text/xml; charset=utf-8")
            if path == PAGE_PATH + "/decide":
                form = parse_qs(self._body().decode())
                idop = form.get("idop", [""])[0]
                result = RESULTS.get(form.get("decision", [""])[0])
                if idop not in state.operations or result is None:
                    return self._send(404, "IdOp incorrect.", "text/plain; charset=utf-8")
                operation = state.decide(idop, result)
                deliver_notice(operation.request["urlnotif"], idop)
                back = operation.request["urlredirect"]
                back += ("&" if "?" in back else "?") + urlencode({"idop": idop})
                return self._send(303, "", "text/plain", {"Location": back})
            return self._send(404, "not found", "text/plain")

    return Handler


def serve(port: int = 0, state: State | None = None) -> tuple[ThreadingHTTPServer, State]:
    """Serve in a thread of this process (tests); returns the server (its port: server.server_port)
    and its state."""
    state = state or State()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def main(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State()))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8422)
    main(parser.parse_args().port)
