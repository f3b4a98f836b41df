"""The package handed to a third party: a BagIt bag (RFC 8493) with a cover sheet.

    bagit.txt                the bag declaration
    bag-info.txt             disclosure id, basis, recipient, date, the obligation to return or erase
    data/…                   the excerpts
    manifest-sha256.txt      SHA-256 of every excerpt
    提供記録票.md / .html      the cover sheet: what was given, to whom, why
    tagmanifest-sha256.txt   SHA-256 of every file above; its own hash goes in the ledger
"""

from __future__ import annotations

import html
from pathlib import Path

from gyomu_cli.excerpts import sha256_of
from gyomu_cli.sink import written

COVER = "提供記録票"


def _write(path: Path, text: str) -> None:
    """An owner-only UTF-8 tag file, whole on disk or not there (StorageFull on a full disk)."""
    with written(path) as out:
        out.write(text.encode("utf-8"))


def cover_markdown(info: dict, items: list[dict]) -> str:
    lines = [
        f"# {COVER}(開示番号 {info['id']})",
        "",
        f"- 提供先: {info['recipient']}",
        f"- 根拠: {info['basis_text']}",
        f"- 提供日: {info['date']}",
        f"- 決定: {info['decided_by']}" + (f"(市長決定: {info['mayor']})" if info.get("mayor") else ""),
        f"- 書面: {info['document']}",
        "",
        "| ファイル | 記録番号 | 範囲(秒) | 当事者 | SHA-256 |",
        "|---|---:|---|---|---|",
    ]
    for item in items:
        lines.append(
            f"| {item['file']} | {item['recording']} | {item['start_offset']:.3f}–{item['end_offset']:.3f} "
            f"| {item['party'] or '全体'} | `{item['sha256']}` |"
        )
    lines += ["", info["obligation"], ""]
    return "\n".join(lines)


def cover_html(markdown: str) -> str:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in markdown.splitlines() if line.strip())
    return f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8"><title>{COVER}</title></head>\n<body>\n{body}\n</body></html>\n'


def seal(folder: Path, info: dict, items: list[dict]) -> str:
    """Write the tag files around data/; the SHA-256 of the tag manifest."""
    payload = sorted((folder / "data").iterdir())
    _write(folder / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    _write(folder / "manifest-sha256.txt", "".join(f"{sha256_of(p)}  data/{p.name}\n" for p in payload))
    octets = sum(p.stat().st_size for p in payload)
    _write(
        folder / "bag-info.txt",
        "".join(
            f"{key}: {value}\n"
            for key, value in (
                ("Source-Organization", info["organization"]),
                ("External-Identifier", f"gyomu-disclosure-{info['id']}"),
                ("Bagging-Date", info["date"]),
                ("Payload-Oxum", f"{octets}.{len(payload)}"),
                ("Disclosure-Basis", info["basis_text"]),
                ("Recipient", info["recipient"]),
                ("External-Description", info["obligation"]),
            )
        ),
    )
    markdown = cover_markdown(info, items)
    _write(folder / f"{COVER}.md", markdown)
    _write(folder / f"{COVER}.html", cover_html(markdown))
    tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", f"{COVER}.md", f"{COVER}.html"]
    _write(folder / "tagmanifest-sha256.txt", "".join(f"{sha256_of(folder / t)}  {t}\n" for t in tags))
    return sha256_of(folder / "tagmanifest-sha256.txt")
