"""Messages and published documents in the reader's language, through the gettext catalog."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gyomu_cli import i18n

ROOT = Path(__file__).resolve().parent.parent
GYOMU = Path(sys.executable).with_name("gyomu")
sys.path.insert(0, str(ROOT / "scripts"))
import catalog  # noqa: E402  (scripts/catalog.py)


def gyomu(home: Path, *args: str, lang: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "GYOMU_DEBUG")}
    env["LANG"] = lang
    return subprocess.run([str(GYOMU), "--home", str(home), *args], capture_output=True, text=True, env=env)


def test_every_marked_message_is_translated_and_the_compiled_catalog_is_current(capsys):
    code = catalog.main(["--check"])
    assert code == 0, capsys.readouterr().err + "\nrun scripts/catalog, then translate what it lists in gyomu_cli/locale/ja/LC_MESSAGES/gyomu.po"


def test_placeholders_survive_translation():
    template = catalog.extract()
    merged, problems = catalog.merge(template, "ja", [])
    assert not [p for p in problems if p.startswith("placeholders")]
    assert len(merged) > 300, "the catalog holds gyomu's messages"


def test_an_error_in_japanese_and_in_english(tmp_path):
    missing = tmp_path / "nowhere"
    ja = gyomu(missing, "recordings", "list", lang="ja_JP.UTF-8")
    en = gyomu(missing, "recordings", "list", lang="C.UTF-8")
    assert ja.returncode == en.returncode == 3
    assert ja.stderr.startswith("エラー: ") and str(missing) in ja.stderr and "`gyomu --home" in ja.stderr
    assert en.stderr.startswith("Error: ") and "gyomu home" in en.stderr
    assert len(ja.stderr.splitlines()) == len(en.stderr.splitlines()) == 1


def test_lc_all_wins_over_lang(tmp_path):
    env_lang = gyomu(tmp_path / "x", "recordings", "list", lang="C.UTF-8")
    both = subprocess.run([str(GYOMU), "--home", str(tmp_path / "x"), "recordings", "list"], capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if k != "LANGUAGE"}, "LANG": "C.UTF-8", "LC_ALL": "ja_JP.UTF-8"})
    assert env_lang.stderr.startswith("Error: ") and both.stderr.startswith("エラー: ")


def test_a_refusal_is_shown_in_japanese_and_audited_in_english(city, home):
    assert city("user", "add", "tanaka", "--name", "田中", "--section", "市民課", "--role", "section-head").exit_code == 0
    refused = gyomu(home, "--as", "tanaka", "section", "add", "税務課", lang="ja_JP.UTF-8")
    assert refused.returncode == 4
    assert refused.stderr.startswith("エラー: ") and "tanaka" in refused.stderr
    with sqlite3.connect(home / "ledger.db") as db:
        (detail,) = db.execute("SELECT detail FROM audit WHERE action = 'access.refused' ORDER BY seq DESC LIMIT 1").fetchone()
    reason = json.loads(detail)["reason"]
    assert "may not run `section add`" in reason and not any("\u3040" <= ch <= "\u30ff" for ch in reason)


def test_table_headers_follow_the_locale_and_json_does_not(city, home):
    ja = gyomu(home, "device", "list", lang="ja_JP.UTF-8")
    en = gyomu(home, "device", "list", lang="C.UTF-8")
    assert ja.returncode == en.returncode == 0
    assert "機器" in ja.stdout.splitlines()[0] or "名前" in ja.stdout.splitlines()[0]
    assert ja.stdout.splitlines()[0] != en.stdout.splitlines()[0]
    as_json = gyomu(home, "device", "list", "--json", lang="ja_JP.UTF-8")
    assert json.loads(as_json.stdout) == json.loads(gyomu(home, "device", "list", "--json", lang="C.UTF-8").stdout)


@pytest.mark.parametrize("lang, title", [("ja_JP.UTF-8", "業務記録システムの設置について"), ("C.UTF-8", "Recording devices installed")])
def test_published_notice_defaults_to_the_readers_language(city, home, lang, title):
    done = gyomu(home, "report", "notice", lang=lang)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(title)


def test_lang_option_overrides_the_locale(city, home):
    done = gyomu(home, "report", "notice", "--lang", "en", lang="ja_JP.UTF-8")
    assert done.stdout.startswith("Recording devices installed")
    assert "1 year" in done.stdout and "3 months" in done.stdout
    bad = gyomu(home, "report", "notice", "--lang", "fr", lang="C.UTF-8")
    assert bad.returncode == 2 and bad.stderr == "Error: --lang is ja or en, not 'fr'\n"


def test_text_keeps_its_english_through_format():
    shown = i18n.Text("{n} 件", "{n} items").format(n=3)
    assert shown == "3 件" and i18n.english(shown) == "3 items"
    nested = i18n.Text("{inner} です", "it is {inner}").format(inner=i18n.Text("許可", "granted"))
    assert i18n.english(nested) == "it is granted"
    assert i18n.english(ValueError(i18n.Text("誤り", "wrong"))) == "wrong"


def test_a_plugins_message_comes_from_its_own_catalog(city, home):
    add = ("device", "add", "cam-2f", "--kind", "camera", "--section", "市民課", "--location", "2階",
           "--purpose", "窓口対応の記録のため", "--backend", "camera_rtsp")
    ja = gyomu(home, *add, lang="ja_JP.UTF-8")
    en = gyomu(home, *add, lang="C.UTF-8")
    assert ja.returncode == en.returncode == 2
    assert ja.stderr.startswith("エラー: 機器 cam-2f は追加していません: ") and "機器オプション url" in ja.stderr
    assert "needs the device option url" in en.stderr


def test_every_plugin_in_the_tree_ships_its_catalog():
    for domain in catalog.DOMAINS[1:]:
        assert domain.po_path("ja").with_suffix(".mo").exists(), f"{domain.name} has no compiled Japanese catalog"
        pyproject = (domain.package.parent / "pyproject.toml").read_text()
        assert "locale/*/LC_MESSAGES/*.mo" in pyproject, f"{domain.name}'s catalog is not in its package data"


def test_command_help_in_the_readers_language(tmp_path):
    ja = gyomu(tmp_path, "request", "new", "--help", lang="ja_JP.UTF-8")
    en = gyomu(tmp_path, "request", "new", "--help", lang="C.UTF-8")
    assert ja.returncode == en.returncode == 0
    assert "--requester" in ja.stdout and "--requester" in en.stdout
    assert "視聴" in ja.stdout, ja.stdout
    assert not any("\u3040" <= ch <= "\u30ff" for ch in en.stdout)


def test_japanese_help_fits_the_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    for words in (["--help"], ["capture", "--help"], ["disclose", "new", "--help"], ["device", "add", "--help"]):
        done = subprocess.run([str(GYOMU), *words], capture_output=True, text=True,
                              env={**env, "LANG": "ja_JP.UTF-8", "COLUMNS": "80"})
        assert done.returncode == 0
        from gyomu_cli.cli.help_text import width
        lines = done.stdout.splitlines()
        assert [line for line in lines if width(line) > 80] == [], words
        assert not [line for line in lines if line.strip().startswith(("。", "、", "）"))], words


def test_wrapping_breaks_between_japanese_characters_and_keeps_words_whole():
    from gyomu_cli.cli.help_text import width, wrap

    text = "保存期間が終わり、保全もされていない記録を消去する（要綱第6条第2項）。`gyomu purge --list` で確認する。"
    lines = wrap(text, 30, "  ", "  ").splitlines()
    assert all(width(line) <= 30 for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert any("--list" in line for line in lines), "an option is never cut in two"
