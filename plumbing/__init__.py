"""Shared plumbing for dealernet services: settings, database and outbox, messaging,
tracing and the principal passed between services. No domain code lives here."""
