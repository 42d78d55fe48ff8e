from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "billetterie.jobs"
    label = "jobs"
