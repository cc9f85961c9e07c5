"""Logging in with a built-in account, renewing the access token, logging out, and who am I.

With an OpenID Connect provider configured, users sign in there instead: these routes
then answer 404 and only /me is served.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from gateway import accounts, tokens
from gateway.problems import Problem
from gateway.security import current_principal
from plumbing.principal import Principal
from plumbing.settings import Settings

router = APIRouter(tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=100, examples=["d001.sales"])
    password: str = Field(min_length=1, max_length=200, examples=["dealernet"])


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200, examples=["kq2N1n5o0bV3H0R3w4yQm0m1Gk7b6U3lZr0p9aC2xYs"])


class TokenReply(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is good for")
    refresh_token: str = Field(description="Good for one POST /v1/auth/refresh until the session ends")
    refresh_expires_in: int = Field(description="Seconds until the session ends and a new login is needed")
    role: str
    org_code: str | None
    region: str | None


def _built_in_accounts(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if settings.oidc_issuer:
        raise Problem(404, "Not found", f"this deployment signs users in at {settings.oidc_issuer}")
    return settings


def _reply(principal: Principal, refresh_token: str, settings: Settings, session_ends: dt.datetime) -> TokenReply:
    return TokenReply(
        access_token=tokens.issue(principal, settings.token_secret, settings.token_ttl_seconds),
        expires_in=settings.token_ttl_seconds,
        refresh_token=refresh_token,
        refresh_expires_in=max(0, int((session_ends - dt.datetime.now(dt.UTC)).total_seconds())),
        role=principal.acting_role.value,
        org_code=principal.org_code,
        region=principal.region,
    )


@router.post(
    "/auth/login",
    responses={
        401: {"description": "Unknown username, wrong password, or a disabled account"},
        429: {"description": "Too many failed logins for this username or client; see Retry-After"},
    },
)
def login(credentials: Credentials, request: Request) -> TokenReply:
    """An access token for 15 minutes and a refresh token good until the session ends (a
    working day). Failed logins are throttled per username and per client address."""
    settings = _built_in_accounts(request)
    now = dt.datetime.now(dt.UTC)
    client = request.client.host if request.client else "unknown"
    throttle = accounts.Throttle(settings.login_attempts, dt.timedelta(seconds=settings.login_window_seconds))
    lifetime = dt.timedelta(seconds=settings.session_ttl_seconds)
    with request.app.state.sessions() as session:
        # Checked before the password, so a locked name costs a guesser nothing to learn.
        wait = accounts.throttled_for(session, credentials.username, client, now, throttle)
        if wait is not None:
            raise Problem(429, "Too many failed logins", f"try again in {wait} s", headers={"Retry-After": str(wait)})
        principal = accounts.authenticate(session, credentials.username, credentials.password)
        if principal is None:
            accounts.record_failure(session, credentials.username, client, now, throttle)
            session.commit()
            raise Problem(401, "Not authenticated", "unknown username or wrong password")
        accounts.clear_failures(session, credentials.username)
        refresh_token = accounts.start_session(session, principal.subject, now, lifetime)
        session.commit()
    return _reply(principal, refresh_token, settings, now + lifetime)


@router.post(
    "/auth/refresh",
    responses={401: {"description": "The refresh token is unknown, used before, or its session has ended"}},
)
def refresh(body: RefreshRequest, request: Request) -> TokenReply:
    """A new access token and the next refresh token; the one sent is used up. Sending a
    used refresh token again ends the whole session, since someone else holds a copy."""
    settings = _built_in_accounts(request)
    now = dt.datetime.now(dt.UTC)
    with request.app.state.sessions() as session:
        try:
            renewal = accounts.refresh(session, body.refresh_token, now)
        except accounts.RefreshRefused as exc:
            session.commit()  # a replayed token has ended its session: keep that
            raise Problem(401, "Not authenticated", str(exc)) from exc
        session.commit()
    return _reply(renewal.principal, renewal.refresh_token, settings, renewal.session_ends)


@router.post("/auth/logout", status_code=204)
def log_out(body: RefreshRequest, request: Request) -> None:
    """Ends the session of this refresh token. Access tokens already issued run out by themselves."""
    _built_in_accounts(request)
    with request.app.state.sessions() as session:
        accounts.log_out(session, body.refresh_token, dt.datetime.now(dt.UTC))
        session.commit()


@router.get("/me")
async def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": principal.acting_role.value,
        "side": principal.role.value,
        "org_code": principal.org_code,
        "region": principal.region,
    }
