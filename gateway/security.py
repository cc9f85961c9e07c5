"""Who is calling: the bearer token's principal, and the roles each route admits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import tokens
from gateway.problems import Problem
from plumbing.principal import Principal, PrincipalError, Role

_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login")


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    if credentials is None:
        raise Problem(401, "Not authenticated", "send 'Authorization: Bearer <token>' from POST /v1/auth/login")
    try:
        principal = tokens.verify(credentials.credentials, request.app.state.settings.token_secret)
    except PrincipalError as exc:
        raise Problem(401, "Not authenticated", str(exc)) from exc
    wait = request.app.state.rate_limiter.admit(principal.subject, time.monotonic())
    if wait:
        seconds = max(1, math.ceil(wait))
        raise Problem(
            429, "Too many requests", f"slow down: try again in {seconds} s", headers={"Retry-After": str(seconds)}
        )
    return principal


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only the given roles (403 for the others)."""

    async def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Problem(403, "Forbidden", f"this needs one of the roles: {allowed}")
        return principal

    return check
