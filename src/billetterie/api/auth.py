"""Bearer token authentication: `Authorization: Bearer blt_…`, one permission per endpoint."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from billetterie.core import audit

from .models import ApiPermission, ApiToken
from .selectors import api_token_by_secret
from .services import api_token_touch


class TokenAuth(HttpBearer):
    """Unknown, revoked or missing token: 401. Known token without the permission: 403."""

    def __init__(self, permission: ApiPermission) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = api_token_by_secret(token=token.strip())
        if row is None:
            return None
        if not row.has_permission(self.permission):
            raise AuthorizationError(
                message=_("This token does not have the “%(perm)s” permission.") % {"perm": self.permission}
            )
        api_token_touch(token=row)
        audit.bind(audit.api_token(row))  # the request's changes are the token's
        return row


def request_token(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (set by TokenAuth)."""
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token
