"""Production installs billetterie without devtools/ (the stand-ins of the payment services):
even with PAYMENT_FAKES on, nothing imports them, /fake-psp/ does not exist and an unconfigured
bank method cannot start (decision 0014)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HIDDEN = 3  # the script's exit status when it cannot hide the package (installed with Django)

SCRIPT = f"""
import importlib, importlib.util, pkgutil, sys
from pathlib import Path

# an editable install finds the package through its own finder; a plain one sits next to Django
sys.meta_path[:] = [f for f in sys.meta_path if "billetterie_fakes" not in str(getattr(f, "__module__", ""))]
sys.path[:] = [p for p in sys.path if not (Path(p or ".") / "billetterie_fakes").exists()]
importlib.invalidate_caches()
if importlib.util.find_spec("billetterie_fakes") is not None:
    sys.exit({HIDDEN})

import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve

import billetterie
from billetterie import cli
from billetterie.payments.providers.bank_common import NotConfigured, bank_credentials
from billetterie.payments.providers.base import ProviderConfig

assert settings.PAYMENT_FAKES and "billetterie_fakes" not in settings.INSTALLED_APPS
for module in pkgutil.walk_packages(billetterie.__path__, "billetterie."):
    importlib.import_module(module.name)
assert not [m for m in sys.modules if m.split(".")[0] == "billetterie_fakes"]
try:
    match = resolve("/fake-psp/lyra/pay/")
except Resolver404:
    pass
else:
    assert match.namespace != "fake_psp", match
for family in ("lyra", "sips"):
    try:
        bank_credentials(ProviderConfig(), family)
    except NotConfigured:
        pass
    else:
        raise AssertionError(family + " found a stand-in")
assert cli._demo_stand_ins() is None
print("ok")
"""


def test_billetterie_runs_and_imports_nothing_of_the_stand_ins(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billetterie.settings", "PAYMENT_FAKES": "1",
           "BILLETTERIE_VAR": str(tmp_path), "DEBUG": "0"}
    env.pop("DATABASE_URL", None)  # nothing here touches a database
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    if done.returncode == HIDDEN:
        pytest.skip("billetterie_fakes is installed next to Django: it cannot be hidden from a subprocess")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
