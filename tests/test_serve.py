"""`billetterie serve` answers without a `Server` banner: a real gunicorn on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from billetterie import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2",
           "BILLETTERIE_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "billetterie.settings", "DEBUG": "0"}
    args = [sys.executable, "-m", "billetterie.cli", "serve", *cli._demo_gunicorn_args()]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_gunicorn_sends_no_server_header(served: str) -> None:
    # a static file (whitenoise), the API's schema (Django) and a request refused by gunicorn itself
    for path in ("/static/shop/shop.css", "/api/v1/openapi.json"):
        response = httpx.get(served + path, timeout=10)
        assert response.status_code == 200, path
        assert "server" not in response.headers, (path, response.headers.get("server"))
        assert response.headers["date"]  # the other headers gunicorn writes are still there
    with socket.create_connection(("127.0.0.1", int(served.rsplit(":", 1)[1])), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: \x01\r\n\r\n")  # gunicorn's own error page
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400") and "\r\nserver:" not in answer.lower()


def test_the_command_line_loads_the_config() -> None:
    argv = cli._gunicorn("127.0.0.1", 8000, 1, 1, [])
    assert argv[argv.index("--config") + 1] == "python:billetterie.gunicorn_conf"
