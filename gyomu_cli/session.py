"""One command's session: the home, the ledger, who acts, and the audit hook."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli import audit, plugins
from gyomu_cli.backends import StorageBackend
from gyomu_cli.home import Home
from gyomu_cli.ledger import Ledger


def os_actor() -> str:
    """The person behind the command: the sudo caller, else the OS account."""
    if os.geteuid() == 0 and os.environ.get("SUDO_USER"):
        return os.environ["SUDO_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.geteuid()}"


@dataclass
class Session:
    home: Home
    ledger: Ledger
    command: str
    actor: str = field(default_factory=os_actor)
    acting_as: str | None = None
    _storage: StorageBackend | None = None

    @classmethod
    def open(cls, root: Path, command: str) -> "Session":
        home = Home(root).require()
        home.settings  # a broken configuration stops the command before any work
        return cls(home, Ledger(home.ledger_path), command)

    @property
    def tz(self):
        return self.home.settings.tz

    @property
    def db(self):
        return self.ledger.db

    def write(self):
        return self.ledger.write()

    def audit(self, action: str, object: str | None = None, outcome: str = "ok", **detail) -> int:
        """Append an audit event; inside a write it commits or rolls back with it."""
        event = audit.Event(
            actor=self.actor,
            acting_as=self.acting_as,
            command=self.command,
            action=action,
            object=object,
            outcome=outcome,
            detail=detail,
        )
        with self.ledger.write() as db:
            return audit.append(db, event)

    @property
    def storage(self) -> StorageBackend:
        if self._storage is None:
            settings = self.home.settings
            factory = plugins.backend_factory("storage", settings.storage_backend)
            self._storage = factory(self.home.root, dict(settings.storage_options))
        return self._storage

    def close(self) -> None:
        self.ledger.close()
