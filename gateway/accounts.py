"""The channel's organisations and their users' accounts, owned by the gateway.

Passwords are stored as scrypt hashes (standard library), never in clear. Failed logins
are kept for a window, so guessing a password is throttled across every gateway replica.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import os
from dataclasses import dataclass

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, MetaData, String, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from plumbing.principal import Principal, Role

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
    role: Mapped[str] = mapped_column(String(10))
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    password_hash: Mapped[str] = mapped_column(String(300))


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
    if not password_matches(password, account.password_hash):
        return None
    role = Role(account.role)
    return Principal(
        subject=account.username,
        role=role,
        org_code=None if role in (Role.HQ, Role.OPS) else organisation.code,
        region=organisation.region,
    )
