"""Local stand-ins for payment services that run as their own process on 127.0.0.1.

The demo (`billetterie demo`) and the tests start each one on a free loopback port and point
the sandbox mode of its provider at it through the setting named here. Bank services whose fake
is served by the app itself live in `billetterie_fakes/banks/` instead.

To add one: a module with `main(port)` that serves on 127.0.0.1, and a line in SERVERS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Server:
    module: str  # python -m <module> --port N
    setting: str  # environment variable / Django setting pointed at it


SERVERS: dict[str, Server] = {
    "stripe": Server("billetterie_fakes.servers.localstripe", "STRIPE_API_BASE"),
    "paypal": Server("billetterie_fakes.servers.paypal", "PAYPAL_API_BASE"),
    "payfip": Server("billetterie_fakes.servers.payfip", "PAYFIP_API_BASE"),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def start(name: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start one fake as a child process; returns it and its base URL."""
    fake = SERVERS[name]
    port = port or free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", fake.module, "--port", str(port)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not wait_for_port(port, proc):
        proc.kill()
        raise RuntimeError(f"the fake {name} did not start on 127.0.0.1:{port}")
    return proc, f"http://127.0.0.1:{port}"
