"""What organizers tell the domains above them (core/events.py): a team member's rights shrank."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TeamMemberLeft(DomainEvent):
    """The person was taken out of the organiser's team: what they hold for it (the scanner links
    they made) goes (api revokes their tokens)."""

    name = "organizers.team_member_left"
    organizer_id: int
    user_id: int


@dataclass(frozen=True, kw_only=True)
class TeamMemberRoleChanged(DomainEvent):
    """The person's role in the team changed to `role` (api revokes their scanner links when the
    new role may no longer scan)."""

    name = "organizers.team_member_role_changed"
    organizer_id: int
    user_id: int
    role: str
