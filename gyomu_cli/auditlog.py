"""Reading the audit log: filtered listings and chain verification (Art. 13)."""

from __future__ import annotations

import json
import re

from gyomu_cli import audit, clock
from gyomu_cli.errors import IntegrityError, UsageError
from gyomu_cli.i18n import _, english
from gyomu_cli.session import Session


def events(session: Session, *, since=None, until=None, actor=None, action=None, object=None, outcome=None, limit=None) -> list[dict]:
    where, params = [], {}
    if since:
        where.append("at >= :since")
        params["since"] = clock.to_db(clock.parse(since, session.tz, "--since"))
    if until:
        where.append("at < :until")
        params["until"] = clock.to_db(clock.parse(until, session.tz, "--until"))
    for name, value in (("actor", actor), ("action", action), ("object", object), ("outcome", outcome)):
        if value:
            where.append(f"{name} = :{name}")
            params[name] = value
    sql = f"SELECT {audit.COLUMNS} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = []
    for row in session.db.query(sql, params):
        row["at"] = clock.show(row["at"], session.tz)
        row["detail"] = json.loads(row["detail"])
        rows.append(row)
    return rows


def parse_head(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", text.strip().lower())
    if not match:
        raise UsageError(_("--head {text!r} is not SEQ:HASH as `gyomu audit verify` prints it").format(text=text))
    return int(match.group(1)), match.group(2)


def verify(session: Session, head: str | None = None) -> audit.ChainReport:
    """Walk the chain; with a printed head, also prove that head is still in it."""
    report = audit.verify_chain(session.db)
    session.audit("audit.verified", None, outcome="ok" if report.problem is None else "failed",
                  events=report.events, problem=english(report.problem))
    if report.problem:
        raise IntegrityError(_("audit chain broken: {problem}").format(problem=report.problem))
    if head:
        seq, expected = parse_head(head)
        found = audit.hash_at(session.db, seq)
        if found != expected:
            raise IntegrityError(
                _("audit event {seq} is not the one printed ({printed}…): the log was rewritten after that head was taken").format(
                    seq=seq, printed=expected[:12]
                )
            )
    return report
