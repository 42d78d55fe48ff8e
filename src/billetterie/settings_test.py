"""Settings for the test suite: tasks run inline, mail stays in memory."""

from .settings import *  # noqa: F403
from .settings import HUEY, HUEY_MAIL, INSTALLED_APPS

HUEY = {**HUEY, "immediate": True}
HUEY_MAIL = {**HUEY_MAIL, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CLOCK_SOURCE = "application"  # tests move the clock with time-machine
SANDBOX_PAYMENTS_DEFAULT = True  # most tests buy with the built-in sandbox; production tests turn it off
# the suite installs the development package of stand-ins (devtools/) and switches PAYMENT_FAKES
# on and off per test: its bank pages answer 404 while it is off
if "billetterie_fakes" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "billetterie_fakes"]
