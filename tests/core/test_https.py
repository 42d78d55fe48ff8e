"""HTTPS=1 (behind a TLS proxy) turns on HSTS: once a browser has seen the site over HTTPS it never
speaks plain HTTP to it again. The settings are read from the environment at start, so each case
imports settings.py in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import Shop

NAMES = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]


def settings_with(env: dict[str, str], var: Path) -> dict[str, Any]:
    code = ("import json; from billetterie import settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HTTPS", "HSTS"))}
    out = subprocess.run([sys.executable, "-c", code], env={**environ, "BILLETTERIE_VAR": str(var), **env},
                         capture_output=True, text=True, check=True, timeout=60).stdout
    values: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return values


def test_without_https_no_hsts(tmp_path: Path) -> None:
    values = settings_with({}, tmp_path)
    assert values["SECURE_HSTS_SECONDS"] is None and values["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.django_db
def test_https_sends_hsts_for_a_year_on_secure_requests_only(tmp_path: Path, shop: Shop, settings: Any) -> None:
    values = settings_with({"HTTPS": "1"}, tmp_path)
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False and values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    for name, value in values.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    secure = Client().get("/assoc/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in Client().get("/assoc/")  # plain HTTP: browsers ignore it there


@pytest.mark.django_db
def test_hsts_subdomains_and_preload_are_opt_in(tmp_path: Path, shop: Shop, settings: Any) -> None:
    values = settings_with({"HTTPS": "1", "HSTS_SECONDS": "600", "HSTS_INCLUDE_SUBDOMAINS": "1",
                            "HSTS_PRELOAD": "1"}, tmp_path)
    for name, value in values.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    secure = Client().get("/assoc/", HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"
