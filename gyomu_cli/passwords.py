"""Passwords (Art. 6-1): argon2id hashes, audited failures, a rate limit.

A person's password is asked for the steps that must be theirs: changing
users now; granting, viewing and disclosing later. The host itself (root
without --as, the service account) has no password and is never asked.
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gyomu_cli import clock
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_LENGTH = 8

_hasher = PasswordHasher()


def make_hash(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UsageError(_("a password needs at least {count} characters").format(count=MIN_LENGTH))
    return _hasher.hash(password)


def recent_failures(session, user_id: int) -> tuple[int, str | None]:
    """Failures since the last success within the lockout window, and the newest one's time."""
    since = clock.to_db(clock.now() - LOCKOUT)
    row = session.ledger.one(
        """
        SELECT count(*) AS failures, max(at) AS last FROM audit
        WHERE action = 'auth.failed' AND object = :user AND at >= :since
          AND seq > coalesce(
            (SELECT max(seq) FROM audit WHERE action = 'auth.ok' AND object = :user), 0)
        """,
        {"user": f"user:{user_id}", "since": since},
    )
    return row["failures"], row["last"]


def check(session, user: dict, password: str | None) -> None:
    """Accept the user's password or refuse, auditing either way."""
    target = f"user:{user['id']}"
    failures, last = recent_failures(session, user["id"])
    if failures >= MAX_FAILURES:
        until = clock.from_db(last) + LOCKOUT
        session.refuse(
            _("too many wrong passwords for {login}; try again after {until:%H:%M} (Art. 6-1)").format(
                login=user["login"], until=until.astimezone(session.tz)
            ),
            target,
        )
    if not user.get("password_hash"):
        session.refuse(
            _("{login} has no password yet; root sets one with `gyomu user passwd {login}` (Art. 6-1)").format(login=user["login"]),
            target,
        )
    try:
        _hasher.verify(user["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        session.audit("auth.failed", target, outcome="refused")
        session.refuse(_("wrong password for {login} (Art. 6-1)").format(login=user["login"]), target)
    session.audit("auth.ok", target)
