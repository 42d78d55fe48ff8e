from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "billetterie.shop"
    label = "shop"

    def ready(self) -> None:
        from . import account

        # customer accounts (issue 12): what orders and memberships keep about an account, and the
        # sign-in link's email, registered with customers, which sits below them all
        account.register()
