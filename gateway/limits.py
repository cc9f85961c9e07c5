"""What the gateway admits before a route runs: how large a body may be, how fast one
principal may call, which browser origins may call at all.

Body size is enforced on the bytes as they arrive.

A Content-Length over the limit is refused before anything is read; a body without one
(chunked) or lying about it is cut off as soon as it passes the limit. Either way the
client gets 413 as a problem and the route never sees the body.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from starlette.middleware.cors import CORSMiddleware

from gateway.problems import Problem, problem_response
from plumbing import settings as settings_module

# An order, a transfer or a support request is a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: `limits` maps a path prefix to its own limit (a customer list upload)."""

    def __init__(self, app: Any, *, default: int = DEFAULT_MAX_BODY_BYTES, limits: Mapping[str, int] = {}) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits.items() if path.startswith(prefix)), self.default)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(limit, scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if not started:
                await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: dict[str, Any], receive: Any, send: Any) -> None:
        problem = Problem(413, "Content too large", f"a request body may be at most {limit} bytes here")
        await problem_response(problem)(scope, receive, send)


class RateLimiter:
    """Calls per principal: a token bucket per subject, `burst` deep, refilled at
    `per_minute`. Kept in each gateway process, so with n replicas a principal may reach n
    times the rate; it guards a replica from one caller, not the network from a botnet."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    def admit(self, subject: str, now: float) -> float:
        """0 when the call may go ahead (and is counted); otherwise the seconds to wait."""
        tokens, last = self._buckets.get(subject, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[subject] = (tokens - 1.0, now)
            return 0.0
        self._buckets[subject] = (tokens, now)
        return (1.0 - tokens) / self.rate


class ConfiguredCORS:
    """Starlette's CORS middleware for the browser origins the settings name
    (`DEALERNET_CORS_ORIGINS`, comma-separated; none by default, so no other site's page
    can call the API from a browser). Follows the variable as it is at each call, so a
    process reads it as it starts and a test can set it; only that one variable is read per
    call, not the whole settings."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._built: dict[str, Any] = {}

    def _for(self, raw_origins: str) -> Any:
        if raw_origins not in self._built:
            origins = settings_module.cors_origins(raw_origins)
            self._built[raw_origins] = (
                CORSMiddleware(
                    self.app,
                    allow_origins=list(origins),
                    allow_methods=["GET", "POST", "PUT", "DELETE"],
                    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
                    expose_headers=["Retry-After", "Idempotent-Replayed"],
                    max_age=600,
                )
                if origins
                else self.app
            )
        return self._built[raw_origins]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self._for(os.environ.get(settings_module.CORS_ORIGINS_VARIABLE, ""))(scope, receive, send)
