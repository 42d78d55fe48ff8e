from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Organizer


def organizers_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organizer]:
    """The organisers whose data a staff user may see: all of them for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Organizer.objects.none()
    if getattr(user, "is_superuser", False):
        return Organizer.objects.all()
    return Organizer.objects.filter(staff__pk=user.pk)


def user_is_staff_of(*, user: AbstractBaseUser | AnonymousUser, organizer: Organizer) -> bool:
    return organizers_for_user(user=user).filter(pk=organizer.pk).exists()
