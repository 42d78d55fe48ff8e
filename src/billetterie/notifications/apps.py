from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billetterie.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import memberships, subscribers

        subscribers.register()
        memberships.register()  # the renewal reminders' email (and, on import, their periodic job)
