"""Passwords: argon2id, asked of persons, audited, rate-limited (Art. 6-1)."""

import sqlite3

import pytest

from gyomu_cli.errors import ExitCode


@pytest.fixture
def admin_with_password(city):
    result = city("--password-stdin", "user", "passwd", "sato", input="correct horse\n")
    assert result.exit_code == 0, result.stderr
    return city


def events(home, action):
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute("SELECT actor, acting_as, object, outcome FROM audit WHERE action = ? ORDER BY seq", [action]).fetchall()


def add_as_sato(gyomu, password, login="kato"):
    return gyomu(
        "--as", "sato", "--password-stdin", "user", "add", login, "--name", "K",
        "--section", "市民課", "--role", "auditor", input=f"{password}\n",
    )


def test_hash_is_argon2id(admin_with_password, home):
    with sqlite3.connect(home / "ledger.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE login = 'sato'").fetchone()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


def test_a_person_changing_users_gives_their_password(admin_with_password, home):
    assert add_as_sato(admin_with_password, "correct horse").exit_code == 0
    assert events(home, "auth.ok") == [("root", "sato", "user:1", "ok")]


def test_wrong_password_is_refused_and_audited(admin_with_password, home):
    result = add_as_sato(admin_with_password, "wrong one")
    assert (result.exit_code, result.stderr) == (ExitCode.REFUSED, "Error: wrong password for sato (Art. 6-1)\n")
    assert events(home, "auth.failed") == [("root", "sato", "user:1", "refused")]
    users = admin_with_password("user", "list", "--json").stdout
    assert "kato" not in users


def test_five_wrong_passwords_lock_the_account(admin_with_password, home):
    for _ in range(5):
        assert add_as_sato(admin_with_password, "guess").exit_code == ExitCode.REFUSED
    locked = add_as_sato(admin_with_password, "correct horse")
    assert locked.exit_code == ExitCode.REFUSED
    assert locked.stderr.startswith("Error: too many wrong passwords for sato; try again after ")
    assert locked.stderr.endswith("(Art. 6-1)\n")
    assert len(events(home, "auth.failed")) == 5
    assert events(home, "auth.ok") == []


def test_no_password_yet_means_no_sensitive_step(city):
    result = add_as_sato(city, "anything")
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr == "Error: sato has no password yet; root sets one with `gyomu user passwd sato` (Art. 6-1)\n"


def test_without_a_terminal_or_stdin_a_password_cannot_be_asked(admin_with_password):
    result = admin_with_password("--as", "sato", "user", "add", "kato", "--name", "K", "--section", "市民課", "--role", "auditor")
    assert (result.exit_code, result.stderr) == (
        ExitCode.USAGE, "Error: a password is needed: run the command on a terminal, or pass --password-stdin\n"
    )


def test_own_password_needs_the_current_one(admin_with_password):
    changed = admin_with_password("--as", "sato", "--password-stdin", "user", "passwd", "sato", input="correct horse\nbattery staple\n")
    assert changed.exit_code == 0, changed.stderr
    assert add_as_sato(admin_with_password, "battery staple").exit_code == 0
    too_short = admin_with_password("--as", "sato", "--password-stdin", "user", "passwd", "sato", input="battery staple\nshort\n")
    assert (too_short.exit_code, too_short.stderr) == (ExitCode.USAGE, "Error: a password needs at least 8 characters\n")


def test_others_password_only_by_the_administrator(admin_with_password):
    admin_with_password("user", "add", "suzuki", "--name", "S", "--section", "資産経営課", "--role", "operator")
    admin_with_password("--password-stdin", "user", "passwd", "suzuki", input="operator pass\n")
    result = admin_with_password("--as", "suzuki", "--password-stdin", "user", "passwd", "sato", input="operator pass\nnew admin pw\n")
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr == (
        "Error: suzuki may not change the password of sato: only the administrator designates users (Art. 5-2)\n"
    )
