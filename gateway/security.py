"""Who is calling: the bearer token's principal, and the roles each route admits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.problems import Problem
from gateway.tokens import Verifier
from plumbing.principal import AccountRole, Principal, PrincipalError

_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login")


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    if credentials is None:
        raise Problem(401, "Not authenticated", "send 'Authorization: Bearer <token>' from POST /v1/auth/login")
    try:
        verifier: Verifier = request.app.state.verifier
        principal = await verifier.verify(credentials.credentials)
    except PrincipalError as exc:
        raise Problem(401, "Not authenticated", str(exc)) from exc
    wait = request.app.state.rate_limiter.admit(principal.subject, time.monotonic())
    if wait:
        seconds = max(1, math.ceil(wait))
        raise Problem(
            429, "Too many requests", f"slow down: try again in {seconds} s", headers={"Retry-After": str(seconds)}
        )
    return principal


def admit(principal: Principal, roles: tuple[AccountRole, ...]) -> Principal:
    if principal.acting_role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Problem(403, "Forbidden", f"this needs one of the roles: {allowed}")
    return principal


def require(*roles: AccountRole) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only the given roles (403 for the others)."""

    async def check(principal: Principal = Depends(current_principal)) -> Principal:
        return admit(principal, roles)

    # Read by the authorisation table test and the OpenAPI description of each route.
    check.roles = roles  # type: ignore[attr-defined]
    return check


def declared_roles(route: APIRoute) -> tuple[AccountRole, ...] | None:
    """The roles a route admits, read from its dependencies; None for a public route."""
    found: tuple[AccountRole, ...] | None = None
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        roles = getattr(dependant.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        if dependant.call is current_principal:
            found = tuple(AccountRole)
        pending.extend(dependant.dependencies)
    return found


def declare_roles(router: APIRouter) -> None:
    """Writes each route's roles into its OpenAPI operation (`x-roles`, the description and
    its 401/403 answers), so clients and the authorisation test read one source. Called on
    each router before it is included."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        roles = declared_roles(route)
        if roles is None:
            continue
        route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": [role.value for role in roles]}
        names = ", ".join(role.value for role in roles)
        route.description = f"{route.description}\n\nRoles: {names}.".strip()
        route.responses.setdefault(401, {"description": "No token, or an invalid or expired one"})
        if set(roles) != set(AccountRole):
            route.responses.setdefault(403, {"description": f"A role other than: {names}"})
