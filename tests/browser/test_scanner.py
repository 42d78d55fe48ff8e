"""The scanner page in a real Chromium: the camera reads a ticket rendered from its PDF (a fake
camera playing a video made from the PDF), a USB scanner types a ticket, an offline session is
synced with a conflicting scan from a second device (issue 5, deliverable 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, expect

from billetterie.api.services import api_token_create, scanner_link_create
from billetterie.checkin.models import CheckinList, Scan, ScanResult
from billetterie.checkin.selectors import checkin_counts, checkin_list_scope
from billetterie.checkin.services import checkin_list_create, scan_redeem
from billetterie.orders.models import OrderLine
from billetterie.tickets.pdf import ticket_pdf
from billetterie.tickets.signing import ticket_payload
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, CspViolations, DoorNetwork
from tests.factories import Shop, order_paid, sandbox_turned_on

pytestmark = pytest.mark.django_db(transaction=True)

FRAME = (640, 480)


def _ticket(shop: Shop, attendee: int = 0) -> tuple[OrderLine, str]:
    order = order_paid(shop, tickets=attendee + 1, meals=0)
    line = list(order.lines.filter(kind="ticket").select_related("order", "product__event").order_by("id"))[attendee]
    return line, ticket_payload(line=line)


def _camera_video(pdf: bytes, path: Path) -> Path:
    """A Y4M video of the ticket as a phone camera would see it: the PDF rendered, cropped around
    its QR code (found with zxing in the render), on a 640×480 frame."""
    page = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil().convert("RGB")
    [found] = zxingcpp.read_barcodes(page)
    corners = [found.position.top_left, found.position.top_right, found.position.bottom_left,
               found.position.bottom_right]
    xs, ys = [c.x for c in corners], [c.y for c in corners]
    margin = (max(xs) - min(xs)) // 4
    crop = page.crop((min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin))
    side = FRAME[1] - 40
    frame = Image.new("RGB", FRAME, "white")
    frame.paste(crop.resize((side, side), Image.Resampling.LANCZOS), ((FRAME[0] - side) // 2, 20))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    chroma = [c.resize(half, Image.Resampling.BOX).tobytes() for c in (cb, cr)]
    planes = y.tobytes() + chroma[0] + chroma[1]
    header = f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F5:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + planes) * 2)
    return path


@pytest.fixture
def camera_browser(playwright: Playwright, tmp_path: Path, csp_violations: CspViolations) -> Iterator[Any]:
    """Launch a Chromium whose camera plays the video given (one browser per video); its pages are
    watched for what the Content-Security-Policy refuses, as the other browser tests' are."""
    browsers: list[Browser] = []

    def launch(video: Path) -> Browser:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )
        browsers.append(browser)
        new_context = browser.new_context

        def watched_context(**kwargs: Any) -> Any:
            context = new_context(**kwargs)
            csp_violations.watch_context(context)
            return context

        browser.new_context = watched_context  # type: ignore[method-assign]
        return browser

    yield launch
    for browser in browsers:
        browser.close()


def _door(shop: Shop) -> tuple[int, str]:
    checkin_list = checkin_list_create(event=shop.event, name="Entrée principale")
    _row, token = api_token_create(organizer=shop.organizer, name="porte", permissions="checkin")
    return checkin_list.pk, token


