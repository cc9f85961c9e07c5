"""Which roles each kind of route admits."""

from plumbing.principal import Role

DEALER_HQ = (Role.DEALER, Role.HQ, Role.OPS)
STATION_HQ = (Role.STATION, Role.HQ, Role.OPS)
CHANNEL = (Role.DEALER, Role.STATION, Role.HQ, Role.OPS)
