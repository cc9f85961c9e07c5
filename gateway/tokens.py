"""Signed bearer tokens carrying the principal (role, organisation, region)."""

from __future__ import annotations

import time

import jwt

from plumbing.principal import Principal, PrincipalError, Role

ALGORITHM = "HS256"


def issue(principal: Principal, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.subject,
        "role": principal.role.value,
        "org": principal.org_code,
        "region": principal.region,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str) -> Principal:
    """The token's principal; raises PrincipalError when it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]})
        return Principal(
            subject=claims["sub"], role=Role(claims["role"]), org_code=claims.get("org"), region=claims.get("region")
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise PrincipalError(f"invalid token: {exc}") from exc
