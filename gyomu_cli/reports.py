"""What the city publishes (Art. 4, 14): the installation notice and the yearly report.

Every figure comes from the ledger and the audit log, so the same ledger
always gives the same report. Nothing personal is published: no phone
numbers, no names of citizens, no exact call times.
"""

from __future__ import annotations

import datetime as dt

from gyomu_cli import clock, fiscal, registry
from gyomu_cli.errors import UsageError
from gyomu_cli.session import Session

PURPOSE_TEXT = "業務の執行にあたり行政サービスの質を確保し、又は職員に対する不当な圧力を排除するため(第1条)"
KIND_TEXT = {"phone-line": "通話録音装置", "camera": "記録カメラ等"}


def notice(session: Session) -> dict:
    """Each device in service: what, where, for which section, why, for how long."""
    settings = session.home.settings
    devices = [
        {
            "name": d["name"],
            "kind": d["kind"],
            "kind_text": KIND_TEXT[d["kind"]],
            "location": d["location"],
            "section": d["section"],
            "purpose": d["purpose"],
            "on_demand": d["on_demand"],
            "retention": d["retention"],
            "retention_months": d["retention_months"],
        }
        for d in registry.list_devices(session)
    ]
    return {
        "organization": settings.organization,
        "administrator": settings.administrator_title,
        "contact": settings.contact,
        "purpose": PURPOSE_TEXT,
        "devices": devices,
    }


def _count(session: Session, sql: str, params) -> int:
    return session.ledger.one(sql, params)["n"]


def _grouped(session: Session, sql: str, params) -> dict:
    return {row["k"]: row["n"] for row in session.db.query(sql, params)}


def annual(session: Session, year: int) -> dict:
    if not 1989 <= year <= 2200:
        raise UsageError(f"--fiscal-year {year} is not a year like 2026")
    tz = session.tz
    start, end = fiscal.bounds(year, tz)
    s, e = clock.to_db(start), clock.to_db(end)
    months = (f"{year}-04", f"{year + 1}-03")
    p = {"s": s, "e": e, "m0": months[0], "m1": months[1]}
    devices = _grouped(
        session,
        "SELECT kind AS k, count(*) AS n FROM devices WHERE created_at < :e "
        "AND (retired_at IS NULL OR retired_at >= :s) GROUP BY kind", p)
    made = list(session.db.query(
        "SELECT kind, count(*) AS n, coalesce(sum(duration), 0) AS seconds FROM recordings "
        "WHERE started_month BETWEEN :m0 AND :m1 GROUP BY kind", p))
    erased = _grouped(session, "SELECT kind AS k, count(*) AS n FROM recordings WHERE erased_at >= :s AND erased_at < :e GROUP BY kind", p)
    requests_made = list(session.db.query(
        "SELECT purpose, coalesce(decision, 'undecided') AS outcome, count(*) AS n FROM requests "
        "WHERE created_at >= :s AND created_at < :e GROUP BY purpose, outcome ORDER BY purpose, outcome", p))
    other_section = _count(session,
        "SELECT count(DISTINCT q.id) AS n FROM requests q JOIN request_items i ON i.request_id = q.id "
        "JOIN recordings r ON r.id = i.recording_id WHERE q.created_at >= :s AND q.created_at < :e "
        "AND r.section_id != q.section_id", p)
    opinions = _count(session, "SELECT count(*) AS n FROM opinions WHERE created_at >= :s AND created_at < :e", p)
    viewings = _count(session, "SELECT count(*) AS n FROM viewings WHERE at >= :s AND at < :e", p)
    disclosures = _grouped(session, "SELECT basis AS k, count(*) AS n FROM disclosures WHERE created_at >= :s AND created_at < :e GROUP BY basis", p)
    pending_documents = _count(session, "SELECT count(*) AS n FROM disclosures WHERE document_id IS NULL AND created_at < :e", p)
    returned = _grouped(session, "SELECT returned_how AS k, count(*) AS n FROM disclosures WHERE returned_at >= :s AND returned_at < :e GROUP BY returned_how", p)
    outstanding = _count(session,
        "SELECT count(*) AS n FROM disclosures WHERE created_at < :e AND (closed_at IS NULL OR closed_at >= :e) "
        "AND basis NOT IN ('subject-access', 'information-disclosure')", p)
    art12 = list(session.db.query(
        "SELECT basis, received_on, due_on, created_at FROM disclosures WHERE basis IN ('subject-access', 'information-disclosure') "
        "AND created_at >= :s AND created_at < :e", p))
    clocks_kept = sum(1 for r in art12 if clock.from_db(r["created_at"]).astimezone(tz).date().isoformat() <= r["due_on"])
    refused = _grouped(session, "SELECT action AS k, count(*) AS n FROM audit WHERE outcome = 'refused' AND at >= :s AND at < :e GROUP BY action", p)
    holds = _grouped(session, "SELECT reason AS k, count(*) AS n FROM holds WHERE created_at >= :s AND created_at < :e GROUP BY reason", p)
    head = session.ledger.one("SELECT seq, hash FROM audit WHERE at < :e ORDER BY seq DESC LIMIT 1", p)
    return {
        "fiscal_year": year,
        "title": fiscal.title(year),
        "period": {"from": start.date().isoformat(), "to": (end - dt.timedelta(days=1)).date().isoformat()},
        "organization": session.home.settings.organization,
        "administrator": session.home.settings.administrator_title,
        "purpose": PURPOSE_TEXT,
        "devices": {"phone-line": devices.get("phone-line", 0), "camera": devices.get("camera", 0)},
        "recordings": {
            kind: {
                "made": next((r["n"] for r in made if r["kind"] == kind), 0),
                "hours": round(next((r["seconds"] for r in made if r["kind"] == kind), 0) / 3600, 1),
                "erased": erased.get(kind, 0),
            }
            for kind in ("call", "image")
        },
        "viewing_requests": {
            "total": sum(r["n"] for r in requests_made),
            "by_purpose_and_outcome": [dict(r) for r in requests_made],
            "other_section": other_section,
            "opinions": opinions,
            "viewings": viewings,
        },
        "disclosures": {
            "total": sum(disclosures.values()),
            "by_basis": disclosures,
            "emergency": disclosures.get("emergency", 0),
            "documents_pending": pending_documents,
            "returned": returned.get("returned", 0),
            "erased_by_recipient": returned.get("erased", 0),
            "outstanding": outstanding,
        },
        "article_12": {"requests": len(art12), "decided_in_time": clocks_kept},
        "refused_actions": {"total": sum(refused.values()), "by_action": refused},
        "holds_placed": holds,
        "audit_head": f"{head['seq']}:{head['hash']}" if head else None,
    }