def _open_scanner(page: Page, live_server: Any, token: str) -> None:
    page.goto(f"{live_server.url}/checkin/scan/#token={token}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    assert "token" not in page.url  # the token left the address bar


def _scanner_page(browser: Browser) -> Page:
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_demo_ticket_scanned_from_its_pdf_by_the_camera(
    camera_browser: Any, live_server: Any, transactional_db: None, tmp_path: Path
) -> None:
    """The issue's demonstration: a ticket bought in the demo, its PDF, the scanner's camera."""
    call_command("load_demo", password="x", verbosity=0)
    line = (
        OrderLine.objects.filter(order__organizer__slug="bts-fed", kind="ticket", order__state="paid")
        .select_related("order__organizer", "product__event", "date").order_by("id").first()
    )
    assert line is not None
    video = _camera_video(ticket_pdf(line=line), tmp_path / "ticket.y4m")
    checkin_list = CheckinList.objects.get(event=line.product.event)  # made by the demo
    link = scanner_link_create(checkin_list=checkin_list, base_url=live_server.url)
    page = _scanner_page(camera_browser(video))
    page.goto(link)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    assert "token" not in page.url  # the token left the address bar
    page.get_by_role("button", name="Démarrer la caméra").click()
    result = page.locator("#result")
    expect(result).to_have_attribute("data-result", "ok", timeout=20_000)
    expect(result).to_contain_text("Bienvenue")
    expect(result).to_contain_text(line.attendee_name)
    expect(page.locator("#count-in")).to_have_text("1")
    # the camera keeps seeing the ticket: it is read again a few seconds later and refused
    expect(result).to_have_attribute("data-result", "already_redeemed", timeout=20_000)
    first = Scan.objects.get(line=line, result=ScanResult.OK)
    first_time = first.scanned_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    expect(result).to_contain_text("Déjà scanné")
    expect(page.locator("#result-detail")).to_contain_text(f"Premier passage : {first_time}")
    expect(page.locator("#result-detail")).to_contain_text(first.device_id)
    assert Scan.objects.filter(line=line, result=ScanResult.OK).count() == 1


def test_camera_scan_of_the_ticket_pdf_offline_then_sync(
    camera_browser: Any, live_server: Any, shop: Shop, tmp_path: Path, door_network: DoorNetwork
) -> None:
    line, _text = _ticket(shop)
    video = _camera_video(ticket_pdf(line=line), tmp_path / "ticket.y4m")
    _list_id, token = _door(shop)
    page = _scanner_page(camera_browser(video))
    _open_scanner(page, live_server, token)
    door_network.cut(page)
    expect(page.locator("#net")).to_have_text("Hors ligne")
    page.get_by_role("button", name="Démarrer la caméra").click()
    result = page.locator("#result")
    expect(result).to_have_attribute("data-result", "ok", timeout=20_000)
    expect(page.locator("#result-detail")).to_contain_text("vérifié hors ligne")
    expect(page.locator("#queue")).to_contain_text("1")
    expect(result).to_have_attribute("data-result", "already_redeemed", timeout=20_000)
    expect(page.locator("#result-detail")).to_contain_text("Premier passage")
    assert not Scan.objects.exists()  # nothing reached the server yet
    door_network.restore(page)
    page.get_by_role("button", name="Synchroniser").click()
    expect(page.locator("#queue")).to_be_hidden()
    scan = Scan.objects.get(line=line)
    assert scan.result == ScanResult.OK and scan.offline and scan.client_scanned_at is not None


def test_usb_scanner_and_offline_session_with_a_conflicting_second_device(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    line_a, text_a = _ticket(shop, 0)
    line_b, text_b = _ticket(shop, 1)
    list_id, token = _door(shop)
    _open_scanner(page, live_server, token)
    result = page.locator("#result")

    # a USB handheld scanner is a keyboard: it types the code and Enter
    expect(page.locator("#wedge")).to_be_focused()
    page.keyboard.type(text_a)
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-result", "ok")
    expect(result).to_contain_text("Bienvenue")
    page.keyboard.type(text_a)
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-result", "already_redeemed")

    # the network goes away: the scanner checks tickets itself and queues them
    door_network.cut(page)
    page.keyboard.type(text_b)
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-result", "ok")
    expect(page.locator("#result-detail")).to_contain_text("vérifié hors ligne")
    page.keyboard.type(text_a)  # entered online before the outage: the bundle knows it
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-result", "already_redeemed")
    forged = text_b[:-3] + ("000" if text_b[-3:] != "000" else "111")
    page.keyboard.type(forged)
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-result", "unknown")
    expect(page.locator("#queue")).to_contain_text("1")

    # meanwhile a second device, online, lets the same ticket in
    scope = checkin_list_scope(list_id=list_id, organizer_id=shop.organizer.pk)
    assert scan_redeem(scope=scope, text=text_b, device_id="porte-2").ok

    door_network.restore(page)
    page.get_by_role("button", name="Synchroniser").click()
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator("#conflicts")).to_contain_text("Double entrée")
    expect(page.locator("#conflicts")).to_contain_text(line_b.serial)
    scans = list(Scan.objects.filter(line=line_b).order_by("id"))
    assert all(s.conflict for s in scans) and len(scans) == 2
    # the offline scan came first: it is the entry that counts
    [winner] = [s for s in scans if s.result == ScanResult.OK]
    assert winner.offline and winner.device_id != "porte-2"
    assert Scan.objects.filter(line=line_a, result=ScanResult.OK).count() == 1


def test_two_tabs_of_one_scanner_keep_each_others_entries(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    """Two tabs of the scanner on one phone share its storage: an entry made in one tab is not
    overwritten by the other's, so after a reload offline the second entry is still refused."""
    _line_a, text_a = _ticket(shop, 0)
    _line_b, text_b = _ticket(shop, 1)
    _list_id, token = _door(shop)
    _open_scanner(page, live_server, token)
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/checkin/scan/")
    expect(other_tab.locator("body")).to_have_attribute("data-ready", "1")

    _scan(page, text_a)
    expect(page.locator("#result")).to_have_attribute("data-result", "ok")
    _scan(other_tab, text_b)  # this tab has not seen the first tab's entry
    expect(other_tab.locator("#result")).to_have_attribute("data-result", "ok")

    door_network.cut(page)
    other_tab.reload()  # the bundle on the phone predates both entries: only the entries know them
    expect(other_tab.locator("body")).to_have_attribute("data-ready", "1")
    expect(other_tab.locator("#net")).to_have_text("Hors ligne")
    for text in (text_a, text_b):
        _scan(other_tab, text)
        expect(other_tab.locator("#result")).to_have_attribute("data-result", "already_redeemed")
    assert Scan.objects.filter(result=ScanResult.OK).count() == 2


def test_the_pages_offline_verifier_refuses_forged_payloads(page: Page, live_server: Any, shop: Shop) -> None:
    """The scanner's JavaScript verifier (base45, WebCrypto Ed25519, revocation list) on the same
    families of bad payloads as the Python fuzz test: none is accepted; genuine ones are."""
    import base45

    from billetterie.catalog.models import Event
    from billetterie.tickets.services import event_key_get_or_create, event_key_private
    from tests.checkin.test_offline_verifier import _bad_payloads

    _line, text = _ticket(shop)
    _list_id, token = _door(shop)
    other = Event.objects.create(organizer=shop.organizer, title="Autre", slug="autre")
    other_key = event_key_private(key=event_key_get_or_create(event=other))
    bad = _bad_payloads([base45.b45decode(text)], other.pk, other_key, 3000)
    _open_scanner(page, live_server, token)
    verdicts = page.evaluate(
        """async (payloads) => {
            const m = await import('/static/checkin/scanner.js');
            const out = [];
            for (const p of payloads) out.push((await m.verifyOffline(p)).result);
            return out;
        }""",
        [text, *bad],
    )
    assert verdicts[0] == "ok"
    assert "ok" not in verdicts[1:]
    assert set(verdicts[1:]) == {"unknown"}


SERVICE_WORKER_ACTIVE = """async () => Promise.race([
    navigator.serviceWorker.ready.then((reg) => !!reg.active),
    new Promise((resolve) => setTimeout(() => resolve(false), 10000)),
])"""


def _scan(page: Page, text: str) -> None:
    """A USB handheld scanner: it types the code and Enter into the focused scan field."""
    expect(page.locator("#wedge")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_reload_while_offline_brings_back_the_queue_then_syncs(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    line_a, text_a = _ticket(shop, 0)
    line_b, text_b = _ticket(shop, 1)
    list_id, token = _door(shop)
    sold = checkin_counts(scope=checkin_list_scope(list_id=list_id, organizer_id=shop.organizer.pk)).sold
    page.goto(f"{live_server.url}/checkin/scan/?list={list_id}#token={token}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("body")).to_have_attribute("data-storage", "indexeddb")
    expect(page.locator("#storage-warning")).to_be_hidden()
    assert page.evaluate(SERVICE_WORKER_ACTIVE)  # the page and its scripts are in its cache
    expect(page.locator("#count-sold")).to_have_text(str(sold))
    device = page.locator("#device-id").inner_text()
    result = page.locator("#result")

    door_network.cut(page)
    expect(page.locator("#net")).to_have_text("Hors ligne")
    _scan(page, text_a)
    expect(result).to_have_attribute("data-result", "ok")
    expect(page.locator("#result-detail")).to_contain_text("vérifié hors ligne")
    expect(page.locator("#queue")).to_contain_text("1")

    # the steward reloads the page, the network still down (the server would answer 503): the
    # service worker serves the page, IndexedDB the bundle, the queue and the counters
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#net")).to_have_text("Hors ligne")
    expect(page.locator("#list-name")).to_contain_text("Entrée principale")
    expect(page.locator("#queue")).to_contain_text("1")
    expect(page.locator("#count-in")).to_have_text("1")
    expect(page.locator("#count-sold")).to_have_text(str(sold))
    expect(page.locator("#device-id")).to_have_text(device)
    _scan(page, text_a)
    expect(result).to_have_attribute("data-result", "already_redeemed")
    expect(page.locator("#result-detail")).to_contain_text("Premier passage")
    expect(page.locator("#result-detail")).to_contain_text("vérifié hors ligne")
    _scan(page, text_b)
    expect(result).to_have_attribute("data-result", "ok")
    expect(page.locator("#queue")).to_contain_text("2")
    expect(page.locator("#count-in")).to_have_text("2")
    assert not Scan.objects.exists()  # nothing reached the server yet

    door_network.restore(page)
    page.get_by_role("button", name="Synchroniser").click()
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator("#net")).to_have_text("En ligne")
    scans = [(s.line_id, s.result, s.offline, s.device_id, s.conflict) for s in Scan.objects.order_by("id")]
    assert scans == [(line_a.pk, ScanResult.OK, True, device, False), (line_b.pk, ScanResult.OK, True, device, False)]
    # the queue is empty on disk too: another reload sends nothing again
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator("#count-in")).to_have_text("2")
    assert Scan.objects.count() == 2


def test_scans_queued_in_local_storage_by_the_earlier_scanner_move_to_indexeddb(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    """A phone updated while it still holds offline scans in localStorage ("ck.*" keys): they move
    to IndexedDB on first load, still refuse a second entry, and are synced."""
    line_a, text_a = _ticket(shop, 0)
    line_b, text_b = _ticket(shop, 1)
    list_id, token = _door(shop)
    auth = {"Authorization": f"Bearer {token}"}
    bundle = page.request.get(f"{live_server.url}/api/v1/checkin/lists/{list_id}/bundle", headers=auth).json()
    lists = page.request.get(f"{live_server.url}/api/v1/checkin/lists", headers=auth).json()
    # what the earlier scanner left on the phone: its service worker and its localStorage keys
    page.goto(f"{live_server.url}/static/checkin/scanner.css")
    assert page.evaluate(
        """async () => {
            const reg = await navigator.serviceWorker.register('/checkin/sw.js', { scope: '/checkin/' });
            const worker = reg.installing || reg.waiting || reg.active;
            const activated = new Promise((resolve) => {
                if (worker.state === 'activated') resolve(true);
                worker.addEventListener('statechange', () => worker.state === 'activated' && resolve(true));
            });
            return Promise.race([activated, new Promise((resolve) => setTimeout(() => resolve(false), 10000))]);
        }"""
    )
    at = "2030-01-01T10:00:00.000Z"
    legacy = {
        "token": token, "device": "scanner-old001", "list": list_id, "lists": lists,
        f"bundle.{list_id}": bundle,
        f"queue.{list_id}": [{"id": "a1b2c3d4e5f6a1b2c3d4e5f6", "text": text_a, "at": at, "line_id": line_a.pk}],
        f"entries.{list_id}": {str(line_a.pk): {"at": at, "device": "scanner-old001"}},
    }
    page.evaluate(
        "(items) => Object.entries(items).forEach(([k, v]) => localStorage.setItem('ck.' + k, JSON.stringify(v)))",
        legacy,
    )

    door_network.cut(page)
    page.goto(f"{live_server.url}/checkin/scan/?list={list_id}")  # the new scanner, served by the worker
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("body")).to_have_attribute("data-storage", "indexeddb")
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('ck.'))") == []
    expect(page.locator("#device-id")).to_have_text("scanner-old001")
    expect(page.locator("#queue")).to_contain_text("1")
    expect(page.locator("#count-in")).to_have_text("1")
    _scan(page, text_a)
    expect(page.locator("#result")).to_have_attribute("data-result", "already_redeemed")
    _scan(page, text_b)
    expect(page.locator("#result")).to_have_attribute("data-result", "ok")
    expect(page.locator("#queue")).to_contain_text("2")

    door_network.restore(page)
    page.get_by_role("button", name="Synchroniser").click()
    expect(page.locator("#queue")).to_be_hidden()
    migrated = Scan.objects.get(line=line_a)
    assert migrated.result == ScanResult.OK and migrated.offline
    assert migrated.client_scan_id == "a1b2c3d4e5f6a1b2c3d4e5f6" and migrated.device_id == "scanner-old001"
    assert Scan.objects.get(line=line_b).device_id == "scanner-old001"
    assert Scan.objects.count() == 2


def test_without_indexeddb_the_scanner_warns_and_keeps_its_queue_in_local_storage(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    line, text = _ticket(shop)
    list_id, token = _door(shop)
    page.context.add_init_script("Object.defineProperty(window, 'indexedDB', { value: undefined });")
    _open_scanner(page, live_server, token)
    expect(page.locator("body")).to_have_attribute("data-storage", "localstorage")
    expect(page.locator("#storage-warning")).to_be_visible()
    expect(page.locator("#storage-warning")).to_contain_text("Synchronisez souvent")
    door_network.cut(page)
    _scan(page, text)
    expect(page.locator("#result")).to_have_attribute("data-result", "ok")
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('ck.queue.{list_id}'))")
    assert [q["line_id"] for q in queued] == [line.pk]
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#queue")).to_contain_text("1")
    door_network.restore(page)
    page.get_by_role("button", name="Synchroniser").click()
    expect(page.locator("#queue")).to_be_hidden()
    assert Scan.objects.get(line=line).offline


def test_a_test_ticket_is_refused_online_and_offline_with_its_reason(
    page: Page, live_server: Any, shop: Shop, door_network: DoorNetwork
) -> None:
    """A ticket paid with the sandbox (decision 0010) at a door that does not accept test tickets:
    the server refuses it, and so does the page's own verifier offline, from the signed flag (the
    list is open to every ticket: without the flag it would let a signed ticket in)."""
    sandbox_turned_on(shop)
    order = order_paid(shop, tickets=2, meals=0, method="sandbox")
    lines = list(order.lines.filter(kind="ticket").select_related("order", "product__event").order_by("id"))
    first, second = (ticket_payload(line=line) for line in lines)
    lines[0].order.testmode = False  # its payload as issued before the flag existed (a migrated order)
    unflagged = ticket_payload(line=lines[0])
    lines[0].order.testmode = True
    _list_id, token = _door(shop)
    _open_scanner(page, live_server, token)
    result = page.locator("#result")
    _scan(page, first)
    expect(result).to_have_attribute("data-result", "test_ticket")
    expect(result).to_contain_text("Billet de test")
    door_network.cut(page)
    _scan(page, second)
    expect(result).to_have_attribute("data-result", "test_ticket")
    expect(result).to_contain_text("Billet de test")
    expect(page.locator("#result-detail")).to_contain_text("vérifié hors ligne")
    for shown in (unflagged, lines[0].serial):  # known from the bundle's test tickets
        _scan(page, "ZZZZZZ-1")  # another answer in between, so each one below is a new one
        expect(result).to_have_attribute("data-result", "unknown")
        _scan(page, shown)
        expect(result).to_have_attribute("data-result", "test_ticket")
    expect(page.locator("#queue")).to_be_hidden()  # nothing to sync: all were refused
    assert not Scan.objects.filter(result=ScanResult.OK).exists()
