from typing import Any

from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "billetterie.memberships"
    label = "memberships"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import PriceRequirement

        # member prices are kept with the catalogue's cached reads: any change of one (the back
        # office's service bumps it too; the admin and the shell come through here) drops them
        for signal in (post_save, post_delete):
            signal.connect(_member_price_changed, sender=PriceRequirement, dispatch_uid=f"member-price-{signal}")
        m2m_changed.connect(_member_price_changed, sender=PriceRequirement.types.through,
                            dispatch_uid="member-price-types")


def _member_price_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    from billetterie.catalog.signals import catalog_version_bump

    from .models import PriceRequirement

    if isinstance(instance, PriceRequirement):
        catalog_version_bump(instance.price.product.event.organizer_id)
