"""Rendering what reports.py counts: terminal table, CSV, JSON, Markdown, HTML.

Japanese by default, English on request; the HTML is one self-contained page
(inline CSS, A4 print) rendered with jinja2 from gyomu_cli/templates.
"""

from __future__ import annotations

import csv
import io
import json

from jinja2 import Environment, PackageLoader, select_autoescape
from tabulate import tabulate

from gyomu_cli import fiscal
from gyomu_cli.errors import UsageError

FORMATS = ("table", "csv", "json", "markdown", "html")

LABELS = {
    "ja": {
        "notice_title": "業務記録システムの設置について",
        "notice_intro": "{org}は、通話録音装置及び記録カメラ等を次のとおり設置しています(第4条)。",
        "purpose": "目的", "devices": "設置している装置", "kind": "種類", "location": "設置場所",
        "section": "対応担当課", "device_purpose": "利用目的", "on_demand": "必要時のみ稼働",
        "retention": "保存期間", "administrator": "管理責任者", "contact": "問合せ先",
        "yes": "はい(稼働前に告知)", "no": "いいえ", "none": "設置している装置はありません",
        "kinds": {"phone-line": "通話録音装置", "camera": "記録カメラ等"},
        "sign_title": "録画を実施しています", "sign_purpose": "目的",
        "annual_title": "業務記録システム運用状況({title})", "period": "対象期間",
        "item": "項目", "count": "件数", "audit_head": "監査ログの連鎖ヘッド(年度末)",
        "s_devices": "設置装置", "s_recordings": "記録", "s_requests": "視聴請求(第8条)",
        "s_disclosures": "第三者提供(第9条〜第11条)", "s_art12": "開示請求(第12条)",
        "s_refused": "拒否された操作", "s_holds": "保存延長(ホールド)",
        "phone_lines": "通話録音装置", "cameras": "記録カメラ等",
        "calls_made": "通話記録(件)", "call_hours": "通話記録(時間)", "calls_erased": "消去した通話記録(件)",
        "images_made": "画像等(件)", "image_hours": "画像等(時間)", "images_erased": "消去した画像等(件)",
        "requests_total": "請求件数", "other_section": "他課からの請求", "opinions": "意見聴取",
        "viewings": "視聴", "disclosures_total": "提供件数", "emergency": "緊急提供(第9条第5号)",
        "documents_pending": "文書未受領", "returned": "返却済み", "erased_by_recipient": "消去済み(提供先)",
        "outstanding": "返却・消去待ち", "art12_requests": "請求件数", "in_time": "期限内に決定",
        "refused_total": "拒否件数",
        "purposes": {"dispute": "トラブル等の検証", "business": "業務上特に必要"},
        "outcomes": {"grant": "許可", "deny": "不許可", "undecided": "未決定"},
        "bases": {"committee": "第三者相談委員会", "law": "法令", "investigation": "捜査機関の要請",
                  "staff-crime": "職員への犯罪", "emergency": "緊急", "subject-access": "本人開示",
                  "information-disclosure": "情報公開"},
        "reasons": {"dispute": "紛争", "manual": "手動", "request": "視聴請求", "disclosure": "第三者提供"},
    },
    "en": {
        "notice_title": "Recording devices installed", "notice_intro": "{org} operates the following call recorders and recording cameras (Art. 4).",
        "purpose": "Purpose", "devices": "Devices", "kind": "Kind", "location": "Location", "section": "Responsible section",
        "device_purpose": "Purpose of use", "on_demand": "Only when needed", "retention": "Kept for",
        "administrator": "Administrator", "contact": "Contact", "yes": "yes (announced before)", "no": "no",
        "none": "No devices are installed", "kinds": {"phone-line": "call recorder", "camera": "recording camera"},
        "sign_title": "Recording in progress", "sign_purpose": "Purpose",
        "annual_title": "Operation of the recording system ({title})", "period": "Period",
        "item": "Item", "count": "Count", "audit_head": "Audit chain head at year end",
        "s_devices": "Devices", "s_recordings": "Recordings", "s_requests": "Viewing requests (Art. 8)",
        "s_disclosures": "Provision to third parties (Art. 9-11)", "s_art12": "Disclosure requests (Art. 12)",
        "s_refused": "Refused actions", "s_holds": "Holds placed",
        "phone_lines": "Call recorders", "cameras": "Recording cameras",
        "calls_made": "Calls recorded", "call_hours": "Call hours", "calls_erased": "Calls erased",
        "images_made": "Image segments", "image_hours": "Image hours", "images_erased": "Image segments erased",
        "requests_total": "Requests", "other_section": "From another section", "opinions": "Opinions",
        "viewings": "Viewings", "disclosures_total": "Provisions", "emergency": "Emergency (Art. 9 (5))",
        "documents_pending": "Documents pending", "returned": "Returned", "erased_by_recipient": "Erased by recipient",
        "outstanding": "Awaiting return or erasure", "art12_requests": "Requests", "in_time": "Decided in time",
        "refused_total": "Refused",
        "purposes": {"dispute": "dispute", "business": "business need"},
        "outcomes": {"grant": "granted", "deny": "denied", "undecided": "undecided"},
        "bases": {b: b for b in ("committee", "law", "investigation", "staff-crime", "emergency", "subject-access", "information-disclosure")},
        "reasons": {r: r for r in ("dispute", "manual", "request", "disclosure")},
    },
}


def labels(lang: str) -> dict:
    if lang not in LABELS:
        raise UsageError(f"--lang is ja or en, not {lang!r}")
    return LABELS[lang]


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


def annual(data: dict, fmt: str, lang: str = "ja") -> str:
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
    years, rest = divmod(months, 12)
    if lang == "en":
        parts = [f"{years} year{'s' * (years != 1)}" if years else "", f"{rest} month{'s' * (rest != 1)}" if rest else ""]
        return " ".join(p for p in parts if p)
    return (f"{years}年" if years else "") + (f"{rest}か月" if rest else "")


def notice(data: dict, fmt: str, lang: str = "ja") -> str:
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


def sign(data: dict, device: dict, lang: str = "ja") -> str:
    t = labels(lang)
    return _environment().get_template("sign.html.j2").render(lang=lang, t=t, data=data, device=device, page_title=t["sign_title"])


