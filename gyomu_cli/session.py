"""One command's session: the home, the ledger, who acts, and the audit hook.

Opening a session resolves who acts (identity.py) and checks the permission
table (access.py) before the command does anything; a refusal is audited and
raised as one line naming the article.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gyomu_cli import access, audit, identity, plugins
from gyomu_cli.backends import StorageBackend
from gyomu_cli.errors import Refused
from gyomu_cli.home import Home
from gyomu_cli.ledger import Ledger


@dataclass
class Session:
    home: Home
    ledger: Ledger
    command: str
    principal: identity.Principal
    _storage: StorageBackend | None = None
    _vault: object | None = None

    @classmethod
    def open(cls, root: Path, command: str, as_login: str | None = None) -> "Session":
        home = Home(root).require()
        home.settings  # a broken configuration stops the command before any work
        ledger = Ledger(home.ledger_path)
        try:
            principal = identity.resolve(ledger.db, as_login=as_login, service_uid=home.owner_uid)
        except Refused as refusal:
            actor = identity.invoker(os.geteuid(), home.owner_uid, os.environ)
            anonymous = identity.Principal(actor=actor, login=None, roles=frozenset(), acting_as=as_login)
            cls(home, ledger, command, anonymous).refuse(str(refusal))
        session = cls(home, ledger, command, principal)
        decision = access.authorize(principal.roles, command)
        if not decision.allowed:
            session.refuse(f"{principal.label} may not run `{command}`: {decision.reason}")
        return session

    @property
    def actor(self) -> str:
        return self.principal.login or self.principal.actor

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
            actor=self.principal.actor,
            acting_as=self.principal.acting_as,
            command=self.command,
            action=action,
            object=object,
            outcome=outcome,
            detail=detail,
        )
        with self.ledger.write() as db:
            return audit.append(db, event)

    def refuse(self, message: str, object: str | None = None):
        """Audit a refusal in its own transaction, then raise it."""
        if self.ledger.conn.in_transaction:
            self.ledger.conn.execute("ROLLBACK")
        self.audit("access.refused", object, outcome="refused", reason=message)
        self.close()
        raise Refused(message)

    @property
    def storage(self) -> StorageBackend:
        if self._storage is None:
            settings = self.home.settings
            factory = plugins.backend_factory("storage", settings.storage_backend)
            self._storage = factory(self.home.root, dict(settings.storage_options))
        return self._storage

    def close(self) -> None:
        self.ledger.close()
