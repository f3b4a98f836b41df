"""Users and their roles (Art. 5): the administrator designates who operates.

A user's login is their OS account name when they have one; a user without an
OS account (a section head who only signs paper requests) is acted for with
root's --as.
"""

from __future__ import annotations

import re

from gyomu_cli import access, clock, passwords, registry
from gyomu_cli.errors import AlreadyExists, NotFound, Refused, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

LOGIN = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


def _roles(roles: list[str]) -> list[str]:
    if not roles:
        raise UsageError(_("give at least one --role: {roles}").format(roles=", ".join(access.ROLES)))
    unknown = [r for r in roles if r not in access.ROLES]
    if unknown:
        raise UsageError(_("unknown role {role!r}; roles are {roles}").format(role=unknown[0], roles=", ".join(access.ROLES)))
    return sorted(set(roles), key=access.ROLES.index)


def get(session: Session, login: str) -> dict:
    row = session.ledger.one(
        "SELECT u.*, s.name AS section FROM users u JOIN sections s ON s.id = u.section_id WHERE login = ?",
        [login],
    )
    if row is None:
        raise NotFound(_("no gyomu user {login!r}; see `gyomu user list`").format(login=login))
    return row


def confirm_actor(session: Session) -> None:
    """A person changing users proves it is them; the host is not asked."""
    principal = session.principal
    if principal.is_system:
        return
    actor = get(session, principal.login)
    passwords.check(session, actor, session.ask_password(_("Password for {login}: ").format(login=actor["login"])))


def add(session: Session, login: str, name: str, section: str, roles: list[str]) -> dict:
    if not LOGIN.fullmatch(login):
        raise UsageError(_("login {login!r} must look like an OS account name: lower case letters, digits, . _ -").format(login=login))
    if not name.strip():
        raise UsageError(_("a user needs --name, their full name"))
    roles = _roles(roles)
    section_id = registry.section_id(session, section)
    if session.ledger.one("SELECT id FROM users WHERE login = ?", [login]):
        raise AlreadyExists(_("user {login} already exists").format(login=login))
    confirm_actor(session)
    with session.write() as db:
        user_id = db["users"].insert(
            {
                "login": login,
                "name": name.strip(),
                "section_id": section_id,
                "roles": ",".join(roles),
                "created_at": clock.to_db(clock.now()),
            }
        ).last_pk
        session.audit("user.added", f"user:{user_id}", login=login, section=section, roles=roles)
    return shown(get(session, login), session.tz)


def set_password(session: Session, login: str) -> None:
    user = get(session, login)
    principal = session.principal
    own = principal.login == login
    if not own and not (principal.is_system or access.ADMINISTRATOR in principal.roles):
        session.refuse(
            _("{user} may not change the password of {login}: only the administrator designates users (Art. 5-2)").format(
                user=principal.label, login=login
            ),
            f"user:{user['id']}",
        )
    if own and user["password_hash"]:
        passwords.check(session, user, session.ask_password(_("Current password for {login}: ").format(login=login)))
    elif not own:
        confirm_actor(session)
    new = session.ask_password(_("New password for {login}: ").format(login=login), confirm=True)
    with session.write() as db:
        db["users"].update(user["id"], {"password_hash": passwords.make_hash(new)})
        session.audit("user.password_set", f"user:{user['id']}", login=login)


def disable(session: Session, login: str) -> None:
    user = get(session, login)
    if not user["active"]:
        raise UsageError(_("user {login} is already disabled").format(login=login))
    if session.principal.login == login:
        raise Refused(_("{login} cannot disable their own account (Art. 5-2)").format(login=login))
    confirm_actor(session)
    with session.write() as db:
        db["users"].update(user["id"], {"active": 0})
        session.audit("user.disabled", f"user:{user['id']}", login=login)


def list_users(session: Session) -> list[dict]:
    rows = session.db.query(
        "SELECT u.*, s.name AS section FROM users u JOIN sections s ON s.id = u.section_id ORDER BY u.id"
    )
    return [shown(row, session.tz) for row in rows]


def shown(row: dict, tz) -> dict:
    return {
        "id": row["id"],
        "login": row["login"],
        "name": row["name"],
        "section": row["section"],
        "roles": [r for r in row["roles"].split(",") if r],
        "password": bool(row["password_hash"]),
        "active": bool(row["active"]),
        "created_at": clock.show(row["created_at"], tz),
    }
