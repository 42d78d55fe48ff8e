from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billetterie.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import subscribers

        subscribers.register()
