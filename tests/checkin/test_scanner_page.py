"""The scanner page is served from the service worker's cache when offline, under its path alone:
it must be the same page for every request (no CSRF token, session or list in it)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.mark.django_db
def test_the_scanner_page_holds_nothing_per_request() -> None:
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr")
    staff = Client(HTTP_ACCEPT_LANGUAGE="fr")
    staff.force_login(User.objects.create_user(username="porte", password="x", is_staff=True))
    pages = [
        anonymous.get("/checkin/scan/"),
        anonymous.get("/checkin/scan/?list=7"),
        staff.get("/checkin/scan/?list=8"),
    ]
    assert {p.status_code for p in pages} == {200}
    assert len({p.content for p in pages}) == 1
    assert all(not p.cookies for p in pages)
    html = pages[0].content.decode()
    assert "csrfmiddlewaretoken" not in html
    config = json.loads(html.split('id="scanner-config" type="application/json">')[1].split("</script>")[0])
    assert set(config) == {"api", "strings", "version", "serviceWorker", "nobleUrl"}
    assert pages[0]["Cache-Control"] == "no-cache"


def test_the_service_worker_keeps_the_page_and_every_script_it_imports(client: Client) -> None:
    body = client.get("/checkin/sw.js").content.decode()
    files = json.loads(body.split("const FILES = ")[1].split(";\n")[0])
    assert "/checkin/scan/" in files
    assert {"/static/checkin/scanner.js", "/static/checkin/storage.js"} <= set(files)
