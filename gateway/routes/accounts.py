"""The channel's user accounts: HQ admins keep every organisation's, a dealer's admin its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway import accounts, roles
from gateway.problems import Problem
from gateway.routes import PageSize
from gateway.security import require
from plumbing.errors import ValidationFailed
from plumbing.grpc_support import Page, decode_page_token
from plumbing.principal import AccountRole, Principal

router = APIRouter(tags=["accounts"])


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._-]+$", examples=["d001.parts"])
    display_name: str = Field(min_length=1, max_length=200, examples=["Harbour Motors parts desk"])
    role: AccountRole = Field(examples=["dealer_user"])
    org_code: str = Field(min_length=1, max_length=20, examples=["D001"])
    password: str = Field(min_length=accounts.MIN_PASSWORD_LENGTH, max_length=200, examples=["harbour-parts-2026"])


class AccountChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, min_length=1, max_length=200, examples=["Harbour Motors parts desk"])
    role: AccountRole | None = Field(None, examples=["dealer_admin"])
    disabled: bool | None = Field(
        None, description="A disabled account cannot log in; its sessions end", examples=[False]
    )
    password: str | None = Field(
        None, min_length=accounts.MIN_PASSWORD_LENGTH, max_length=200, examples=["a-new-long-passphrase"]
    )


def _refused(exc: accounts.AccountRefused) -> Problem:
    return Problem(422, "Invalid request", f"{exc.field}: {exc}", [{"field": exc.field, "message": str(exc)}])


@router.get("/accounts")
def list_accounts(
    request: Request,
    org_code: str | None = Query(None, max_length=20),
    page_size: PageSize = 50,
    page_token: str = Query("", max_length=200),
    principal: Principal = Depends(require(*roles.ACCOUNT_KEEPERS)),
) -> dict[str, Any]:
    try:
        page = Page(decode_page_token(page_token), page_size)
    except ValidationFailed as exc:
        message = exc.violations[0].message
        raise Problem(
            422, "Invalid request", f"page_token: {message}", [{"field": "page_token", "message": message}]
        ) from exc
    with request.app.state.sessions() as session:
        found = accounts.list_accounts(session, principal, org_code, page.offset, page.fetch)
    return {"accounts": [asdict(account) for account in page.shown(found)], "next_page_token": page.next_token(found)}


@router.post("/accounts", status_code=201)
def create_account(
    body: NewAccount, request: Request, principal: Principal = Depends(require(*roles.ACCOUNT_KEEPERS))
) -> dict[str, Any]:
    with request.app.state.sessions() as session:
        try:
            created = accounts.create_account(
                session, principal, body.username, body.display_name, body.role.value, body.org_code, body.password
            )
        except accounts.AccountRefused as exc:
            raise _refused(exc) from exc
        session.commit()
    return asdict(created)


@router.get("/accounts/{username}")
def get_account(
    username: str, request: Request, principal: Principal = Depends(require(*roles.ACCOUNT_KEEPERS))
) -> dict[str, Any]:
    with request.app.state.sessions() as session:
        account = accounts.get_account(session, principal, username)
        if account is None:
            raise Problem(404, "Not found", f"no account {username!r}")
        return asdict(accounts.view(account))


@router.patch("/accounts/{username}")
def change_account(
    username: str,
    body: AccountChange,
    request: Request,
    principal: Principal = Depends(require(*roles.ACCOUNT_KEEPERS)),
) -> dict[str, Any]:
    """Changing the role or password, or disabling, ends the account's sessions: their refresh
    tokens stop working, and access tokens already issued run out within their lifetime."""
    with request.app.state.sessions() as session:
        account = accounts.get_account(session, principal, username)
        if account is None:
            raise Problem(404, "Not found", f"no account {username!r}")
        try:
            changed = accounts.change_account(
                session,
                principal,
                account,
                dt.datetime.now(dt.UTC),
                role=body.role.value if body.role else None,
                display_name=body.display_name,
                disabled=body.disabled,
                password=body.password,
            )
        except accounts.AccountRefused as exc:
            raise _refused(exc) from exc
        session.commit()
    return asdict(changed)
