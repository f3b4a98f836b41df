"""Creating a gyomu home: folders, configuration, ledger, the administrator.

Art. 5-1 puts one administrator (管理責任者) in charge of the system; `init`
registers that person with the section they head.
"""

from __future__ import annotations

import os
from pathlib import Path

from gyomu_cli import clock, identity
from gyomu_cli.access import ADMINISTRATOR, SYSTEM
from gyomu_cli.errors import UsageError
from gyomu_cli.home import Home
from gyomu_cli.i18n import _
from gyomu_cli.ledger import Ledger
from gyomu_cli.session import Session

def initialise(root: Path, *, admin: str, name: str, section: str, key_file: Path | None = None) -> Session:
    home = Home(root)
    if home.is_initialised():
        raise UsageError(_("{root} is already a gyomu home; nothing was changed").format(root=home.root))
    admin, name, section = admin.strip(), name.strip(), section.strip()
    if not admin or not name or not section:
        raise UsageError(_("init needs --admin LOGIN, --name \"FULL NAME\" and --section SECTION"))
    if root.exists() and not root.is_dir():
        raise UsageError(_("{root} exists and is not a folder").format(root=root))
    key_file = (key_file or home.default_key_file()).expanduser().absolute()
    if key_file.is_relative_to(home.root):
        raise UsageError(_("--key-file {path} lies inside the home; keep the master key apart from the data").format(path=key_file))
    home.create(key_file)
    home.load_settings()  # refuse a pre-placed configuration that is invalid
    try:
        actor = identity.invoker(os.geteuid(), home.owner_uid, os.environ)
        principal = identity.Principal(actor=actor, login=None, roles=frozenset({SYSTEM}))
        session = Session(home, Ledger(home.ledger_path, create=True), "init", principal)
        _register_admin(session, admin=admin, name=name, section=section)
        session.open_vault()  # creates the master key if there is none yet, records its fingerprint
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{home.ledger_path}{suffix}").unlink(missing_ok=True)
        raise
    return session


def _register_admin(session: Session, *, admin: str, name: str, section: str) -> None:
    now = clock.to_db(clock.now())
    with session.write() as db:
        session.audit("home.initialised", None, path=str(session.home.root))
        section_id = db["sections"].insert({"name": section, "created_at": now}).last_pk
        session.audit("section.added", f"section:{section_id}", name=section)
        user_id = db["users"].insert(
            {
                "login": admin,
                "name": name,
                "section_id": section_id,
                "roles": ADMINISTRATOR,
                "created_at": now,
            }
        ).last_pk
        session.audit("user.added", f"user:{user_id}", login=admin, roles=[ADMINISTRATOR])
