"""Publication (Art. 4, 14): the installation notice and the fiscal-year report."""

import json
import shutil
import stat
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import make_mp4, make_wav
from gyomu_cli.fiscal import era_name
from gyomu_cli.errors import ExitCode

ARTIFACTS = Path(__file__).with_name("artifacts")


@pytest.mark.parametrize("year, name", [(2026, "令和8年度"), (2020, "令和2年度"), (2019, "平成31年度/令和元年度"), (2018, "平成30年度"), (1989, "平成元年度")])
def test_era_names(year, name):
    assert era_name(year) == name


def index_call(gyomu, tmp_path, started, seed):
    wav = make_wav(tmp_path / f"c{seed}.wav", seconds=2, seed=seed)
    result = gyomu("index", wav, "--device", "line-main", "--started-at", started, "--caller", "0586281234", "--callee", "0586289999")
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def year_of_records(city, home, tmp_path):
    """Fiscal 2026 (2026-04-01 to 2027-03-31, JST) with records just outside it on both sides."""
    index_call(city, tmp_path, "2025-05-01T09:00:00+09:00", 6)  # fiscal 2025, kept until 2026-05-02: erased now
    index_call(city, tmp_path, "2026-03-31T23:30:00+09:00", 1)  # fiscal 2025 (UTC says March 31 too)
    index_call(city, tmp_path, "2026-04-01T00:10:00+09:00", 2)  # fiscal 2026, though 2026-03-31 in UTC
    index_call(city, tmp_path, "2026-11-20T10:15:30+09:00", 3)
    index_call(city, tmp_path, "2027-03-31T23:59:00+09:00", 4)  # last minute of fiscal 2026
    index_call(city, tmp_path, "2027-04-01T00:00:00+09:00", 5)  # fiscal 2027
    mp4 = make_mp4(tmp_path / "s.mp4", seconds=2)
    assert city("index", mp4, "--device", "cam-1f-counter", "--started-at", "2026-08-01T09:00:00+09:00").exit_code == 0
    city("user", "add", "tanaka", "--name", "田中", "--section", "市民課", "--role", "section-head")
    city("user", "add", "suzuki", "--name", "鈴木", "--section", "資産経営課", "--role", "operator")
    city("--password-stdin", "user", "passwd", "sato", input="admin password\n")
    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 form")
    made = city("--as", "suzuki", "request", "new", "--requester", "tanaka", "--purpose", "dispute",
                "--recording", "4", "--reason", "申出", "--document", form)
    assert made.exit_code == 0, made.stderr
    city("--as", "sato", "--password-stdin", "grant", "1", input="admin password\n")
    city("--as", "suzuki", "request", "new", "--requester", "tanaka", "--purpose", "business",
         "--recording", "4", "--reason", "確認", "--document", form)
    city("--as", "sato", "--password-stdin", "deny", "2", "--reason", "目的外", input="admin password\n")
    out = tmp_path / "pkg"
    disclosed = city("--as", "sato", "--password-stdin", "disclose", "new", "--basis", "emergency",
                     "--decided-by", "mayor-office", "--recipient", "一宮警察署", "--document-pending",
                     "--item", "4@10:15:30-10:15:31", "--output", out, input="admin password\n")
    assert disclosed.exit_code == 0, disclosed.stderr
    city("--as", "tanaka", "purge")  # refused: a section head does not operate
    assert city("purge").exit_code == 0  # the image's three months are over: erased now
    return city


