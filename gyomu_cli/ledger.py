"""The ledger: one SQLite file, WAL, foreign keys, numbered migrations.

Every write goes through `Ledger.write()`, an IMMEDIATE transaction, so that a
capture and a purge running at once queue instead of failing, and so that the
audit chain is extended by one writer at a time. `secure_delete` is on for
every connection: freed rows are overwritten with zeros in the database file,
which is how an erased call's numbers leave the ledger.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from gyomu_cli.errors import GyomuError, Locked, NotInitialised
from gyomu_cli.i18n import _
from gyomu_cli.migrations import migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


class Ledger:
    def __init__(self, path: Path, *, create: bool = False):
        self.path = path
        if not path.exists():
            if not create:
                raise NotInitialised(_("no ledger at {path}; run `gyomu init` first").format(path=path))
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        for pragma in (
            f"busy_timeout = {BUSY_TIMEOUT_MS}",
            "journal_mode = WAL",
            "synchronous = FULL",
            "foreign_keys = ON",
            "secure_delete = ON",
        ):
            conn.execute(f"PRAGMA {pragma}")
        self.db = Database(conn, execute_plugins=False)
        self.conn = conn
        if create:
            migrations.apply(self.db)
        elif migrations.pending(self.db):
            with self.write():
                migrations.apply(self.db)

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """One atomic write; nested calls become savepoints of the outer one."""
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise Locked(
                    _("the ledger {path} stayed locked by another gyomu process for {seconds}s; "
                      "try again when it has finished").format(path=self.path, seconds=BUSY_TIMEOUT_MS // 1000)
                ) from None
            raise
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:  # a refusal may have rolled back already
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def checkpoint(self) -> bool:
        """Move the WAL into the database file and empty it; False if readers kept it."""
        busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return busy == 0

    def one(self, sql: str, params=()) -> dict | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, GyomuError):
            self.conn.close()
