"""Who is acting: the OS account behind the command, mapped to a gyomu user.

- A person runs gyomu through sudo as the service account (or as root): the
  caller sudo names (SUDO_USER) is the actor. SUDO_USER is believed only when
  the process runs as root or as the service account, since anyone else could
  set it.
- Root may act as any gyomu user with --as LOGIN (it could become them
  anyway); the audit log records both root's caller and the login.
- Root without --as, and the service account itself (cron), act as the
  system: see access.py for what that may do. A person who reaches the
  service account through sudo must be a gyomu user.
- A gyomu user need not have an OS account: a section head who only signs
  paper requests is acted for with --as.
"""

from __future__ import annotations

import getpass
import os
import pwd
from dataclasses import dataclass

from sqlite_utils import Database

from gyomu_cli.access import SYSTEM
from gyomu_cli.errors import Refused
from gyomu_cli.i18n import _


@dataclass(frozen=True)
class Principal:
    """The one a command acts for.

    actor: the person or account behind the command, as the OS knows them.
    login: the gyomu user acted as; None for the system.
    roles: that user's roles, or {"system"}.
    acting_as: the login given to --as, else None.
    """

    actor: str
    login: str | None
    roles: frozenset
    user_id: int | None = None
    acting_as: str | None = None

    @property
    def is_system(self) -> bool:
        return SYSTEM in self.roles

    @property
    def label(self) -> str:
        return self.login or _("{actor} (system)").format(actor=self.actor)


def os_account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return f"uid:{uid}"


def invoker(euid: int, service_uid: int | None, env) -> str:
    """The OS account behind the command, following sudo where it is trusted."""
    trusted = euid == 0 or (service_uid is not None and euid == service_uid)
    if trusted and env.get("SUDO_USER"):
        return env["SUDO_USER"]
    return os_account(euid)


def _user(db: Database, login: str) -> dict | None:
    rows = list(db.query("SELECT id, login, roles, active FROM users WHERE login = ?", [login]))
    return rows[0] if rows else None


def resolve(db: Database, *, as_login: str | None, service_uid: int | None, euid: int | None = None, env=None) -> Principal:
    euid = os.geteuid() if euid is None else euid
    env = os.environ if env is None else env
    actor = invoker(euid, service_uid, env)
    if as_login is not None:
        if euid != 0:
            raise Refused(_("only root may act as another user (--as); {actor} runs as itself (Art. 5-2)").format(actor=actor))
        return _principal(db, actor, as_login, acting_as=as_login)
    user = _user(db, actor)
    if user is not None:
        return _principal(db, actor, actor)
    through_sudo = bool(env.get("SUDO_USER"))
    if euid == 0 or (euid == service_uid and not through_sudo):
        # root (whoever sudo'd to it), or the service account's own jobs
        return Principal(actor=actor, login=None, roles=frozenset({SYSTEM}))
    raise Refused(
        _("OS account {actor} is not a gyomu user; the administrator adds users with `gyomu user add` (Art. 5-2)").format(actor=actor)
    )


def _principal(db: Database, actor: str, login: str, acting_as: str | None = None) -> Principal:
    user = _user(db, login)
    if user is None:
        raise Refused(_("there is no gyomu user {login!r}; see `gyomu user list` (Art. 5-2)").format(login=login))
    if not user["active"]:
        raise Refused(_("gyomu user {login} is disabled (Art. 5-2)").format(login=login))
    roles = frozenset(r for r in user["roles"].split(",") if r)
    return Principal(actor=actor, login=login, roles=roles, user_id=user["id"], acting_as=acting_as)
