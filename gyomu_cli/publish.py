"""Rendering what reports.py counts: terminal table, CSV, JSON, Markdown, HTML.

In the reader's language (the locale) unless --lang says otherwise; the HTML is one self-contained page
(inline CSS, A4 print) rendered with jinja2 from gyomu_cli/templates.
"""

from __future__ import annotations

import csv
import io
import json

from jinja2 import Environment, PackageLoader, select_autoescape
from tabulate import tabulate

from gyomu_cli import fiscal, i18n
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import N_, _

FORMATS = ("table", "csv", "json", "markdown", "html")

# Every label of the published documents, in English; the Japanese comes from
# the catalog (gyomu_cli/locale), like every other message.
LABELS = {
    "notice_title": N_("Recording devices installed"),
    "notice_intro": N_("{org} operates the following call recorders and recording cameras (Art. 4)."),
    "purpose": N_("Purpose"), "devices": N_("Devices"), "kind": N_("Kind"), "location": N_("Location"),
    "section": N_("Responsible section"), "device_purpose": N_("Purpose of use"), "on_demand": N_("Only when needed"),
    "retention": N_("Kept for"), "administrator": N_("Administrator"), "contact": N_("Contact"),
    "yes": N_("yes (announced before)"), "no": N_("no"), "none": N_("No devices are installed"),
    "kinds": {"phone-line": N_("call recorder"), "camera": N_("recording camera")},
    "sign_title": N_("Recording in progress"), "sign_purpose": N_("Purpose"),
    "annual_title": N_("Operation of the recording system ({title})"), "period": N_("Period"),
    "item": N_("Item"), "count": N_("Count"), "audit_head": N_("Audit chain head at year end"),
    "s_devices": N_("Devices"), "s_recordings": N_("Recordings"), "s_requests": N_("Viewing requests (Art. 8)"),
    "s_disclosures": N_("Provision to third parties (Art. 9-11)"), "s_art12": N_("Disclosure requests (Art. 12)"),
    "s_refused": N_("Refused actions"), "s_holds": N_("Holds placed"),
    "phone_lines": N_("Call recorders"), "cameras": N_("Recording cameras"),
    "calls_made": N_("Calls recorded"), "call_hours": N_("Call hours"), "calls_erased": N_("Calls erased"),
    "images_made": N_("Image segments"), "image_hours": N_("Image hours"), "images_erased": N_("Image segments erased"),
    "requests_total": N_("Requests"), "other_section": N_("From another section"), "opinions": N_("Opinions"),
    "viewings": N_("Viewings"), "disclosures_total": N_("Provisions"), "emergency": N_("Emergency (Art. 9 (5))"),
    "documents_pending": N_("Documents pending"), "returned": N_("Returned"), "erased_by_recipient": N_("Erased by recipient"),
    "outstanding": N_("Awaiting return or erasure"), "art12_requests": N_("Disclosure requests"), "in_time": N_("Decided in time"),
    "refused_total": N_("Refused"),
    "purposes": {"dispute": N_("dispute"), "business": N_("business need")},
    "outcomes": {"grant": N_("granted"), "deny": N_("denied"), "undecided": N_("undecided")},
    "bases": {
        "committee": N_("consultation committee"), "law": N_("under a law"), "investigation": N_("investigation"),
        "staff-crime": N_("crime against staff"), "emergency": N_("emergency"), "subject-access": N_("access by the person"),
        "information-disclosure": N_("information disclosure"),
    },
    "reasons": {"dispute": N_("dispute"), "manual": N_("placed by hand"), "request": N_("viewing request"), "disclosure": N_("provision")},
}
LANGUAGES = ("ja", "en")


def language(lang: str | None) -> str:
    """The language asked for, or the reader's (the locale) when none was."""
    if lang is None:
        return i18n.language()
    if lang not in LANGUAGES:
        raise UsageError(_("--lang is ja or en, not {lang!r}").format(lang=lang))
    return lang


def labels(lang: str) -> dict:
    """Every label in `lang`, as the templates and tables use them."""
    translate = i18n.catalog(lang).gettext

    def walk(value):
        return {k: walk(v) for k, v in value.items()} if isinstance(value, dict) else translate(value)

    return walk(LABELS)


def _environment() -> Environment:
    return Environment(loader=PackageLoader("gyomu_cli", "templates"), autoescape=select_autoescape(["j2", "html"]))


