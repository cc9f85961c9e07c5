"""The channel's organisations and their users' accounts, owned by the gateway.

Passwords are stored as scrypt hashes (standard library), never in clear. Failed logins
are kept for a window, so guessing a password is throttled across every gateway replica.
A login opens a session: short-lived access tokens, renewed with a refresh token that is
good for one use; presenting a used one again ends the session (it was copied).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import os
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    MetaData,
    String,
    Uuid,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from plumbing.principal import AccountRole, Principal, Role

metadata = MetaData()

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class Base(DeclarativeBase):
    metadata = metadata


class Organisation(Base):
    """HQ, a dealer or a station; `region` groups the channel for HQ's views."""

    __tablename__ = "organisations"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(20))


class Account(Base):
    __tablename__ = "accounts"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    password_hash: Mapped[str] = mapped_column(String(300))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SignInSession(Base):
    """One login: it lasts at most until `expires_at`, however often its tokens are refreshed."""

    __tablename__ = "sign_in_sessions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("accounts.username"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(100))


class RefreshToken(Base):
    """Only a hash is kept: a copy of this table lets no one in."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sign_in_sessions.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """A failed login, kept for the throttling window."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username", "username", "failed_at"),
        Index("ix_login_failures_client", "client", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Throttle:
    """At most `attempts` failed logins per username in `window`; a client address may fail
    four times as often (a garage's shared connection), so one guesser cannot lock a whole
    dealer out."""

    attempts: int
    window: dt.timedelta

    @property
    def client_attempts(self) -> int:
        return self.attempts * 4


def throttled_for(session: Session, username: str, client: str, now: dt.datetime, throttle: Throttle) -> int | None:
    """Seconds to wait before trying again, when the username or the client failed too often."""
    since = now - throttle.window
    for column, value, limit in (
        (LoginFailure.username, username.strip().lower(), throttle.attempts),
        (LoginFailure.client, client, throttle.client_attempts),
    ):
        failures, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                column == value, LoginFailure.failed_at > since
            )
        ).one()
        if failures >= limit:
            return max(1, math.ceil((oldest + throttle.window - now).total_seconds()))
    return None


def record_failure(session: Session, username: str, client: str, now: dt.datetime, throttle: Throttle) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - throttle.window))
    session.add(LoginFailure(username=username.strip().lower()[:100], client=client[:64], failed_at=now))


def clear_failures(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == username.strip().lower()))


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    try:
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return hmac.compare_digest(digest, expected)


# Compared against when the username is unknown, so a wrong name costs as long as a wrong password.
_UNKNOWN_USER_HASH = hash_password(os.urandom(8).hex())


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    row = session.execute(select(Account, Organisation).join(Organisation).where(Account.username == username)).first()
    if row is None:
        password_matches(password, _UNKNOWN_USER_HASH)
        return None
    account, organisation = row
    if not password_matches(password, account.password_hash) or account.disabled_at is not None:
        return None
    return _principal(account, organisation)


def _principal(account: Account, organisation: Organisation) -> Principal:
    role = AccountRole(account.role)
    return Principal.for_account(
        account.username,
        role,
        org_code=None if role.side in (Role.HQ, Role.OPS) else organisation.code,
        region=organisation.region,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh_token(session: Session, session_id: uuid.UUID, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=_token_hash(token), session_id=session_id, issued_at=now))
    return token


def start_session(session: Session, username: str, now: dt.datetime, lifetime: dt.timedelta) -> str:
    """Opens a sign-in session; answers its first refresh token."""
    session_id = uuid.uuid4()
    session.add(SignInSession(id=session_id, username=username, started_at=now, expires_at=now + lifetime))
    session.flush()
    return _new_refresh_token(session, session_id, now)


class RefreshRefused(Exception):
    """The refresh token cannot be used; the message says why, for the client."""


@dataclass(frozen=True)
class Renewal:
    principal: Principal
    refresh_token: str
    session_ends: dt.datetime


def refresh(session: Session, token: str, now: dt.datetime) -> Renewal:
    """The session's principal and the next refresh token, in exchange for this one."""
    row = session.execute(
        select(RefreshToken, SignInSession)
        .join(SignInSession)
        .where(RefreshToken.token_hash == _token_hash(token))
        .with_for_update()
    ).first()
    if row is None:
        raise RefreshRefused("unknown refresh token")
    refresh_token, sign_in = row
    if sign_in.ended_at is not None:
        raise RefreshRefused(f"the session has ended ({sign_in.end_reason})")
    if refresh_token.used_at is not None:
        # Someone else holds a copy: neither copy may go on.
        end_session(session, sign_in.id, now, "a used refresh token was presented again")
        raise RefreshRefused("the refresh token was already used; the session has ended, log in again")
    if sign_in.expires_at <= now:
        raise RefreshRefused("the session has expired, log in again")
    account_row = session.execute(
        select(Account, Organisation).join(Organisation).where(Account.username == sign_in.username)
    ).one()
    account, organisation = account_row
    if account.disabled_at is not None:
        end_session(session, sign_in.id, now, "the account was disabled")
        raise RefreshRefused("the account is disabled")
    refresh_token.used_at = now
    return Renewal(_principal(account, organisation), _new_refresh_token(session, sign_in.id, now), sign_in.expires_at)


