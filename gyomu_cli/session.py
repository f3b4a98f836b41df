"""One command's session: the home, the ledger, who acts, and the audit hook.

Opening a session resolves who acts (identity.py) and checks the permission
table (access.py) before the command does anything; a refusal is audited and
raised as one line naming the article.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli import access, audit, identity, plugins, vault
from gyomu_cli.backends import StorageBackend
from gyomu_cli.errors import ConfigError, NotFound, Refused, UsageError
from gyomu_cli.home import Home
from gyomu_cli.i18n import _, english
from gyomu_cli.ledger import Ledger


@dataclass
class Session:
    home: Home
    ledger: Ledger
    command: str
    principal: identity.Principal
    password_source: Callable[[str, bool], str] | None = None
    _stores: dict = field(default_factory=dict)
    _vault: object | None = None

    @classmethod
    def open(cls, root: Path, command: str, as_login: str | None = None) -> "Session":
        home = Home(root).require()
        home.load_settings()  # a broken configuration stops the command before any work
        ledger = Ledger(home.ledger_path)
        try:
            principal = identity.resolve(ledger.db, as_login=as_login, service_uid=home.owner_uid)
        except Refused as refusal:
            actor = identity.invoker(os.geteuid(), home.owner_uid, os.environ)
            anonymous = identity.Principal(actor=actor, login=None, roles=frozenset(), acting_as=as_login)
            try:
                cls(home, ledger, command, anonymous).refuse(refusal.args[0] if refusal.args else str(refusal))
            finally:
                ledger.close()
        session = cls(home, ledger, command, principal)
        decision = access.authorize(principal.roles, command)
        if not decision.allowed:
            try:
                session.refuse(
                    _("{user} may not run `{command}`: {reason}").format(
                        user=principal.label, command=command, reason=decision.reason
                    )
                )
            finally:
                session.close()
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

    def ask_password(self, prompt: str, confirm: bool = False) -> str:
        """A password from the person at the command line (prompt or --password-stdin)."""
        if self.password_source is None:
            raise UsageError(_("a password is needed: run the command on a terminal, or pass --password-stdin"))
        return self.password_source(prompt, confirm)

    def refuse(self, message: str, object: str | None = None):
        """Audit a refusal in its own transaction, then raise it."""
        if self.ledger.conn.in_transaction:
            self.ledger.conn.execute("ROLLBACK")
        self.audit("access.refused", object, outcome="refused", reason=english(message))
        raise Refused(message)

    @property
    def storage(self) -> StorageBackend:
        """The current storage: where new objects go."""
        return self.open_storage()

    def open_storage(self) -> StorageBackend:
        return self.storage_named(self.current_storage_name)

    @property
    def current_storage_name(self) -> str:
        row = self.ledger.one("SELECT name FROM storages WHERE current = 1")
        return row["name"] if row else self.home.settings.storage_backend

    def storage_named(self, name: str) -> StorageBackend:
        """A storage by name: gyomu.toml's (named after its backend) or one added later."""
        if name not in self._stores:
            settings = self.home.settings
            if name == settings.storage_backend:
                backend, options = settings.storage_backend, dict(settings.storage_options)
            else:
                row = self.ledger.one("SELECT backend, options FROM storages WHERE name = ?", [name])
                if row is None:
                    raise NotFound(_("no storage named {name!r}; see `gyomu storage list`").format(name=name))
                backend, options = row["backend"], json.loads(row["options"])
            self._stores[name] = plugins.backend_factory("storage", backend)(self.home.root, options)
        return self._stores[name]

    def forget_storages(self) -> None:
        self._stores.clear()

    @property
    def vault(self) -> vault.Vault:
        """The master key, checked against the fingerprint the ledger recorded."""
        return self.open_vault()

    def open_vault(self) -> vault.Vault:
        if self._vault is None:
            self._vault = _open_vault(self)
        return self._vault

    def close(self) -> None:
        self.ledger.close()


def _open_vault(session: Session) -> vault.Vault:
    key_file = session.home.settings.key_file
    recorded = session.ledger.one("SELECT value FROM meta WHERE key = 'master_key'")
    if recorded is None and key_file is not None and not key_file.exists() and not os.environ.get(vault.ENV_KEY):
        vault.new_master_key(key_file)
        logging.getLogger(__name__).warning(
            _("created the master key {path}: back it up apart from the home; without it nothing stored can be read").format(
                path=key_file
            )
        )
    opened = vault.Vault(vault.load_master_key(key_file))
    if recorded is None:
        with session.write() as db:
            db["meta"].insert({"key": "master_key", "value": opened.fingerprint})
            session.audit("vault.key_recorded", None, fingerprint=opened.fingerprint)
    elif recorded["value"] != opened.fingerprint:
        raise ConfigError(
            _("the master key ({fingerprint}) is not the one this ledger was made with "
              "({recorded}); restore the right key file").format(fingerprint=opened.fingerprint, recorded=recorded["value"])
        )
    return opened
