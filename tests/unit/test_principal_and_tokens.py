"""Who is asking: the principal passed between services, the gateway's bearer tokens and
its password hashes."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from gateway import tokens
from gateway.accounts import hash_password, password_matches
from plumbing.principal import AccountRole, Principal, PrincipalError, Role

SECRET = "a-test-signing-secret-of-at-least-32-bytes"

HQ = Principal(subject="anna@hq", role=Role.HQ, region="EU")
DEALER = Principal(subject="ben@d-ber-01", role=Role.DEALER, org_code="D-BER-01", region="EU")
STATION = Principal(subject="cem@s-muc-02", role=Role.STATION, org_code="S-MUC-02")
OPS = Principal(subject="oncall@ops", role=Role.OPS)


@pytest.mark.parametrize("principal", [HQ, DEALER, STATION, OPS])
def test_principal_survives_the_trip_through_json(principal: Principal) -> None:
    assert Principal.from_json(principal.to_json()) == principal


def test_principal_json_carries_the_role_by_its_value() -> None:
    assert json.loads(DEALER.to_json()) == {
        "subject": "ben@d-ber-01",
        "role": "dealer",
        "org_code": "D-BER-01",
        "region": "EU",
        "account_role": "dealer_admin",
    }


def test_principal_is_read_from_bytes_as_well() -> None:
    assert Principal.from_json(DEALER.to_json().encode()) == DEALER


@pytest.mark.parametrize("role", [Role.DEALER, Role.STATION])
@pytest.mark.parametrize("org_code", [None, ""])
def test_dealer_or_station_without_organisation_is_refused(role: Role, org_code: str | None) -> None:
    with pytest.raises(PrincipalError, match="needs an organisation code"):
        Principal(subject="someone", role=role, org_code=org_code)


def test_dealer_without_organisation_is_refused_when_read_from_json() -> None:
    with pytest.raises(PrincipalError, match="needs an organisation code"):
        Principal.from_json('{"subject": "ben@d-ber-01", "role": "dealer"}')


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"subject": "ben"',
        "[]",
        '"dealer"',
        "42",
        '{"role": "hq"}',
        '{"subject": "ben"}',
        '{"subject": "ben", "role": "admin"}',
    ],
)
def test_malformed_principal_is_refused(raw: str) -> None:
    with pytest.raises(PrincipalError, match="malformed principal"):
        Principal.from_json(raw)


@pytest.mark.parametrize("raw", [None, "", b""])
def test_missing_principal_is_refused(raw: str | bytes | None) -> None:
    with pytest.raises(PrincipalError, match="no principal was passed"):
        Principal.from_json(raw)


def test_hq_sees_every_organisation() -> None:
    assert HQ.can_see_org("D-BER-01")
    assert HQ.can_see_org("S-MUC-02")
    assert HQ.is_hq


def test_dealer_sees_only_its_own_organisation() -> None:
    assert DEALER.can_see_org("D-BER-01")
    assert not DEALER.can_see_org("D-HAM-07")
    assert not DEALER.is_hq


def test_station_sees_only_its_own_organisation() -> None:
    assert STATION.can_see_org("S-MUC-02")
    assert not STATION.can_see_org("D-BER-01")


@pytest.mark.parametrize("principal", [HQ, DEALER, STATION, OPS])
def test_issued_token_verifies_to_the_same_principal(principal: Principal) -> None:
    token = tokens.issue(principal, SECRET, ttl_seconds=600)

    assert tokens.verify(token, SECRET) == principal


def test_token_expires_after_its_lifetime() -> None:
    before = int(time.time())
    token = tokens.issue(DEALER, SECRET, ttl_seconds=600)

    claims = jwt.decode(token, SECRET, algorithms=[tokens.ALGORITHM], audience=tokens.AUDIENCE)
    assert before <= claims["iat"] <= before + 5
    assert claims["exp"] == claims["iat"] + 600


def test_token_signed_with_another_secret_is_refused() -> None:
    token = tokens.issue(DEALER, "another-signing-secret-of-at-least-32-bytes", ttl_seconds=600)

    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(token, SECRET)


def test_expired_token_is_refused() -> None:
    token = tokens.issue(DEALER, SECRET, ttl_seconds=-60)

    with pytest.raises(PrincipalError, match="expired"):
        tokens.verify(token, SECRET)


def _claims(now: int) -> dict[str, object]:
    return {
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": "anna",
        "role": "hq_analyst",
        "iat": now,
        "exp": now + 600,
    }


@pytest.mark.parametrize(("claim", "value"), [("iss", "someone-else"), ("aud", "another-api")])
def test_token_for_another_issuer_or_audience_is_refused(claim: str, value: str) -> None:
    claims = {**_claims(int(time.time())), claim: value}

    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET)


def test_token_carries_the_finer_role_and_the_principal_its_side() -> None:
    analyst = Principal.for_account("anna", AccountRole.HQ_ANALYST, region="EU")

    verified = tokens.verify(tokens.issue(analyst, SECRET, ttl_seconds=600), SECRET)

    assert (verified.role, verified.acting_role) == (Role.HQ, AccountRole.HQ_ANALYST)


def test_a_role_on_another_side_is_refused() -> None:
    with pytest.raises(PrincipalError, match="not on the dealer side"):
        Principal("ben", Role.DEALER, "D001", account_role=AccountRole.HQ_ADMIN)


def _segment(claims: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()


def test_token_whose_claims_were_changed_is_refused() -> None:
    header, payload, signature = tokens.issue(DEALER, SECRET, ttl_seconds=600).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "hq_admin"
    forged = ".".join([header, _segment(claims), signature])

    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(forged, SECRET)


def test_unsigned_token_is_refused() -> None:
    now = int(time.time())
    unsigned = jwt.encode({**_claims(now), "sub": "mallory", "role": "hq_admin"}, None, algorithm="none")

    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(unsigned, SECRET)


def test_token_with_an_unknown_role_is_refused() -> None:
    now = int(time.time())
    token = jwt.encode({**_claims(now), "sub": "mallory", "role": "admin"}, SECRET, algorithm="HS256")

    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(token, SECRET)


def test_dealer_token_without_organisation_is_refused() -> None:
    now = int(time.time())
    token = jwt.encode({**_claims(now), "sub": "ben", "role": "dealer_user"}, SECRET, algorithm="HS256")

    with pytest.raises(PrincipalError, match="needs an organisation code"):
        tokens.verify(token, SECRET)


@pytest.mark.parametrize("missing", ["sub", "role", "exp", "iss", "aud"])
def test_token_missing_a_required_claim_is_refused(missing: str) -> None:
    now = int(time.time())
    claims = _claims(now)
    del claims[missing]

    with pytest.raises(PrincipalError, match=missing):
        tokens.verify(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_garbage_token_is_refused(token: str) -> None:
    with pytest.raises(PrincipalError, match="invalid token"):
        tokens.verify(token, SECRET)


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_password("correct horse battery staple")


def test_password_is_stored_as_a_salted_scrypt_hash(stored_hash: str) -> None:
    scheme, salt_hex, digest_hex = stored_hash.split("$")

    assert scheme == "scrypt"
    assert len(bytes.fromhex(salt_hex)) == 16
    assert len(bytes.fromhex(digest_hex)) == 64
    assert "correct horse" not in stored_hash


def test_same_password_hashes_differently_each_time(stored_hash: str) -> None:
    assert hash_password("correct horse battery staple") != stored_hash


def test_right_password_matches(stored_hash: str) -> None:
    assert password_matches("correct horse battery staple", stored_hash)


@pytest.mark.parametrize("attempt", ["correct horse battery stapler", "Correct horse battery staple"])
def test_wrong_password_does_not_match(stored_hash: str, attempt: str) -> None:
    assert not password_matches(attempt, stored_hash)


@pytest.mark.parametrize(
    "stored",
    ["", "correct horse battery staple", "scrypt$00ff", "scrypt$00$ff$00", "bcrypt$00ff$00ff"],
)
def test_malformed_stored_hash_matches_nothing(stored: str) -> None:
    assert not password_matches("correct horse battery staple", stored)


@pytest.mark.parametrize("stored", ["scrypt$not-hex$00ff", "scrypt$00ff$dïgest"])
def test_stored_hash_with_undecodable_parts_matches_nothing(stored: str) -> None:
    assert not password_matches("correct horse battery staple", stored)


def test_a_verified_token_is_kept_until_it_expires_and_a_forged_one_never() -> None:
    import asyncio

    checking = tokens.BuiltInTokens(SECRET)
    token = tokens.issue(DEALER, SECRET, ttl_seconds=1)

    assert asyncio.run(checking.verify(token)) == DEALER
    assert asyncio.run(checking.verify(token)) == DEALER
    time.sleep(1.1)
    with pytest.raises(PrincipalError, match="expired"):
        asyncio.run(checking.verify(token))
    forged = tokens.issue(DEALER, "another-signing-secret-of-at-least-32-bytes", ttl_seconds=600)
    with pytest.raises(PrincipalError, match="invalid token"):
        asyncio.run(checking.verify(forged))
