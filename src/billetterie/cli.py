"""The `billetterie` command: Django's manage.py, plus `demo`, `serve`, `worker` and `createtoken`.

    billetterie demo            migrate, load the demo data, serve 127.0.0.1:$PORT with the task worker
    billetterie serve [ARGS]    gunicorn (gthread) on $HOST:$PORT, $WEB_CONCURRENCY workers; ARGS to gunicorn
    billetterie worker [--queue money|mail]   the task consumers (huey), one per queue: money (payment
                                notices, refunds, expiry sweeps) and mail (emails, imports); both by default
    billetterie createtoken SLUG [--name N] [--permissions read,orders,checkin]
    billetterie <other>         a Django management command (migrate, createsuperuser, shell…)
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType, ModuleType

SETTINGS_MODULE = "billetterie.settings"
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SANDBOX_CARDS = [
    ("4242 4242 4242 4242", "approved"),
    ("4000 0000 0000 0002", "declined"),
    ("4000 0000 0000 3220", "3-D Secure challenge"),
    ("4000 0000 0000 0077", "approved, the payment notice arrives late"),
]
STOP_GRACE_SECONDS = 10.0
STAND_INS_MISSING = "  (no local stand-ins of Stripe, PayPal and the banks: `pip install -e devtools` to get them)"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    command = args[0] if args else "help"
    if command in ("help", "-h", "--help") and len(args) <= 1:
        print(__doc__)
        return manage(["help"])
    if command == "demo":
        return demo(args[1:])
    if command == "serve":
        return serve(args[1:])
    if command == "worker":
        return worker(args[1:])
    # createtoken, load_demo, migrate…: management commands
    return manage(args)


def manage(args: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["billetterie", *args])
    return 0


def worker(args: list[str]) -> int:
    """One consumer per queue, each its own process, so a stuck email cannot hold a payment back."""
    if "--queue" in args or any(a.startswith("--queue=") for a in args) or "-h" in args or "--help" in args:
        return manage(["run_worker", *args])
    procs = [
        subprocess.Popen([sys.executable, "-m", "billetterie.cli", "run_worker", "--queue", queue, *args])  # noqa: S603
        for queue in ("money", "mail")
    ]
    return _supervise(procs, name="worker")


def _gunicorn(host: str, port: int, workers: int, threads: int, extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "billetterie.wsgi:application",
        "--config", "python:billetterie.gunicorn_conf",  # no Server header (gunicorn_conf.py)
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        "--bind", f"{host}:{port}", "--graceful-timeout", "10", "--access-logfile", "-",
        *extra,
    ]


def serve(extra: list[str]) -> int:
    """Replace this process by gunicorn (signals go straight to it). Migrations are not run here."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    argv = _gunicorn(host, port, workers, threads, extra)
    os.execv(sys.executable, argv)  # noqa: S606
    return 0  # pragma: no cover  (execv does not return)


def _demo_environment(port: int) -> Path:
    """Settings for this process and its children: read by settings.py, so set before Django starts."""
    env = os.environ
    var_dir = Path(env.get("BILLETTERIE_VAR") or Path.cwd() / "var").resolve()
    env["BILLETTERIE_VAR"] = str(var_dir)
    env["DEBUG"] = "0"
    env["EMAIL_BACKEND"] = FILE_EMAIL_BACKEND
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env.setdefault("PAYMENT_FAKES", "1")  # PayZen and Mercanet pay at the stand-ins' bank pages, when installed
    env.setdefault("SANDBOX_PAYMENTS", "1")  # organisers with no payment method get the built-in sandbox
    (var_dir / "mail").mkdir(parents=True, exist_ok=True)
    return var_dir


