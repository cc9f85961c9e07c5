"""Which roles each kind of route admits.

HQ analysts read the whole channel; HQ engineers also work the support desk and write the
knowledge base; HQ finance keeps the dealers' accounts with the maker (payments, credit
notes, credit terms, disputes); HQ admins take the channel's decisions (order review,
transfers across regions, customer merges) and keep the user accounts. Dealer users sell and order; dealer admins
also give stock away, correct it, import customers and keep their dealer's accounts.
Operations watch everything and decide nothing.
"""

from plumbing.principal import AccountRole

HQ_ANALYST = AccountRole.HQ_ANALYST
HQ_ENGINEER = AccountRole.HQ_ENGINEER
HQ_ADMIN = AccountRole.HQ_ADMIN
HQ_FINANCE = AccountRole.HQ_FINANCE
DEALER_USER = AccountRole.DEALER_USER
DEALER_ADMIN = AccountRole.DEALER_ADMIN
STATION_USER = AccountRole.STATION_USER
OPS = AccountRole.OPS

DEALERS = (DEALER_USER, DEALER_ADMIN)
STATIONS = (STATION_USER,)
# See the whole channel; deciding is left to HQ admins and engineers.
WATCHERS = (HQ_ANALYST, HQ_ENGINEER, HQ_ADMIN, HQ_FINANCE, OPS)
EVERYONE = tuple(AccountRole)
DEALER_VIEWS = DEALERS + WATCHERS
HQ_DECIDERS = (HQ_ADMIN,)
SUPPORT_DESK = (HQ_ENGINEER, HQ_ADMIN)
# Giving a car away or writing stock off is the dealer's admin's call, or HQ's.
DEALER_DECIDERS = (DEALER_ADMIN, HQ_ADMIN)
# Whoever keeps stock at a location, and HQ admins over all of them.
STOCK_KEEPERS = DEALERS + STATIONS + (HQ_ADMIN,)
STOCK_CORRECTORS = (DEALER_ADMIN, STATION_USER, HQ_ADMIN)
# Those who meet customers and record what they say, and HQ's admins.
REGISTRARS = DEALERS + STATIONS + (HQ_ADMIN,)
ACCOUNT_KEEPERS = (DEALER_ADMIN, HQ_ADMIN)
# Record payments, credit notes and credit terms, and resolve disputes on dealers' accounts.
FINANCE = (HQ_FINANCE, HQ_ADMIN)
