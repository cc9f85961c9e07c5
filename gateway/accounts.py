"""The channel's organisations and their users' accounts, owned by the gateway.

Passwords are stored as scrypt hashes (standard library), never in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from sqlalchemy import ForeignKey, MetaData, String, select
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