def demo(args: list[str]) -> int:
    if args:
        print("usage: billetterie demo   (set PORT to change the port, DEMO_PASSWORD to fix the password)")
        return 2
    port = int(os.environ.get("PORT", "8000"))
    var_dir = _demo_environment(port)
    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
    stand_ins = _demo_stand_ins()
    servers = stand_ins.servers_start() if stand_ins else []  # on loopback: before Django reads its settings

    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    call_command("load_demo", password=password, verbosity=0)
    from billetterie.jobs.management.commands.load_demo import (
        OPERATOR_USERNAME,
        ORGANIZER_SLUG,
        ROLE_EMAILS,
        STAFF_EMAIL,
    )

    scanner = _demo_scanner_link(os.environ["SITE_URL"], ORGANIZER_SLUG)
    connections.close_all()

    procs = [
        subprocess.Popen(_gunicorn("127.0.0.1", port, workers=2, threads=4, extra=_demo_gunicorn_args())),  # noqa: S603
        subprocess.Popen([sys.executable, "-m", "billetterie.cli", "worker"]),
        *servers,
    ]
    _wait_for_port("127.0.0.1", port, procs)
    if stand_ins:
        stand_ins.webhooks_register(os.environ["SITE_URL"].rstrip("/"), ORGANIZER_SLUG)
    site = os.environ["SITE_URL"].rstrip("/")
    lines = [
        "",
        "billetterie demo is running (Ctrl-C to stop)",
        f"  shop:   {site}/{ORGANIZER_SLUG}/",
        f"  back office: {site}/gestion/   email: {STAFF_EMAIL}   password: {password}",
        f"    other roles, same password: {', '.join(ROLE_EMAILS.values())}",
        f"  admin (the platform's operators only): {site}/admin/   login: {OPERATOR_USERNAME}   password: "
        f"{password}",
        f"  API:    {site}/api/v1/openapi.json   (a token: billetterie createtoken {ORGANIZER_SLUG})",
        f"  emails: written as files under {var_dir / 'mail'}/",
        f"  door scanner (phone or laptop, camera or USB scanner, works offline): {scanner}",
        "  sandbox test cards (any future expiry date, any CVC):",
        *(f"    {number}  {outcome}" for number, outcome in SANDBOX_CARDS),
        *(stand_ins.LINES if stand_ins else [STAND_INS_MISSING]),
        "",
    ]
    print("\n".join(lines), flush=True)
    return _supervise(procs)


def _demo_stand_ins() -> ModuleType | None:
    """The local stand-ins of the payment services (the development package billetterie_fakes:
    Stripe, PayPal and PayFiP servers, bank pages), when installed; production has none."""
    try:
        return importlib.import_module("billetterie_fakes.demo")
    except ImportError:
        return None


def _demo_scanner_link(site: str, organizer_slug: str) -> str:
    """A fresh check-in token for the demo's door, as the scanner page's link."""
    from billetterie.api.services import scanner_link_create
    from billetterie.checkin.models import CheckinList

    checkin_list = CheckinList.objects.filter(event__organizer__slug=organizer_slug).order_by("id").first()
    if checkin_list is None:
        return "—"
    return scanner_link_create(checkin_list=checkin_list, base_url=site, name="Scanner (demo)")


def _demo_gunicorn_args() -> list[str]:
    """No control socket for the demo: its default path is per user, shared by every gunicorn."""
    import gunicorn.config

    return ["--no-control-socket"] if hasattr(gunicorn.config, "ControlSocketDisable") else []


def _wait_for_port(host: str, port: int, procs: list[subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(p.poll() is None for p in procs):
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)


def _supervise(procs: list[subprocess.Popen[bytes]], name: str = "demo") -> int:
    """Run until Ctrl-C or SIGTERM (then stop every child) or until a child dies (then stop the rest)."""
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        _stop(procs)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping:
        return 0
    died = [p for p in procs if p.returncode not in (0, None)]
    if died:
        proc = died[0]
        print(f"billetterie {name}: {proc.args!r} exited with status {proc.returncode}", file=sys.stderr)
    return 1


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
