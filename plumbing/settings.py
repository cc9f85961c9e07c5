"""Settings read from the environment, one place for every process.

Each service derives its database URL from a shared server URL and its own name, so a
deployment sets one variable for all services and overrides a single one when a service
moves to its own database server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SERVICE_NAMES = ("order", "inventory", "customer", "station", "monitor")

STATEMENT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
DEFAULT_GRPC_PORTS = {"order": 50051, "inventory": 50052, "customer": 50053, "station": 50054, "monitor": 50055}


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _whole_number(name: str, default: int, *, minimum: int = 0) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    postgres_url: str
    database_prefix: str
    amqp_uri: str
    token_secret: str
    token_ttl_seconds: int
    trace_exporter: str
    trace_file: str
    otlp_endpoint: str
    # Channel stock: a car in stock longer than this many days is aged; a dealer with fewer
    # cars of a model on sale than this is alerted.
    aged_stock_days: int = 90
    low_vehicle_stock: int = 1
    # How often headquarters' stock view is recomputed.
    stock_summary_seconds: int = 60
    # How long a dealer's hold on a car for a customer lasts unless the car is sold.
    customer_hold_days: int = 7
    # Failed logins allowed per username within the window before logins wait.
    login_attempts: int = 5
    login_window_seconds: int = 900
    # Calls each principal may make through one gateway process: a sustained rate and a burst.
    rate_limit_per_minute: int = 3000
    rate_limit_burst: int = 300
    # Browser origins allowed to call the API (a web portal on another host); none by default.
    cors_origins: tuple[str, ...] = ()
    # A station sees a car's owner while its request is open and this many days after.
    station_access_days: int = 30
    # Dealer accounts: payment reminders at these days overdue, and from which reminder level
    # (1-based; 0 never) a dealer's new orders are held for HQ.
    reminder_days: str = "7,30,60"
    order_hold_reminder_level: int = 2
    # How often the support desk's timer walks the escalation ladders.
    escalation_period_seconds: int = 60
    # TrueType fonts statements as PDF print in: the first for Latin text (with a "-Bold"
    # sibling for headings), the others for what it lacks, Chinese above all (Debian's
    # fonts-dejavu-core and fonts-droid-fallback). Without the first, statements print ASCII.
    statement_fonts: tuple[str, ...] = STATEMENT_FONTS
    # A login lasts a working day; its access tokens a quarter of an hour, renewed by refresh.
    session_ttl_seconds: int = 43200
    # An OpenID Connect provider (Keycloak) signs users in instead of the built-in accounts
    # when its issuer is set; its keys come from the JWKS address, or from its discovery document.
    oidc_issuer: str = ""
    oidc_audience: str = "dealernet"
    oidc_jwks_url: str = ""
    oidc_role_claim: str = "realm_access.roles"
    oidc_org_claim: str = "dealernet_org"
    oidc_region_claim: str = "dealernet_region"

    def database_url(self, service: str) -> str:
        override = os.environ.get(f"DEALERNET_{service.upper()}_DATABASE_URL")
        if override:
            return override
        return f"{self.postgres_url}/{self.database_prefix}_{service}"

    def grpc_port(self, service: str) -> int:
        return int(_env(f"DEALERNET_{service.upper()}_GRPC_PORT", str(DEFAULT_GRPC_PORTS[service])))

    def grpc_target(self, service: str) -> str:
        """Where the gateway finds the service's gRPC servers, as a gRPC target.

        `DEALERNET_<SVC>_GRPC_TARGET` names every replica at once: `dns:///name:port` for a
        name that resolves to all of them (a headless Kubernetes Service), or a fixed list
        `ipv4:10.0.0.5:50052,10.0.0.6:50052`. Without it, one host and port.
        """
        target = _env(f"DEALERNET_{service.upper()}_GRPC_TARGET", "").strip()
        if target:
            return target
        host = _env(f"DEALERNET_{service.upper()}_GRPC_HOST", "127.0.0.1")
        return f"{host}:{self.grpc_port(service)}"


CORS_ORIGINS_VARIABLE = "DEALERNET_CORS_ORIGINS"


def cors_origins(raw: str) -> tuple[str, ...]:
    """The browser origins allowed to call the API, as `DEALERNET_CORS_ORIGINS` lists them (comma-separated)."""
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip())


def load() -> Settings:
    return Settings(
        postgres_url=_env("DEALERNET_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432"),
        database_prefix=_env("DEALERNET_DATABASE_PREFIX", "dealernet"),
        amqp_uri=_env("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        token_secret=_env("DEALERNET_TOKEN_SECRET", "dealernet-demo-secret-change-me-in-deployments"),
        token_ttl_seconds=_whole_number("DEALERNET_TOKEN_TTL_SECONDS", 900, minimum=1),
        trace_exporter=_env("DEALERNET_TRACE_EXPORTER", "none"),
        trace_file=_env("DEALERNET_TRACE_FILE", "var/traces.jsonl"),
        otlp_endpoint=_env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
        aged_stock_days=_whole_number("DEALERNET_AGED_STOCK_DAYS", 90, minimum=1),
        low_vehicle_stock=_whole_number("DEALERNET_LOW_VEHICLE_STOCK", 1),
        stock_summary_seconds=_whole_number("DEALERNET_STOCK_SUMMARY_SECONDS", 60, minimum=1),
        customer_hold_days=_whole_number("DEALERNET_CUSTOMER_HOLD_DAYS", 7, minimum=1),
        login_attempts=_whole_number("DEALERNET_LOGIN_ATTEMPTS", 5, minimum=1),
        login_window_seconds=_whole_number("DEALERNET_LOGIN_WINDOW_SECONDS", 900, minimum=1),
        rate_limit_per_minute=_whole_number("DEALERNET_RATE_LIMIT_PER_MINUTE", 3000, minimum=1),
        rate_limit_burst=_whole_number("DEALERNET_RATE_LIMIT_BURST", 300, minimum=1),
        cors_origins=cors_origins(_env(CORS_ORIGINS_VARIABLE, "")),
        station_access_days=_whole_number("DEALERNET_STATION_ACCESS_DAYS", 30),
        reminder_days=_env("DEALERNET_REMINDER_DAYS", "7,30,60"),
        order_hold_reminder_level=_whole_number("DEALERNET_ORDER_HOLD_REMINDER_LEVEL", 2),
        escalation_period_seconds=_whole_number("DEALERNET_ESCALATION_PERIOD_SECONDS", 60, minimum=1),
        session_ttl_seconds=_whole_number("DEALERNET_SESSION_TTL_SECONDS", 43200, minimum=60),
        statement_fonts=tuple(
            path.strip()
            for path in _env("DEALERNET_STATEMENT_FONTS", ",".join(STATEMENT_FONTS)).split(",")
            if path.strip()
        ),
        oidc_issuer=_env("DEALERNET_OIDC_ISSUER", ""),
        oidc_audience=_env("DEALERNET_OIDC_AUDIENCE", "dealernet"),
        oidc_jwks_url=_env("DEALERNET_OIDC_JWKS_URL", ""),
        oidc_role_claim=_env("DEALERNET_OIDC_ROLE_CLAIM", "realm_access.roles"),
        oidc_org_claim=_env("DEALERNET_OIDC_ORG_CLAIM", "dealernet_org"),
        oidc_region_claim=_env("DEALERNET_OIDC_REGION_CLAIM", "dealernet_region"),
    )