def sections(data: dict, t: dict) -> list[dict]:
    """The annual report as titled lists of (label, number), shared by every format."""
    rec, req, dis = data["recordings"], data["viewing_requests"], data["disclosures"]
    by_purpose = [
        (f"{t['purposes'].get(r['purpose'], r['purpose'])} / {t['outcomes'].get(r['outcome'], r['outcome'])}", r["n"])
        for r in req["by_purpose_and_outcome"]
    ]
    return [
        {"key": "devices", "title": t["s_devices"], "rows": [(t["phone_lines"], data["devices"]["phone-line"]), (t["cameras"], data["devices"]["camera"])]},
        {"key": "recordings", "title": t["s_recordings"], "rows": [
            (t["calls_made"], rec["call"]["made"]), (t["call_hours"], rec["call"]["hours"]), (t["calls_erased"], rec["call"]["erased"]),
            (t["images_made"], rec["image"]["made"]), (t["image_hours"], rec["image"]["hours"]), (t["images_erased"], rec["image"]["erased"])]},
        {"key": "requests", "title": t["s_requests"], "rows": [(t["requests_total"], req["total"]), *by_purpose,
            (t["other_section"], req["other_section"]), (t["opinions"], req["opinions"]), (t["viewings"], req["viewings"])]},
        {"key": "disclosures", "title": t["s_disclosures"], "rows": [(t["disclosures_total"], dis["total"]),
            *[(t["bases"].get(k, k), v) for k, v in sorted(dis["by_basis"].items())],
            (t["emergency"], dis["emergency"]), (t["documents_pending"], dis["documents_pending"]),
            (t["returned"], dis["returned"]), (t["erased_by_recipient"], dis["erased_by_recipient"]), (t["outstanding"], dis["outstanding"])]},
        {"key": "article_12", "title": t["s_art12"], "rows": [(t["art12_requests"], data["article_12"]["requests"]), (t["in_time"], data["article_12"]["decided_in_time"])]},
        {"key": "refused", "title": t["s_refused"], "rows": [(t["refused_total"], data["refused_actions"]["total"]),
            *sorted(data["refused_actions"]["by_action"].items())]},
        {"key": "holds", "title": t["s_holds"], "rows": [(t["reasons"].get(k, k), v) for k, v in sorted(data["holds_placed"].items())]},
    ]


def annual(data: dict, fmt: str, lang: str | None = None) -> str:
    lang = language(lang)
    t = labels(lang)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    parts = sections(data, t)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["fiscal_year", "section", "item", "value"])
        for part in parts:
            for label, value in part["rows"]:
                writer.writerow([data["fiscal_year"], part["key"], label, value])
        writer.writerow([data["fiscal_year"], "audit", "head", data["audit_head"] or ""])
        return out.getvalue()
    heading = f"{data['organization']} {t['annual_title'].format(title=fiscal.title(data['fiscal_year'], lang))}"
    if fmt == "html":
        return _environment().get_template("annual.html.j2").render(
            lang=lang, t=t, data=data, sections=parts, page_title=heading, heading=heading)
    style = "github" if fmt == "markdown" else "simple"
    lines = [f"# {heading}" if fmt == "markdown" else heading, ""]
    for part in parts:
        lines += [f"## {part['title']}" if fmt == "markdown" else part["title"], ""]
        lines += [tabulate(part["rows"], headers=[t["item"], t["count"]], tablefmt=style, disable_numparse=True), ""]
    lines.append(f"{t['audit_head']}: {data['audit_head'] or '-'}")
    return "\n".join(lines) + "\n"


def period_text(months: int, lang: str) -> str:
    """12 -> "1 year" / "1年"; 15 -> "1 year 3 months" / "1年3か月"."""
    years, rest = divmod(months, 12)
    words = i18n.catalog(lang)
    parts = [
        words.ngettext("{n} year", "{n} years", years).format(n=years) if years else "",
        words.ngettext("{n} month", "{n} months", rest).format(n=rest) if rest else "",
    ]
    return words.gettext("{years} {months}").format(years=parts[0], months=parts[1]).strip() if all(parts) else "".join(parts)


def notice(data: dict, fmt: str, lang: str | None = None) -> str:
    lang = language(lang)
    t = labels(lang)
    for device in data["devices"]:
        device["retention_text"] = period_text(device["retention_months"], lang)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return _environment().get_template("notice.html.j2").render(lang=lang, t=t, data=data, page_title=t["notice_title"])
    rows = [[t["kinds"][d["kind"]], d["location"], d["section"], d["purpose"], t["yes"] if d["on_demand"] else t["no"], d["retention_text"]] for d in data["devices"]]
    headers = [t["kind"], t["location"], t["section"], t["device_purpose"], t["on_demand"], t["retention"]]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return out.getvalue()
    style = "github" if fmt == "markdown" else "simple"
    return f"{t['notice_title']}\n\n{data['purpose']}\n\n" + tabulate(rows, headers=headers, tablefmt=style) + "\n"


def sign(data: dict, device: dict, lang: str | None = None) -> str:
    lang = language(lang)
    t = labels(lang)
    return _environment().get_template("sign.html.j2").render(lang=lang, t=t, data=data, device=device, page_title=t["sign_title"])


