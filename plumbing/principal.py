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
    HQ = "hq"
    DEALER = "dealer"
    STATION = "station"
    OPS = "ops"


class PrincipalError(ValueError):
    """The principal is missing or malformed: the call is refused."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    org_code: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if self.role in (Role.DEALER, Role.STATION) and not self.org_code:
            raise PrincipalError(f"a {self.role.value} principal needs an organisation code")

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
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PrincipalError(f"malformed principal: {exc}") from exc


SYSTEM = Principal(subject="system", role=Role.HQ)
