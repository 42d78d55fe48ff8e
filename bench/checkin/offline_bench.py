"""Offline verifications per second: the scanner's own check of a ticket (base45, Ed25519
signature, revocation list, ticket list), without the server.

* Python: billetterie.checkin.offline.OfflineVerifier (what the fuzz test runs), one core;
* browser: the scanner page's code in Chromium (WebCrypto Ed25519), if playwright and
  /usr/bin/chromium are there.
Bounded by --count and --seconds; talks to 127.0.0.1 only (to fetch the bundle once)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlparse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")

import django

django.setup()

import base45  # noqa: E402
import httpx  # noqa: E402

from billetterie.checkin.offline import OfflineVerifier  # noqa: E402


def python_rate(bundle: dict, payloads: list[str], forged: list[str], count: int, seconds: float) -> dict:
    done = refused = 0
    started = time.perf_counter()
    deadline = started + seconds
    while done < count and time.perf_counter() < deadline:
        verifier = OfflineVerifier(bundle=bundle)  # a fresh device: every genuine ticket is accepted
        for text in payloads:
            assert verifier.check(text).ok
        done += len(payloads)
    ok_seconds = time.perf_counter() - started
    started = time.perf_counter()
    verifier = OfflineVerifier(bundle=bundle)
    while refused < count and time.perf_counter() < started + seconds:
        for text in forged:
            assert not verifier.check(text).ok
        refused += len(forged)
    bad_seconds = time.perf_counter() - started
    return {"genuine_checked": done, "genuine_per_s": round(done / ok_seconds, 1),
            "forged_checked": refused, "forged_per_s": round(refused / bad_seconds, 1)}


BROWSER_JS = """async ([payloads, publicKey, rounds]) => {
  const m = await import('/static/checkin/scanner.js');
  const raw = Uint8Array.from(atob(publicKey), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, {name: 'Ed25519'}, false, ['verify']);
  let ok = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const text of payloads) {
      const c = m.parsePayload(text);
      if (c && await crypto.subtle.verify({name: 'Ed25519'}, key, c.signature, c.message)) ok += 1;
    }
  }
  return {ok, ms: performance.now() - t0};
}"""


def browser_rate(base: str, bundle: dict, payloads: list[str], rounds: int) -> dict | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not os.path.exists("/usr/bin/chromium"):
        return None
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page()
        page.goto(f"{base}/checkin/scan/")
        result = page.evaluate(BROWSER_JS, [payloads, bundle["public_key"], rounds])
        browser.close()
    n = len(payloads) * rounds
    return {"checked": n, "accepted": result["ok"], "per_s": round(n / (result["ms"] / 1000), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--setup", required=True)
    ap.add_argument("--payloads", required=True)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if urlparse(a.base).hostname not in ("127.0.0.1", "localhost"):
        sys.exit("127.0.0.1 only")
    setup = json.loads(a.setup)
    headers = {"Authorization": f"Bearer {setup['token']}"}
    bundle = httpx.get(f"{a.base}/api/v1/checkin/lists/{setup['list_id']}/bundle", headers=headers,
                       timeout=60).json()
    with open(a.payloads) as f:
        payloads = [line.strip() for line in f if line.strip()]
    # forged: one bit of the signature flipped (a full signature check each, then refused)
    forged = []
    for text in payloads:
        data = bytearray(base45.b45decode(text))
        data[40] ^= 0x01
        forged.append(base45.b45encode(bytes(data)).decode())
    record = {"system": "billetterie", "kind": "offline", "tickets_in_bundle": len(bundle["tickets"]),
              "python": python_rate(bundle, payloads, forged, a.count, a.seconds),
              "browser": browser_rate(a.base, bundle, payloads, rounds=max(1, a.count // len(payloads) // 2))}
    print(json.dumps(record))
    with open(a.out, "a") as f:
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
