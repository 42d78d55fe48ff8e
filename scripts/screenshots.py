"""Take the documentation's screenshot of the back office: docs/img/backoffice.png, the dashboard of
the demo association (1280×800, in French), from a demo already running on this machine.

    DEMO_PASSWORD=demo-screens PORT=8123 BILLETTERIE_VAR=$(mktemp -d) .venv/bin/billetterie demo &
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8123 --password demo-screens

It signs in at /gestion/connexion/ as the demo team's administrator (demo@example.org; the
password is the one `billetterie demo` printed, or DEMO_PASSWORD), opens the dashboard, waits for
its chart and saves the picture. Chromium is Debian's (/usr/bin/chromium), driven by Playwright;
only a server on this machine (127.0.0.1 or localhost) is accepted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
STAFF_EMAIL = "demo@example.org"  # load_demo.STAFF_EMAIL: the demo team's administrator
ORGANIZER_SLUG = "bts-fed"  # load_demo.ORGANIZER_SLUG
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DEMO_URL", "http://127.0.0.1:8000"),
                        help="the running demo (default: $DEMO_URL, else http://127.0.0.1:8000)")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", ""),
                        help="the demo login's password (default: $DEMO_PASSWORD)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "backoffice.png")
    args = parser.parse_args(argv)

    base = args.url.rstrip("/")
    if urlsplit(base).hostname not in LOCAL_HOSTS:
        parser.error(f"{base}: only a demo on this machine (127.0.0.1 or localhost)")
    if not args.password:
        parser.error("give the password `billetterie demo` printed (--password or DEMO_PASSWORD)")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install -y chromium")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris",
                                          device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{base}/gestion/connexion/")
            page.fill("input[name=email]", STAFF_EMAIL)
            page.fill("input[name=password]", args.password)
            page.click("form:has(input[name=password]) button[type=submit]")  # not the header's language button
            page.wait_for_load_state("networkidle")
            dashboard = f"{base}/gestion/{ORGANIZER_SLUG}/tableau-de-bord/"
            if not page.url.startswith(dashboard):
                page.goto(dashboard)
            if not page.url.startswith(dashboard):
                print(f"not signed in (at {page.url}): check the password", file=sys.stderr)
                return 1
            page.wait_for_selector("#sales-chart canvas")  # drawn by dashboard.js
            page.wait_for_load_state("networkidle")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
        finally:
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
