"""Settings for the test suite: tasks run inline, mail stays in memory."""

from .settings import *  # noqa: F403
from .settings import HUEY, HUEY_MAIL

HUEY = {**HUEY, "immediate": True}
HUEY_MAIL = {**HUEY_MAIL, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CLOCK_SOURCE = "application"  # tests move the clock with time-machine
SANDBOX_PAYMENTS_DEFAULT = True  # most tests buy with the built-in sandbox; production tests turn it off
