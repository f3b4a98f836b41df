"""Announcements before an on-demand device records (Art. 4-2).

A device that runs only when needed must tell the people it will record,
before it starts. `gyomu notice` records who announced it, how and when;
capture of an on-demand device refuses to start without an unused notice
from the last few minutes, and links every segment it records to it.
"""

from __future__ import annotations

import datetime as dt

from gyomu_cli import clock, registry, users
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

VALID_FOR = dt.timedelta(minutes=10)


def record(session: Session, device_name: str, *, by: str, how: str) -> dict:
    device = registry.get_device(session, device_name)
    if not device["on_demand"]:
        raise UsageError(
            _("{device} records always; its sign announces it (Art. 4-1), no notice is needed").format(device=device_name)
        )
    if not how.strip():
        raise UsageError(_("say --how the recording was announced, e.g. 口頭で録画開始を告知"))
    person = users.get(session, by)
    with session.write() as db:
        notice_id = db["notices"].insert(
            {"device_id": device["id"], "user_id": person["id"], "how": how.strip(), "at": clock.to_db(clock.now())}
        ).last_pk
        session.audit("notice.given", f"notice:{notice_id}", device=device_name, by=by)
    return {"id": notice_id, "device": device_name, "by": by, "how": how.strip()}


def take(session: Session, device: dict) -> int:
    """The unused notice given just before for this device; refused (and audited) without one."""
    since = clock.to_db(clock.now() - VALID_FOR)
    row = session.ledger.one(
        "SELECT id FROM notices WHERE device_id = ? AND used_at IS NULL AND at >= ? ORDER BY id DESC LIMIT 1",
        [device["id"], since],
    )
    if row is None:
        session.refuse(
            _("{device} records only when needed and must be announced first (Art. 4-2): "
              "`gyomu notice {device} --by LOGIN --how ...`, then start it within {minutes} minutes").format(
                device=device["name"], minutes=int(VALID_FOR.total_seconds() // 60)
            ),
            f"device:{device['id']}",
        )
    with session.write() as db:
        db["notices"].update(row["id"], {"used_at": clock.to_db(clock.now())})
        session.audit("notice.used", f"notice:{row['id']}", device=device["name"])
    return row["id"]
