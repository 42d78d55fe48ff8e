from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billetterie.notifications"
    label = "notifications"
