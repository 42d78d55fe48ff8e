from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billetterie.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import memberships, subscribers, taxreceipts

        subscribers.register()
        memberships.register()  # the renewal reminders' email (and, on import, their periodic job)
        taxreceipts.register()  # a donation's tax receipt (issue 13): its PDF, or its cancellation
