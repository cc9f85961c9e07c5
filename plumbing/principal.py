"""The principal: who is asking, carried with every call between services.

The gateway authenticates the caller and passes the principal on; every service filters
its answers by it again, so a mistake in one layer does not leak another dealer's data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum

GRPC_METADATA_KEY = "x-dealernet-principal"
NAMEKO_CONTEXT_KEY = "principal"


class Role(StrEnum):
    """The caller's side of the channel: what every service scopes its answers by."""

    HQ = "hq"
    DEALER = "dealer"
    STATION = "station"
    OPS = "ops"


class AccountRole(StrEnum):
    """What a person may do: the gateway admits each route to some of these."""

    HQ_ANALYST = "hq_analyst"
    HQ_ENGINEER = "hq_engineer"
    HQ_ADMIN = "hq_admin"
    HQ_FINANCE = "hq_finance"
    DEALER_USER = "dealer_user"
    DEALER_ADMIN = "dealer_admin"
    STATION_USER = "station_user"
    OPS = "ops"

    @property
    def side(self) -> Role:
        return _SIDES[self]


_SIDES = {
    AccountRole.HQ_ANALYST: Role.HQ,
    AccountRole.HQ_ENGINEER: Role.HQ,
    AccountRole.HQ_ADMIN: Role.HQ,
    AccountRole.HQ_FINANCE: Role.HQ,
    AccountRole.DEALER_USER: Role.DEALER,
    AccountRole.DEALER_ADMIN: Role.DEALER,
    AccountRole.STATION_USER: Role.STATION,
    AccountRole.OPS: Role.OPS,
}
# A principal made inside the platform (a timer, a seed script) acts with its side's widest role.
_WIDEST = {
    Role.HQ: AccountRole.HQ_ADMIN,
    Role.DEALER: AccountRole.DEALER_ADMIN,
    Role.STATION: AccountRole.STATION_USER,
    Role.OPS: AccountRole.OPS,
}


class PrincipalError(ValueError):
    """The principal is missing or malformed: the call is refused."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    org_code: str | None = None
    region: str | None = None
    account_role: AccountRole | None = None

    def __post_init__(self) -> None:
        if self.role in (Role.DEALER, Role.STATION) and not self.org_code:
            raise PrincipalError(f"a {self.role.value} principal needs an organisation code")
        if self.account_role is None:
            object.__setattr__(self, "account_role", _WIDEST[self.role])
        elif self.account_role.side is not self.role:
            raise PrincipalError(f"the role {self.account_role.value} is not on the {self.role.value} side")

    @classmethod
    def for_account(
        cls, subject: str, account_role: AccountRole, org_code: str | None = None, region: str | None = None
    ) -> Principal:
        return cls(subject=subject, role=account_role.side, org_code=org_code, region=region, account_role=account_role)

    @property
    def acting_role(self) -> AccountRole:
        assert self.account_role is not None  # set in __post_init__
        return self.account_role

    @property
    def is_hq(self) -> bool:
        return self.role is Role.HQ

    def can_see_org(self, org_code: str) -> bool:
        """HQ sees the whole channel; a dealer or station sees its own organisation."""
        if self.role is Role.HQ:
            return True
        return self.org_code == org_code

    def to_json(self) -> str:
        data = asdict(self)
        data["role"] = self.role.value
        data["account_role"] = self.acting_role.value
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> Principal:
        if not raw:
            raise PrincipalError("no principal was passed with the call")
        try:
            data = json.loads(raw)
            return cls(
                subject=str(data["subject"]),
                role=Role(data["role"]),
                org_code=data.get("org_code"),
                region=data.get("region"),
                account_role=AccountRole(data["account_role"]) if data.get("account_role") else None,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PrincipalError(f"malformed principal: {exc}") from exc


SYSTEM = Principal(subject="system", role=Role.HQ)