def test_every_count_of_the_year(year_of_records, home):
    result = year_of_records("report", "annual", "--fiscal-year", "2026", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["title"] == "令和8年度(2026年度)"
    assert report["period"] == {"from": "2026-04-01", "to": "2027-03-31"}
    assert report["devices"] == {"phone-line": 1, "camera": 1}
    assert report["recordings"]["call"]["made"] == 3
    assert report["recordings"]["image"] == {"made": 1, "hours": 0.0, "erased": 1}
    assert report["recordings"]["call"]["erased"] == 1  # the May 2025 call, erased this year
    requests = report["viewing_requests"]
    assert requests["total"] == 2 and requests["other_section"] == 0
    assert sorted((r["purpose"], r["outcome"], r["n"]) for r in requests["by_purpose_and_outcome"]) == [
        ("business", "deny", 1), ("dispute", "grant", 1)]
    disclosures = report["disclosures"]
    assert (disclosures["total"], disclosures["emergency"], disclosures["documents_pending"], disclosures["outstanding"]) == (1, 1, 1, 1)
    assert report["refused_actions"]["by_action"] == {"access.refused": 1}
    assert report["holds_placed"] == {"request": 1, "disclosure": 1}
    with sqlite3.connect(home / "ledger.db") as db:
        seq, digest = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1 OFFSET 0").fetchone()
    head_seq = int(report["audit_head"].split(":")[0])
    assert head_seq <= seq and year_of_records("audit", "verify", "--head", report["audit_head"]).exit_code == 0
    earlier = json.loads(year_of_records("report", "annual", "--fiscal-year", "2025", "--format", "json").stdout)
    assert earlier["recordings"]["call"]["made"] == 2
    assert earlier["recordings"]["call"]["erased"] == 0


def test_published_outputs_carry_nothing_personal(year_of_records, tmp_path):
    for fmt in ("table", "csv", "json", "markdown", "html"):
        text = year_of_records("report", "annual", "--fiscal-year", "2026", "--format", fmt).stdout
        assert "0586281234" not in text and "0586289999" not in text and "一宮警察署" not in text, fmt
    csv_text = year_of_records("report", "annual", "--fiscal-year", "2026", "--format", "csv", "--lang", "ja").stdout
    assert csv_text.splitlines()[0] == "fiscal_year,section,item,value"
    assert "2026,recordings,通話記録(件),3" in csv_text
    english = year_of_records("report", "annual", "--fiscal-year", "2026", "--lang", "en").stdout
    assert "Fiscal year 2026" in english and "Calls recorded" in english


def test_notice_and_signs(city, tmp_path):
    city("device", "add", "cam-interview", "--kind", "camera", "--section", "市民課", "--location", "2階 相談室",
         "--purpose", "相談対応の記録のため", "--on-demand", "--retention", "6m")
    page = tmp_path / "設置公表.html"
    assert city("report", "notice", "--format", "html", "--lang", "ja", "--output", page).exit_code == 0
    html = page.read_text()
    assert '<html lang="ja">' in html and "<th scope=\"col\">設置場所</th>" in html
    assert "相談対応の記録のため" in html and "6か月" in html and "1年" in html
    signs = tmp_path / "signs"
    assert city("report", "notice", "--signs", "--lang", "ja", "--output", signs).exit_code == 0
    assert sorted(p.name for p in signs.iterdir()) == ["sign-cam-1f-counter.html", "sign-cam-interview.html"]
    assert "録画を実施しています" in (signs / "sign-cam-interview.html").read_text()
    for published in (page, signs / "sign-cam-interview.html"):
        assert stat.S_IMODE(published.stat().st_mode) == 0o644, "published documents are world-readable"
    assert stat.S_IMODE(signs.stat().st_mode) == 0o755
    bad = city("report", "notice", "--format", "pdf")
    assert bad.exit_code == ExitCode.USAGE


def test_the_html_report_renders_in_a_browser(year_of_records, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is needed to render the report; scripts/system-packages installs it")
    page = tmp_path / "運用状況_令和8年度.html"
    assert year_of_records("report", "annual", "--fiscal-year", "2026", "--format", "html", "--lang", "ja", "--output", page).exit_code == 0
    ARTIFACTS.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "令和8年度" in dom.stdout and "通話記録(件)" in dom.stdout
    assert '<td class="n">3</td>' in dom.stdout, "the year's call total is on the page"
    shot = ARTIFACTS / "annual-report.png"
    done = subprocess.run([chromium, *flags, f"--screenshot={shot}", "--window-size=1024,1400", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.stat().st_size > 1000
