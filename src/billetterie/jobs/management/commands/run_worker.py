"""`billetterie worker --queue money|mail`: the consumer of one task queue (core/queues.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig


class Command(BaseCommand):
    help = "Run the consumer of one task queue: money (notices, refunds, expiry) or mail (emails, imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", choices=["money", "mail"], required=True)
        parser.add_argument("--workers", type=int, default=None, help="threads (default: the queue's setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        from billetterie.core.queues import QUEUES

        autodiscover_modules("tasks")  # every app's tasks register on their queue
        queue = options["queue"]
        queue_settings: dict[str, Any] = settings.HUEY if queue == "money" else settings.HUEY_MAIL
        consumer_options: dict[str, Any] = dict(queue_settings.get("consumer", {}))
        if options["workers"]:
            consumer_options["workers"] = options["workers"]
        config = ConsumerConfig(**consumer_options)
        config.validate()
        logging.getLogger("huey").setLevel(logging.INFO)  # printed by the root handler (settings.LOGGING)
        QUEUES[queue].create_consumer(**config.values).run()
