"""Bearer tokens: issued here for the built-in accounts, or verified from an OpenID Connect
provider (Keycloak, for one) when the settings name its issuer.

Either way a token becomes the same principal: subject, role, organisation and region.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt

from plumbing.principal import AccountRole, Principal, PrincipalError
from plumbing.settings import Settings

ALGORITHM = "HS256"
ISSUER = "dealernet"
AUDIENCE = "dealernet-api"
# Asymmetric algorithms only: a provider's public key must never double as an HMAC secret.
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# A token naming a key the provider has not published makes us fetch its keys again (it
# rotated them), but at most this often, so forged key ids cannot hammer the provider.
JWKS_REFETCH_SECONDS = 30.0
JWKS_TIMEOUT_SECONDS = 5


class Verifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


def issue(principal: Principal, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.subject,
        "role": principal.acting_role.value,
        "org": principal.org_code,
        "region": principal.region,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str) -> Principal:
    """The token's principal; raises PrincipalError when it is forged, expired or malformed."""
    return _verified(token, secret)[0]


def _verified(token: str, secret: str) -> tuple[Principal, float]:
    """The token's principal and when the token expires."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["iss", "aud", "sub", "role", "exp"]},
        )
        principal = _principal(claims["sub"], claims["role"], claims.get("org"), claims.get("region"))
        return principal, float(claims["exp"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise PrincipalError(f"invalid token: {exc}") from exc


def _principal(subject: Any, role: Any, org_code: Any, region: Any) -> Principal:
    account_role = AccountRole(role)
    return Principal.for_account(
        str(subject),
        account_role,
        org_code=None if org_code is None else str(org_code),
        region=None if region is None else str(region),
    )


# Verified tokens kept by each gateway process, so a client's next call costs a lookup
# instead of a signature check; far more than the callers one process serves in 15 minutes.
VERIFIED_TOKENS_KEPT = 10_000


class BuiltInTokens:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        now = time.time()
        known = self._verified.get(token)
        if known is not None and known[1] > now:
            return known[0]
        verified = _verified(token, self.secret)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified = {kept: entry for kept, entry in self._verified.items() if entry[1] > now}
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                self._verified.clear()
        self._verified[token] = verified
        return verified[0]


@dataclass(frozen=True)
class ClaimNames:
    """Where the provider puts what dealernet needs. A dotted name reads a nested claim
    (Keycloak lists realm roles under `realm_access.roles`)."""

    role: str = "realm_access.roles"
    org: str = "dealernet_org"
    region: str = "dealernet_region"


def _claim(claims: Mapping[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _account_role(value: Any) -> AccountRole:
    """The one dealernet role among the token's roles (a provider lists others too)."""
    names = [value] if isinstance(value, str) else list(value or [])
    known = [AccountRole(name) for name in names if name in AccountRole.__members__.values()]
    if len(known) != 1:
        found = ", ".join(role.value for role in known) or "none"
        raise PrincipalError(f"the token must carry exactly one dealernet role (found: {found})")
    return known[0]


class OidcTokens:
    """Verifies a provider's tokens against its published keys (JWKS), following key rotation."""

    def __init__(self, issuer: str, audience: str, jwks_url: str, claims: ClaimNames = ClaimNames()) -> None:
        self.issuer = issuer
        self.audience = audience
        self.claims = claims
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=False, cache_jwk_set=False, timeout=JWKS_TIMEOUT_SECONDS)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -JWKS_REFETCH_SECONDS
        self._fetching = asyncio.Lock()

    async def _key(self, key_id: str) -> jwt.PyJWK:
        if key_id in self._keys:
            return self._keys[key_id]
        async with self._fetching:
            if key_id not in self._keys and time.monotonic() - self._fetched_at >= JWKS_REFETCH_SECONDS:
                self._fetched_at = time.monotonic()
                try:
                    published = await asyncio.to_thread(self._jwks.get_signing_keys, True)
                except jwt.PyJWKClientError as exc:
                    raise PrincipalError(f"the identity provider's keys could not be read: {exc}") from exc
                # Keys the provider no longer publishes are forgotten: rotation retires them.
                self._keys = {key.key_id: key for key in published if key.key_id}
        if key_id not in self._keys:
            raise PrincipalError("invalid token: signed with a key the identity provider does not publish")
        return self._keys[key_id]

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            if algorithm not in OIDC_ALGORITHMS:
                raise PrincipalError(f"invalid token: algorithm {algorithm!r} is not accepted")
            key_id = header.get("kid")
            if not isinstance(key_id, str):
                raise PrincipalError("invalid token: it names no signing key (kid)")
            key = await self._key(key_id)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["iss", "aud", "sub", "exp"]},
            )
            account_role = _account_role(_claim(claims, self.claims.role))
            return _principal(
                claims["sub"], account_role, _claim(claims, self.claims.org), _claim(claims, self.claims.region)
            )
        except jwt.PyJWTError as exc:
            raise PrincipalError(f"invalid token: {exc}") from exc


async def verifier_for(settings: Settings) -> Verifier:
    """The provider's verifier when an OpenID Connect issuer is set, the built-in one otherwise."""
    if not settings.oidc_issuer:
        return BuiltInTokens(settings.token_secret)
    jwks_url = settings.oidc_jwks_url
    if not jwks_url:
        discovery = f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration"
        async with httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS) as client:
            reply = await client.get(discovery)
            reply.raise_for_status()
            jwks_url = str(reply.json()["jwks_uri"])
    claims = ClaimNames(role=settings.oidc_role_claim, org=settings.oidc_org_claim, region=settings.oidc_region_claim)
    return OidcTokens(settings.oidc_issuer, settings.oidc_audience, jwks_url, claims)
