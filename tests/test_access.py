"""Who may run what: the permission table enforced on every command (Art. 5)."""

import json
import sqlite3

import pytest
import typer

from conftest import make_wav
from gyomu_cli.access import PERMISSIONS, ROLES, authorize
from gyomu_cli.cli import app
from gyomu_cli.errors import ExitCode

USERS = {
    "administrator": "sato",
    "operator": "suzuki",
    "section-head": "tanaka",
    "auditor": "kato",
}


@pytest.fixture
def staffed(city, tmp_path):
    for login, role, section in (("suzuki", "operator", "資産経営課"), ("tanaka", "section-head", "市民課"), ("kato", "auditor", "資産経営課")):
        result = city("user", "add", login, "--name", login.title(), "--section", section, "--role", role)
        assert result.exit_code == 0, result.stderr
    wav = make_wav(tmp_path / "c.wav")
    city("index", wav, "--device", "line-main", "--started-at", "2026-11-20T10:00", "--caller", "1", "--callee", "2")
    return city


def commands_of(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from commands_of(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name))


def test_every_command_has_a_rule():
    """init and demo make a home of their own, plugins needs none; all else is in the table."""
    everything = set(commands_of(typer.main.get_command(app)))
    assert everything - set(PERMISSIONS) == {"init", "plugins", "demo"}
    assert set(PERMISSIONS) - everything == set()


def args_for(command: str, tmp_path) -> list[str]:
    wav = tmp_path / "c2.wav"
    if not wav.exists():
        make_wav(wav, seed=9)
    return {
        "section add": ["section", "add", "税務課"],
        "device add": ["device", "add", "cam-x", "--kind", "camera", "--section", "市民課", "--location", "l", "--purpose", "p"],
        "device retire": ["device", "retire", "cam-1f-counter"],
        "device show": ["device", "show", "line-main"],
        "user add": ["user", "add", "newbie", "--name", "N", "--section", "市民課", "--role", "auditor"],
        "user disable": ["user", "disable", "kato"],
        "user passwd": ["user", "passwd", "sato"],
        "index": ["index", wav, "--device", "line-main", "--started-at", "2026-11-21T10:00", "--caller", "1", "--callee", "2"],
        "purge": ["purge", "--dry-run"],
        "hold add": ["hold", "add", "1", "--note", "n"],
        "hold release": ["hold", "release", "1"],
        "recordings show": ["recordings", "show", "1"],
        # request 999 and recording 999 do not exist: an allowed role gets "not found", not a refusal
        "request new": ["request", "new", "--requester", "tanaka", "--purpose", "dispute", "--recording", "999", "--reason", "r"],
        "request opinion": ["request", "opinion", "999", "--by", "tanaka", "--agree"],
        "request close": ["request", "close", "999"],
        "request show": ["request", "show", "999"],
        "grant": ["grant", "999"],
        "deny": ["deny", "999", "--reason", "r"],
        "view": ["view", "999", "--viewer", "tanaka", "--output", tmp_path / "out"],
        "disclose new": ["disclose", "new", "--basis", "law", "--recipient", "r", "--item", "999", "--output", tmp_path / "pkg"],
        "disclose document": ["disclose", "document", "999", tmp_path / "c2.wav"],
        "disclose return-requested": ["disclose", "return-requested", "999"],
        "disclose returned": ["disclose", "returned", "999"],
        "disclose extend": ["disclose", "extend", "999", "--reason", "r"],
        "disclose show": ["disclose", "show", "999"],
        "notice": ["notice", "no-such-device", "--by", "sato", "--how", "口頭"],
        "report annual": ["report", "annual", "--fiscal-year", "2026", "--format", "json"],
        "storage add": ["storage", "add", "s9", "--backend", "no-such-backend"],
        "storage use": ["storage", "use", "no-such-storage"],
        "storage migrate": ["storage", "migrate", "--from", "no-such", "--to", "local"],
    }.get(command, command.split())


def refusals(home) -> list[tuple]:
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute(
            "SELECT actor, acting_as, command, json_extract(detail, '$.reason') FROM audit "
            "WHERE action = 'access.refused' ORDER BY seq"
        ).fetchall()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_command(staffed, home, tmp_path, role):
    login = USERS[role]
    for command, rule in PERMISSIONS.items():
        if command == "user passwd":
            continue  # one's own password is anyone's; see test_passwords
        before = len(refusals(home))
        result = staffed("--as", login, *args_for(command, tmp_path))
        if authorize({role}, command).allowed:
            assert result.exit_code != ExitCode.REFUSED, (role, command, result.stderr)
            assert len(refusals(home)) == before
        else:
            message = f"{login} may not run `{command}`: {rule.refusal}"
            assert (result.exit_code, result.stderr) == (ExitCode.REFUSED, f"Error: {message}\n"), (role, command)
            assert result.stdout == ""
            assert refusals(home)[before:] == [("root", login, command, message)]


def test_section_head_cannot_see_phone_numbers(staffed):
    result = staffed("--as", "tanaka", "recordings", "list", "--json")
    assert result.exit_code == ExitCode.REFUSED
    assert "(Art. 5-2, Art. 7)" in result.stderr
    assert "0586" not in result.stdout + result.stderr


def test_unknown_login_for_as(staffed, home):
    result = staffed("--as", "nobody-here", "device", "list")
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr == "Error: there is no gyomu user 'nobody-here'; see `gyomu user list` (Art. 5-2)\n"
    assert refusals(home)[-1][:3] == ("root", "nobody-here", "device list")


def test_disabled_user_cannot_act(staffed):
    assert staffed("user", "disable", "suzuki").exit_code == 0
    result = staffed("--as", "suzuki", "purge")
    assert (result.exit_code, result.stderr) == (ExitCode.REFUSED, "Error: gyomu user suzuki is disabled (Art. 5-2)\n")


def test_root_without_as_acts_as_the_system_and_is_audited_so(staffed, home):
    assert staffed("purge").exit_code == 0
    with sqlite3.connect(home / "ledger.db") as db:
        actor, acting_as = db.execute("SELECT actor, acting_as FROM audit WHERE command = 'user add' LIMIT 1").fetchone()
    assert (actor, acting_as) == ("root", None)


def test_user_list_and_roles(staffed):
    listed = {u["login"]: u for u in json.loads(staffed("user", "list", "--json").stdout)}
    assert listed["sato"]["roles"] == ["administrator"]
    assert listed["tanaka"]["section"] == "市民課"
    bad = staffed("user", "add", "x", "--name", "X", "--section", "市民課", "--role", "mayor")
    assert (bad.exit_code, bad.stderr) == (
        ExitCode.USAGE,
        "Error: unknown role 'mayor'; roles are administrator, operator, section-head, auditor\n",
    )


def test_sudo_user_is_the_actor_only_for_root_or_the_service_account(staffed, home, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "tanaka")
    result = staffed("purge")
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr.startswith("Error: tanaka may not run `purge`")
    assert refusals(home)[-1] == ("tanaka", None, "purge", result.stderr[7:-1])
