from django.apps import AppConfig


class OrganizersConfig(AppConfig):
    name = "billetterie.organizers"
    label = "organizers"
