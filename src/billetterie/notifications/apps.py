from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billetterie.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import invoices, memberships, subscribers, taxreceipts

        subscribers.register()
        memberships.register()  # the renewal reminders' email (and, on import, their periodic job)
        invoices.register()  # the invoices, credit notes and contracts to buyers (issue 13)
        taxreceipts.register()  # a donation's tax receipt (issue 13): its PDF, or its cancellation
