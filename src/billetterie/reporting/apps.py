from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "billetterie.reporting"
    label = "reporting"
