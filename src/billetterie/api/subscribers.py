"""What the API does when a domain below reports something (core/events.py): the scanner links a
team member made stop for good when they leave the team or their role may no longer scan.

(They stop at once anyway — each use checks that their maker may still scan,
`selectors.creator_may_scan` — but a revocation is permanent and in the audit trail: coming back
to the team later does not bring old links back to life.)"""

from __future__ import annotations

from billetterie.core import events
from billetterie.organizers.events import TeamMemberLeft, TeamMemberRoleChanged

from .selectors import SCANNING_ROLES
from .services import scanner_tokens_of_member_revoke


def _member_left(event: TeamMemberLeft) -> None:
    scanner_tokens_of_member_revoke(organizer_id=event.organizer_id, user_id=event.user_id)


def _member_role_changed(event: TeamMemberRoleChanged) -> None:
    if event.role not in SCANNING_ROLES:
        scanner_tokens_of_member_revoke(organizer_id=event.organizer_id, user_id=event.user_id)


def register() -> None:
    events.subscribe(TeamMemberLeft, "api.revoke_scanner_links_left", _member_left)
    events.subscribe(TeamMemberRoleChanged, "api.revoke_scanner_links_role", _member_role_changed)
