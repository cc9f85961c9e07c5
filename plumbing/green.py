"""Make psycopg2 cooperative under eventlet.

psycopg2 is a C extension: without this, a query blocks the whole eventlet hub and every
other worker of the Nameko process waits for it. `nameko run` applies eventlet's
monkey_patch, which installs the same wait callback; calling this as well keeps the
guarantee when a service is started any other way. Call before the first connection.
"""

from psycogreen.eventlet import patch_psycopg

_patched = False


def make_psycopg_cooperative() -> None:
    global _patched
    if not _patched:
        patch_psycopg()
        _patched = True
