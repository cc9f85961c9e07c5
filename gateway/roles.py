"""Which roles each kind of route admits."""

from plumbing.principal import Role

DEALER_HQ = (Role.DEALER, Role.HQ, Role.OPS)
STATION_HQ = (Role.STATION, Role.HQ, Role.OPS)
CHANNEL = (Role.DEALER, Role.STATION, Role.HQ, Role.OPS)
# Steps a dealer takes and headquarters may take over (approving a transfer, lifting a hold);
# operations watch but do not decide.
DEALER_OR_HQ = (Role.DEALER, Role.HQ)
# Whoever keeps stock at a location, and headquarters over all of them: moves parts, corrects counts.
STOCK_KEEPERS = (Role.DEALER, Role.STATION, Role.HQ)
HQ_OPS = (Role.HQ, Role.OPS)
