from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "billetterie.memberships"
    label = "memberships"