def end_session(session: Session, session_id: uuid.UUID, now: dt.datetime, reason: str) -> None:
    session.execute(
        update(SignInSession)
        .where(SignInSession.id == session_id, SignInSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def log_out(session: Session, token: str, now: dt.datetime) -> None:
    session_id = session.scalar(select(RefreshToken.session_id).where(RefreshToken.token_hash == _token_hash(token)))
    if session_id is not None:
        end_session(session, session_id, now, "logged out")


def end_sessions_of(session: Session, username: str, now: dt.datetime, reason: str) -> None:
    session.execute(
        update(SignInSession)
        .where(SignInSession.username == username, SignInSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


# Which roles an account in each kind of organisation may hold.
ROLES_BY_ORGANISATION_KIND = {
    "hq": (
        AccountRole.HQ_ANALYST,
        AccountRole.HQ_ENGINEER,
        AccountRole.HQ_ADMIN,
        AccountRole.HQ_FINANCE,
        AccountRole.OPS,
    ),
    "dealer": (AccountRole.DEALER_USER, AccountRole.DEALER_ADMIN),
    "station": (AccountRole.STATION_USER,),
}
MIN_PASSWORD_LENGTH = 12


class AccountRefused(ValueError):
    """The change cannot be made; `field` names what is wrong, for the problem body."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AccountView:
    username: str
    display_name: str
    role: str
    org_code: str
    disabled: bool


def view(account: Account) -> AccountView:
    return AccountView(
        account.username, account.display_name, account.role, account.org_code, account.disabled_at is not None
    )


def _keeps(keeper: Principal, org_code: str) -> bool:
    """HQ admins keep every account; a dealer's admin keeps its own dealer's."""
    return keeper.acting_role is AccountRole.HQ_ADMIN or keeper.org_code == org_code


def list_accounts(
    session: Session, keeper: Principal, org_code: str | None, offset: int, limit: int
) -> list[AccountView]:
    query = select(Account).order_by(Account.org_code, Account.username).offset(offset).limit(limit)
    if keeper.acting_role is not AccountRole.HQ_ADMIN:
        query = query.where(Account.org_code == keeper.org_code)
    if org_code:
        query = query.where(Account.org_code == org_code)
    return [view(account) for account in session.scalars(query)]


def get_account(session: Session, keeper: Principal, username: str) -> Account | None:
    """The account, or None when it does not exist or is not the keeper's to see."""
    account = session.get(Account, username)
    return account if account is not None and _keeps(keeper, account.org_code) else None


def _check_role(session: Session, keeper: Principal, org_code: str, role: str) -> str:
    organisation = session.get(Organisation, org_code)
    if organisation is None or not _keeps(keeper, org_code):
        raise AccountRefused("org_code", f"no organisation {org_code!r} that you keep accounts for")
    allowed = ROLES_BY_ORGANISATION_KIND.get(organisation.kind, ())
    if role not in allowed:
        names = ", ".join(r.value for r in allowed)
        raise AccountRefused("role", f"a {organisation.kind} account's role is one of: {names}")
    return role


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if username.lower() in password.lower():
        raise AccountRefused("password", "must not contain the username")


def create_account(
    session: Session, keeper: Principal, username: str, display_name: str, role: str, org_code: str, password: str
) -> AccountView:
    username = username.strip().lower()
    _check_role(session, keeper, org_code, role)
    _check_password(password, username)
    if session.get(Account, username) is not None:
        raise AccountRefused("username", f"{username!r} is taken")
    account = Account(
        username=username,
        display_name=display_name,
        role=role,
        org_code=org_code,
        password_hash=hash_password(password),
    )
    session.add(account)
    session.flush()
    return view(account)


def change_account(
    session: Session,
    keeper: Principal,
    account: Account,
    now: dt.datetime,
    *,
    role: str | None = None,
    display_name: str | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> AccountView:
    if account.username == keeper.subject and (disabled or (role is not None and role != account.role)):
        raise AccountRefused("role" if role is not None else "disabled", "you cannot demote or disable yourself")
    if role is not None:
        account.role = _check_role(session, keeper, account.org_code, role)
    if display_name is not None:
        account.display_name = display_name
    if password is not None:
        _check_password(password, account.username)
        account.password_hash = hash_password(password)
    if disabled is not None:
        account.disabled_at = (account.disabled_at or now) if disabled else None
    if disabled or role is not None or password is not None:
        # A changed role or password takes effect at the next login, not at the next refresh.
        end_sessions_of(session, account.username, now, "the account was changed")
    return view(account)
