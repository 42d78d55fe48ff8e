from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "billetterie.api"
    label = "api"

    def ready(self) -> None:
        from .subscribers import register

        register()
