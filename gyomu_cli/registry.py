"""Sections and devices (Art. 3): what records, where, for which section, why.

Only the administrator decides where devices stand and which phones are
recorded (Art. 3); every change here is audited.
"""

from __future__ import annotations

import json
import re
import tempfile

from gyomu_cli import clock, plugins, retention
from gyomu_cli.errors import AlreadyExists, GyomuError, NotFound, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

DEVICE_KINDS = {"phone-line": "call", "camera": "image"}
BACKEND_KINDS = {"phone-line": "pbx", "camera": "camera"}


def add_section(session: Session, name: str) -> dict:
    name = name.strip()
    if not name:
        raise UsageError(_("a section needs a name, e.g. 市民課"))
    with session.write() as db:
        if db["sections"].count_where("name = ?", [name]):
            raise AlreadyExists(_("section {name} already exists").format(name=name))
        row = {"name": name, "created_at": clock.to_db(clock.now())}
        section_id = db["sections"].insert(row).last_pk
        session.audit("section.added", f"section:{section_id}", name=name)
    return {"id": section_id, **row}


def list_sections(session: Session) -> list[dict]:
    return list(
        session.db.query(
            """
            SELECT s.id, s.name,
              (SELECT count(*) FROM devices d WHERE d.section_id = s.id AND d.active) AS devices,
              (SELECT count(*) FROM users u WHERE u.section_id = s.id AND u.active) AS users
            FROM sections s ORDER BY s.id
            """
        )
    )


def section_id(session: Session, name: str) -> int:
    row = session.ledger.one("SELECT id FROM sections WHERE name = ?", [name])
    if row is None:
        known = ", ".join(r["name"] for r in session.db.query("SELECT name FROM sections"))
        raise NotFound(_("no section named {name!r} (known: {known}); add it with `gyomu section add`").format(name=name, known=known))
    return row["id"]


def add_device(
    session: Session,
    *,
    name: str,
    kind: str,
    section: str,
    location: str,
    purpose: str,
    on_demand: bool = False,
    retention_text: str | None = None,
    backend: str | None = None,
    options: dict | None = None,
) -> dict:
    name = name.strip()
    if kind not in DEVICE_KINDS:
        raise UsageError(_("device kind {kind!r} is unknown; use phone-line or camera").format(kind=kind))
    if not name or "/" in name or any(c.isspace() for c in name):
        raise UsageError(_("device name {name!r} must be one word without '/', e.g. line-main").format(name=name))
    if not location.strip() or not purpose.strip():
        raise UsageError(_("a device needs --location and --purpose: both are published (Art. 4)"))
    if backend is not None:
        _check_backend(session, kind, backend, name, options or {})
    elif options:
        raise UsageError(_("--option sets a capture backend's options: give --backend too (see `gyomu plugins`)"))
    months = None
    if retention_text is not None:
        months = retention.parse_period(retention_text)
        retention.check_period(DEVICE_KINDS[kind], months)
    with session.write() as db:
        if db["devices"].count_where("name = ?", [name]):
            raise AlreadyExists(_("device {name} already exists").format(name=name))
        shown, secret = split_secrets(options or {})
        row = {
            "name": name,
            "kind": kind,
            "section_id": section_id(session, section),
            "location": location.strip(),
            "purpose": purpose.strip(),
            "on_demand": int(on_demand),
            "backend": backend,
            "options": json.dumps(shown, ensure_ascii=False),
            "sealed_options": session.vault.seal(json.dumps(secret), f"device:{name}") if secret else None,
            "retention_months": months,
            "created_at": clock.to_db(clock.now()),
        }
        device_id = db["devices"].insert(row).last_pk
        session.audit(
            "device.added",
            f"device:{device_id}",
            name=name,
            kind=kind,
            section=section,
            retention=retention.format_period(months) if months else None,
        )
    return get_device(session, name)


def _check_backend(session: Session, kind: str, backend: str, name: str, options: dict) -> None:
    """Refuse a backend that is not installed, or options it would refuse when capture starts.

    The backend is made once, as capture makes it, with a scratch state folder
    that is thrown away: a backend checks its options when it is made and
    reaches its PBX or camera only when it scans or records.
    """
    factory = plugins.backend_factory(BACKEND_KINDS[kind], backend)
    session.home.tmp.mkdir(mode=0o700, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=session.home.tmp) as scratch:
        try:
            factory(session.home.root, dict(options, device=name, state_dir=scratch))
        except GyomuError as error:
            raise UsageError(_("device {name} was not added: {error}").format(name=name, error=error)) from None


USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@", re.IGNORECASE)


def split_secrets(options: dict) -> tuple[dict, dict]:
    """Options as they may be shown and stored, and the ones that carry a password.

    A URL's password never reaches the ledger in clear, nor a listing or a log
    (Art. 6-1): it is shown as *** and kept sealed by the master key.
    """
    shown, secret = {}, {}
    for key, value in options.items():
        match = USERINFO.match(value)
        if match and match.group("password"):
            secret[key] = value
            shown[key] = USERINFO.sub(r"\g<scheme>\g<user>:***@", value, count=1)
        else:
            shown[key] = value
    return shown, secret


def backend_options(session: Session, device: dict) -> dict:
    """A device's backend options with its sealed credentials opened, for the backend alone."""
    row = session.ledger.one("SELECT sealed_options FROM devices WHERE id = ?", [device["id"]])
    options = dict(device["options"])
    if row and row["sealed_options"]:
        options.update(json.loads(session.vault.unseal(row["sealed_options"], f"device:{device['name']}")))
    return options


DEVICE_QUERY = """
    SELECT d.id, d.name, d.kind, s.name AS section, d.location, d.purpose,
           d.on_demand, d.backend, d.options, d.retention_months, d.active,
           d.created_at, d.retired_at
    FROM devices d JOIN sections s ON s.id = d.section_id
"""


def _device_row(session: Session, row: dict) -> dict:
    kind = DEVICE_KINDS[row["kind"]]
    months = row["retention_months"] or session.home.settings.retention_months[kind]
    row.update(
        on_demand=bool(row["on_demand"]),
        active=bool(row["active"]),
        options=json.loads(row["options"]),
        retention=retention.format_period(months),
        created_at=clock.show(row["created_at"], session.tz),
        retired_at=clock.show(row["retired_at"], session.tz),
    )
    row["retention_months"] = months
    return row


def get_device(session: Session, name: str) -> dict:
    row = session.ledger.one(DEVICE_QUERY + " WHERE d.name = ?", [name])
    if row is None:
        raise NotFound(_("no device named {name!r}; see `gyomu device list`").format(name=name))
    return _device_row(session, row)


def list_devices(session: Session, include_retired: bool = False) -> list[dict]:
    where = "" if include_retired else " WHERE d.active"
    rows = session.db.query(DEVICE_QUERY + where + " ORDER BY d.id")
    return [_device_row(session, row) for row in rows]


def retire_device(session: Session, name: str) -> dict:
    device = get_device(session, name)
    if not device["active"]:
        raise UsageError(_("device {name} is already retired").format(name=name))
    with session.write() as db:
        db["devices"].update(
            device["id"], {"active": 0, "retired_at": clock.to_db(clock.now())}
        )
        session.audit("device.retired", f"device:{device['id']}", name=name)
    return get_device(session, name)
