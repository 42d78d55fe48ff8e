"""Django's admin app with the platform operators' site (superusers only: `core/admin_site.py`).
Its own module: `core/apps.py` keeps a single AppConfig, which Django picks for `billetterie.core`."""

from django.contrib.admin.apps import AdminConfig


class OperatorsAdminConfig(AdminConfig):
    default_site = "billetterie.core.admin_site.OperatorsAdminSite"
