from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Organizer, Role, TeamMember
from .permissions import Perm, role_perms


def organizers_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organizer]:
    """The organisers whose data a staff user may see: all of them for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Organizer.objects.none()
    if getattr(user, "is_superuser", False):
        return Organizer.objects.all()
    return Organizer.objects.filter(staff__pk=user.pk)


def organizers_where_user_can(*, user: AbstractBaseUser | AnonymousUser, perm: Perm) -> QuerySet[Organizer]:
    """The organisers in whose team the person's role has `perm` (all of them for a platform
    operator): the role check of the back office, for pages outside it (the live check-in)."""
    if not user.is_authenticated or not user.is_active:
        return Organizer.objects.none()
    if getattr(user, "is_superuser", False):
        return Organizer.objects.all()
    roles = [role for role in Role if perm in role_perms(role)]
    return Organizer.objects.filter(team__user_id=user.pk, team__role__in=roles)


def user_is_staff_of(*, user: AbstractBaseUser | AnonymousUser, organizer: Organizer) -> bool:
    return organizers_for_user(user=user).filter(pk=organizer.pk).exists()


def team_memberships(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[TeamMember]:
    """The teams a person belongs to, with their organiser, for the back office's switcher."""
    if not user.is_authenticated or not user.is_active:
        return TeamMember.objects.none()
    return TeamMember.objects.filter(user_id=user.pk).select_related("organizer").order_by("organizer__name")


def role_of(*, user: AbstractBaseUser | AnonymousUser, organizer: Organizer) -> str | None:
    """The person's role in the organiser's team (a platform operator is an administrator
    everywhere); None for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    member = TeamMember.objects.filter(user_id=user.pk, organizer=organizer).only("role").first()
    return member.role if member else None


def user_can(*, user: AbstractBaseUser | AnonymousUser, organizer: Organizer, perm: Perm) -> bool:
    role = role_of(user=user, organizer=organizer)
    return role is not None and perm in role_perms(role)


def workplaces(*, user: AbstractBaseUser | AnonymousUser) -> list[tuple[Organizer, str]]:
    """Each organiser the person works for, with their role there (a platform operator: every
    organiser, as administrator where not in its team)."""
    places = [(member.organizer, member.role) for member in team_memberships(user=user)]
    if getattr(user, "is_superuser", False) and user.is_active:
        known = {organizer.pk for organizer, _ in places}
        places += [(o, Role.ADMIN) for o in Organizer.objects.exclude(pk__in=known).order_by("name")]
    return places
