"""Django's admin app with the platform operators' site (superusers only: `organizers/admin_site.py`).
Its own module: `organizers/apps.py` keeps a single AppConfig, which Django picks for `billetterie.organizers`."""

from django.contrib.admin.apps import AdminConfig


class OperatorsAdminConfig(AdminConfig):
    default_site = "billetterie.organizers.admin_site.OperatorsAdminSite"
