from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "billetterie.messaging"
    label = "messaging"

    def ready(self) -> None:
        from billetterie.notifications.models import OutboxKind
        from billetterie.notifications.services import outbox_builder_register

        from . import emails

        # the outbox sends the contact form's emails; they are rendered here, from the message
        outbox_builder_register(kind=OutboxKind.CONTACT_MESSAGE, builder=emails.contact_message_email)
        outbox_builder_register(kind=OutboxKind.CONTACT_COPY, builder=emails.contact_copy_email)
