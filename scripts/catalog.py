"""Keep the message catalogs in step with the code.

    scripts/catalog            extract the marked messages (and the command help), merge them
                               into gyomu_cli/locale/ja/LC_MESSAGES/gyomu.po and each in-tree
                               plugin's own catalog, compile the .mo files
    scripts/catalog --check    change nothing; exit 1 and say what is missing or stale
    scripts/catalog --add F.po take the translations in F.po as well (may be given again)

A message marked in the code but not translated in the .po is listed and
makes --check fail; an entry the code no longer uses is dropped.
"""

from __future__ import annotations

import argparse
import datetime
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gyomu_cli"
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
LANGUAGES = ("ja",)
FIELD = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Domain:
    """One catalog: gyomu's own, or a plugin's (each plugin ships its own, beside its code)."""

    name: str
    package: Path

    def po_path(self, language: str) -> Path:
        return self.package / "locale" / language / "LC_MESSAGES" / f"{self.name}.po"


DOMAINS = (
    Domain("gyomu", PACKAGE),
    Domain("gyomu_pbx_asterisk", ROOT / "plugins" / "pbx_asterisk" / "gyomu_pbx_asterisk"),
    Domain("gyomu_camera_rtsp", ROOT / "plugins" / "camera_rtsp" / "gyomu_camera_rtsp"),
    Domain("gyomu_storage_local", ROOT / "plugins" / "storage_local" / "gyomu_storage_local"),
    Domain("gyomu_storage_s3", ROOT / "plugins" / "storage_s3" / "gyomu_storage_s3"),
)


def extract(domain: Domain = DOMAINS[0]) -> Catalog:
    template = Catalog(project=domain.name, charset="utf-8")
    found = extract_from_dir(str(domain.package), method_map=[("**.py", "python")], keywords=KEYWORDS,
                             comment_tags=("Translators:",), strip_comment_tags=True)
    where = domain.package.relative_to(ROOT)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(f"{where}/{filename}", lineno)], auto_comments=comments, context=context)
    if domain.name == "gyomu":
        for path, text in command_help():
            template.add(text, None, [(f"gyomu_cli/cli/help/{'-'.join(path) or 'gyomu'}", 0)],
                         auto_comments=["command-line help"])
    return template


def command_help() -> list[tuple[tuple[str, ...], str]]:
    """The help texts of every command and option, as `gyomu --help` shows them."""
    import typer.main

    from gyomu_cli.cli import app
    from gyomu_cli.cli.help_text import texts

    return list(texts(typer.main.get_command(app)))


def read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, project="gyomu", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=language)


def merge(template: Catalog, language: str, extra: list[Path], domain: Domain = DOMAINS[0]) -> tuple[Catalog, list[str]]:
    """The catalog for `language`: every marked message, with the translations known."""
    known = {}
    for source in [domain.po_path(language), *extra]:
        for message in read(source, language):
            if message.id and message.string and (not isinstance(message.string, tuple) or all(message.string)):
                known[(message.id if not isinstance(message.id, tuple) else message.id[0], message.context)] = message.string
    merged = Catalog(locale=language, project=domain.name, version=_version(), charset="utf-8", fuzzy=False,
                     msgid_bugs_address="", last_translator="gyomu", language_team=language,
                     header_comment=f"# {domain.name}: messages in {language}.\n"
                                    f"# Made by scripts/catalog from the messages marked in {domain.package.relative_to(ROOT)}; edit msgstr only.")
    problems = []
    for message in template:
        if not message.id:
            continue
        key = (message.id if not isinstance(message.id, tuple) else message.id[0], message.context)
        string = known.get(key)
        merged.add(message.id, string, message.locations, auto_comments=message.auto_comments, context=message.context)
        if not string:
            problems.append(f"untranslated ({language}): {key[0]!r} at {message.locations[0][0]}:{message.locations[0][1]}")
            continue
        for original, translated in zip(_forms(message.id), _forms(string) * 2):
            if sorted(FIELD.findall(original)) != sorted(FIELD.findall(translated)):
                problems.append(f"placeholders differ ({language}): {original!r} -> {translated!r}")
    return merged, problems


def _version() -> str:
    return re.search(r'__version__ = "([^"]+)"', (PACKAGE / "__init__.py").read_text()).group(1)


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, tuple) else [value]


def rendered(catalog: Catalog) -> tuple[bytes, bytes]:
    po, mo = io.BytesIO(), io.BytesIO()
    write_po(po, catalog, width=0, omit_header=False, sort_output=False, include_lineno=False)
    write_mo(mo, catalog)
    return po.getvalue(), mo.getvalue()


def _without_dates(po: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"\n', b"", po)


def update(domain: Domain, template: Catalog, language: str, extra: list[Path], check: bool) -> bool:
    """Write (or with `check`, compare) one domain's .po and .mo; True when something is wrong."""
    catalog, problems = merge(template, language, extra, domain)
    path = domain.po_path(language)
    if path.exists():  # the same messages keep the same dates, so that the files do not change
        before = read(path, language)
        catalog.creation_date, catalog.revision_date = before.creation_date, before.revision_date
    po, mo = rendered(catalog)
    if path.exists() and _without_dates(path.read_bytes()) != _without_dates(po):
        catalog.creation_date = catalog.revision_date = datetime.datetime.now(datetime.timezone.utc)
        po, mo = rendered(catalog)
    mo_path = path.with_suffix(".mo")
    for problem in problems:
        print(problem, file=sys.stderr)
    if check:
        stale = [p.name for p, new in ((path, po), (mo_path, mo)) if not p.exists() or p.read_bytes() != new]
        if stale:
            print(f"stale: {', '.join(stale)} for {language}; run scripts/catalog", file=sys.stderr)
        return bool(problems or stale)
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, content in ((path, po), (mo_path, mo)):
        if not target.exists() or target.read_bytes() != content:
            target.write_bytes(content)
    print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {len(problems)} problems", file=sys.stderr)
    return bool(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--add", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    failed = False
    for domain in DOMAINS:
        template = extract(domain)
        if not len(template) and not domain.po_path(LANGUAGES[0]).exists():
            continue  # a plugin that marks no message has no catalog
        for language in LANGUAGES:
            failed |= update(domain, template, language, args.add, args.check)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
