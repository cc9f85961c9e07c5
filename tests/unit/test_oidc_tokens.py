"""Tokens from an OpenID Connect provider: verified against the keys it publishes (served
here by a small local JWKS endpoint), following its key rotation, refusing everything else."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway import tokens
from plumbing import settings as settings_module
from plumbing.principal import AccountRole, PrincipalError, Role

AUDIENCE = "dealernet"


class Provider:
    """The keys the provider publishes, and how often they were fetched."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/realms/dealernet"

    def publish(self, key_id: str) -> rsa.RSAPrivateKey:
        self.keys[key_id] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[key_id]

    def jwks(self) -> dict[str, Any]:
        published = []
        for key_id, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            published.append({**jwk, "kid": key_id, "use": "sig", "alg": "RS256"})
        return {"keys": published}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/protocol/openid-connect/certs"}
                elif self.path.endswith("/protocol/openid-connect/certs"):
                    provider.fetches += 1
                    body = provider.jwks()
                else:
                    self.send_error(404)
                    return
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def token(self, key_id: str, **changes: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "f:7c1e:li.wei",
            "exp": now + 300,
            "iat": now,
            "realm_access": {"roles": ["offline_access", "dealer_user", "uma_authorization"]},
            "dealernet_org": "D001",
            "dealernet_region": "EAST",
        }
        claims.update(changes)
        return jwt.encode(claims, self.keys[key_id], algorithm="RS256", headers={"kid": key_id})


@pytest.fixture
def provider() -> Iterator[Provider]:
    provider = Provider()
    provider.publish("2026-11")
    thread = threading.Thread(target=provider.server.serve_forever, daemon=True)
    thread.start()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def verifier(provider: Provider) -> tokens.OidcTokens:
    return tokens.OidcTokens(provider.issuer, AUDIENCE, f"{provider.issuer}/protocol/openid-connect/certs")


def verify(provider_verifier: tokens.OidcTokens, token: str) -> Any:
    return asyncio.run(provider_verifier.verify(token))


def test_a_provider_token_becomes_the_principal_its_claims_name(provider: Provider) -> None:
    principal = verify(verifier(provider), provider.token("2026-11"))

    assert principal.subject == "f:7c1e:li.wei"
    assert (principal.role, principal.acting_role) == (Role.DEALER, AccountRole.DEALER_USER)
    assert (principal.org_code, principal.region) == ("D001", "EAST")


def test_keys_are_fetched_once_and_a_rotated_key_is_fetched_when_first_seen(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "JWKS_REFETCH_SECONDS", 0.0)
    checking = verifier(provider)
    for _ in range(3):
        verify(checking, provider.token("2026-11"))
    assert provider.fetches == 1

    provider.publish("2026-12")
    del provider.keys["2026-11"]
    assert verify(checking, provider.token("2026-12")).subject == "f:7c1e:li.wei"
    assert provider.fetches == 2


def test_an_unpublished_key_is_refused_and_does_not_hammer_the_provider(provider: Provider) -> None:
    checking = verifier(provider)
    verify(checking, provider.token("2026-11"))
    stranger = Provider()
    stranger.publish("2026-11-forged")

    for _ in range(5):
        with pytest.raises(PrincipalError, match="does not publish"):
            verify(checking, stranger.token("2026-11-forged"))
    stranger.server.server_close()
    # The keys were read moments ago: unknown key ids wait for the interval to pass.
    assert provider.fetches == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"iss": "https://elsewhere.example/realms/dealernet"}, "(?i)issuer"),
        ({"aud": "another-client"}, "(?i)audience"),
        ({"realm_access": {"roles": ["offline_access"]}}, "exactly one dealernet role"),
        ({"realm_access": {"roles": ["dealer_user", "hq_admin"]}}, "exactly one dealernet role"),
        ({"dealernet_org": None}, "needs an organisation code"),
    ],
)
def test_a_token_that_is_not_for_us_or_not_whole_is_refused(
    provider: Provider, changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(PrincipalError, match=reason):
        verify(verifier(provider), provider.token("2026-11", **changes))


def test_a_tampered_token_is_refused(provider: Provider) -> None:
    header, _, signature = provider.token("2026-11").split(".")
    _, payload, _ = provider.token("2026-11", realm_access={"roles": ["hq_admin"]}).split(".")

    with pytest.raises(PrincipalError, match="invalid token"):
        verify(verifier(provider), ".".join([header, payload, signature]))


def test_alg_none_and_a_public_key_used_as_an_hmac_secret_are_refused(provider: Provider) -> None:
    claims = jwt.decode(provider.token("2026-11"), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "2026-11"})
    public_pem = (
        provider.keys["2026-11"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    # PyJWT refuses to sign with a PEM as an HMAC secret, so the forgery is put together by hand.
    forged = jwt.api_jws.PyJWS()
    forged._algorithms["HS256"].prepare_key = lambda key: key  # type: ignore[method-assign]
    confused = forged.encode(json.dumps(claims).encode(), public_pem, algorithm="HS256", headers={"kid": "2026-11"})

    for token in (unsigned, confused):
        with pytest.raises(PrincipalError, match="not accepted"):
            verify(verifier(provider), token)


def test_the_settings_choose_the_provider_and_discover_its_keys(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEALERNET_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("DEALERNET_OIDC_AUDIENCE", AUDIENCE)
    chosen = asyncio.run(tokens.verifier_for(settings_module.load()))
    assert isinstance(chosen, tokens.OidcTokens)
    assert verify(chosen, provider.token("2026-11")).org_code == "D001"

    monkeypatch.delenv("DEALERNET_OIDC_ISSUER")
    assert isinstance(asyncio.run(tokens.verifier_for(settings_module.load())), tokens.BuiltInTokens)
