from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.test import Client

from billetterie import cli
from tests.factories import Shop


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Management commands run from argv close every connection when done: not the test's one."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_createtoken_prints_a_token_that_authenticates(
    shop: Shop, capsys: pytest.CaptureFixture[str], client: Client
) -> None:
    argv = ["createtoken", shop.organizer.slug, "--name", "Tableau", "--permissions", "read,orders"]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("blt_") and "\n" not in token
    assert "Tableau" in err and "read, orders" in err
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert {e["title"] for e in response.json()} == {"JIP 2027", "Adhésions 2026-2027"}


def test_createtoken_for_an_unknown_organiser_fails(shop: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["createtoken", "inconnu"])
    assert exc.value.code == 1
    assert "inconnu" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["createtoken", shop.organizer.slug, "--permissions", "admin"])


def test_demo_environment_for_the_children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SITE_URL", "EMAIL_BACKEND", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BILLETTERIE_VAR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "1")
    var_dir = cli._demo_environment(8765)
    assert var_dir == tmp_path and (tmp_path / "mail").is_dir()
    assert os.environ["SITE_URL"] == "http://127.0.0.1:8765"
    assert os.environ["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert os.environ["DEBUG"] == "0"


def _sleepers(n: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(n)]


def test_supervise_stops_every_child_on_sigterm() -> None:
    procs = _sleepers(2)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        assert cli._supervise(procs) == 0
    finally:
        timer.cancel()
    assert all(p.poll() is not None for p in procs)


def test_supervise_stops_the_others_when_a_child_dies() -> None:
    procs = [*_sleepers(1), subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])]
    assert cli._supervise(procs) == 1
    assert procs[0].poll() is not None
