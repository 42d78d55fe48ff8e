import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")
django.setup(set_prefix=False)

from billetterie.api.fastlane import FastLaneWSGIHandler  # noqa: E402 - needs the apps loaded

application = FastLaneWSGIHandler()
