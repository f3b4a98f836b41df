"""init, sections and devices: the registry of Art. 3, and its refusals."""

import json
import stat

from gyomu_cli.errors import ExitCode


def test_init_makes_an_owner_only_home(gyomu, home):
    result = gyomu("init", "--admin", "sato", "--name", "佐藤 一郎", "--section", "資産経営課")
    assert result.exit_code == 0
    assert "Initialised" in result.stderr and result.stdout == ""
    for path in (home, home / "tmp", home / "locks"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in (home / "ledger.db", home / "gyomu.toml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sections = json.loads(gyomu("section", "list", "--json").stdout)
    assert [(s["name"], s["users"]) for s in sections] == [("資産経営課", 1)]


def test_init_twice_changes_nothing(city, home):
    before = (home / "ledger.db").read_bytes()
    result = city("init", "--admin", "x", "--name", "X", "--section", "Y")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"Error: {home} is already a gyomu home; nothing was changed\n"
    assert (home / "ledger.db").read_bytes() == before


def test_commands_refuse_a_missing_home(gyomu, home):
    result = gyomu("device", "list")
    assert result.exit_code == ExitCode.NOT_READY
    assert result.stderr == (
        f"Error: gyomu home {home} does not exist; run `gyomu --home {home} init` first\n"
    )


def test_home_from_environment(tmp_path):
    from typer.testing import CliRunner

    from gyomu_cli.cli import app

    env = {"GYOMU_HOME": str(tmp_path / "env-home")}
    runner = CliRunner()
    made = runner.invoke(app, ["init", "--admin", "a", "--name", "A", "--section", "S"], env=env)
    assert made.exit_code == 0
    assert (tmp_path / "env-home" / "ledger.db").exists()
    listed = runner.invoke(app, ["section", "list", "--json"], env=env)
    assert json.loads(listed.stdout)[0]["name"] == "S"


def test_device_registered_with_its_published_facts(city):
    device = json.loads(city("device", "show", "line-main", "--json").stdout)
    assert device["kind"] == "phone-line"
    assert device["section"] == "市民課"
    assert device["purpose"] == "窓口対応の記録のため"
    assert device["retention"] == "1y"
    camera = json.loads(city("device", "show", "cam-1f-counter", "--json").stdout)
    assert camera["retention"] == "3m"


def test_longer_retention_is_kept(city):
    result = city(
        "device", "add", "cam-2f", "--kind", "camera", "--section", "市民課",
        "--location", "2F", "--purpose", "p", "--retention", "6m",
    )
    assert result.exit_code == 0
    assert json.loads(city("device", "show", "cam-2f", "--json").stdout)["retention_months"] == 6


def test_retention_below_the_floor_is_refused(city):
    result = city(
        "device", "add", "line-short", "--kind", "phone-line", "--section", "市民課",
        "--location", "x", "--purpose", "y", "--retention", "6m",
    )
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr == (
        "Error: retention 6m is shorter than the minimum for call records: at least 1y (Art. 6-2)\n"
    )
    assert city("device", "show", "line-short").exit_code == ExitCode.USAGE


def test_configured_retention_below_the_floor_stops_every_command(city, home):
    config = home / "gyomu.toml"
    config.write_text(config.read_text().replace('image = "3m"', 'image = "2m"'))
    result = city("device", "list")
    assert result.exit_code == ExitCode.REFUSED
    assert "at least 3m (Art. 6-2)" in result.stderr


def test_bad_device_input(city):
    cases = [
        (["--kind", "fax", "--section", "市民課"], "device kind 'fax' is unknown; use phone-line or camera"),
        (["--kind", "camera", "--section", "税務課"], "no section named '税務課'"),
    ]
    for options, message in cases:
        result = city("device", "add", "dev-x", *options, "--location", "l", "--purpose", "p")
        assert result.exit_code == ExitCode.USAGE
        assert message in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    again = city(
        "device", "add", "line-main", "--kind", "camera", "--section", "市民課",
        "--location", "l", "--purpose", "p",
    )
    assert again.exit_code == ExitCode.USAGE
    assert again.stderr == "Error: device line-main already exists\n"


def test_retire_keeps_the_device_listed_with_all(city):
    assert city("device", "retire", "cam-1f-counter").exit_code == 0
    names = [d["name"] for d in json.loads(city("device", "list", "--json").stdout)]
    assert names == ["line-main"]
    every = json.loads(city("device", "list", "--all", "--json").stdout)
    assert [d["active"] for d in every] == [True, False]


def test_every_change_is_audited(city, home):
    import sqlite3

    with sqlite3.connect(home / "ledger.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions == [
        "home.initialised",
        "section.added",
        "user.added",
        "vault.key_recorded",
        "section.added",
        "device.added",
        "device.added",
    ]
