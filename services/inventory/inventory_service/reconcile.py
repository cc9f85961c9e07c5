"""Recompute every stock balance from the ledger and report any difference.

    python -m inventory_service.reconcile

Exits 0 when every balance recorded equals the one the movements add up to, 1 otherwise
(each difference printed), 2 when it cannot run.
"""

from __future__ import annotations

import sys

from inventory_service import stock
from inventory_service.models import tables
from plumbing import settings as settings_module
from plumbing.db import Database


def main() -> int:
    database = Database("inventory", settings_module.load().database_url("inventory"), tables, pool_size=1)
    try:
        with database.unit_of_work() as uow:
            checked, differences = stock.reconcile(uow)
    finally:
        database.engine.dispose()
    for difference in differences:
        print(
            f"{difference.item} at {difference.location_code}: ledger {difference.from_ledger}, "
            f"recorded {difference.recorded}"
        )
    print(f"checked {checked} balances against the ledger: {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
