"""Real OS accounts: the service account, a person through sudo, a stranger.

These tests create throwaway OS accounts and therefore run only as root.
sudo itself is not installed here; `runuser` switches the account and sets
SUDO_USER exactly as `sudo -u SERVICE` would.
"""

import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from gyomu_cli.errors import ExitCode

ACCOUNTS = {"service": "gtsvc", "head": "gttanaka", "stranger": "gtstranger"}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creating OS accounts needs root")


def _interpreter(account: str) -> list[str] | None:
    """A Python this account may execute, with gyomu's packages on its path."""
    site = sysconfig.get_paths()["purelib"]
    boot = f"import site, sys; site.addsitedir({site!r}); sys.argv[0] = 'gyomu'; from gyomu_cli.cli import main; main()"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (os.path.realpath(sys.executable), f"/usr/bin/{version}"):
        probe = subprocess.run(["runuser", "-u", account, "--", python, "-c", boot, "--version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [python, "-c", boot]
    return None


@pytest.fixture(scope="module")
def accounts():
    for name in ACCOUNTS.values():
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], capture_output=True)
    command = _interpreter(ACCOUNTS["service"])
    if command is None:
        for name in ACCOUNTS.values():
            subprocess.run(["userdel", name], capture_output=True)
        pytest.skip("no Python that an unprivileged account can run reaches gyomu's packages")
    yield command
    for name in ACCOUNTS.values():
        subprocess.run(["userdel", name], capture_output=True)


@pytest.fixture
def service_home(accounts, gyomu, home):
    """A home owned by the service account, like /srv/gyomu in production."""
    base = Path(tempfile.mkdtemp(prefix="gyomu-os-"))
    os.chmod(base, 0o755)
    target = base / "home"
    assert gyomu("init", "--admin", "sato", "--name", "佐藤", "--section", "資産経営課", "--key-file", base / "home.key").exit_code == 0
    shutil.copytree(home, target, symlinks=True)
    shutil.copy2(base / "home.key", base / "home.key.bak")
    config = target / "gyomu.toml"
    config.write_text(config.read_text())  # key_file already names base/home.key
    service = pwd.getpwnam(ACCOUNTS["service"])
    for path in [target, *target.rglob("*"), base / "home.key"]:
        os.chown(path, service.pw_uid, service.pw_gid)
    yield target
    shutil.rmtree(base)


def run(accounts, account, home, *args, sudo_user=None):
    env = ["env", f"GYOMU_HOME={home}"] + ([f"SUDO_USER={sudo_user}"] if sudo_user else [])
    return subprocess.run(
        ["runuser", "-u", account, "--", *env, *accounts, *map(str, args)],
        capture_output=True, text=True, cwd="/",
    )


def audit_rows(home, action):
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute("SELECT actor, acting_as, command FROM audit WHERE action = ? ORDER BY seq", [action]).fetchall()


def test_service_account_runs_the_jobs_as_the_system(accounts, service_home):
    done = run(accounts, ACCOUNTS["service"], service_home, "purge")
    assert (done.returncode, done.stderr) == (0, "")
    listed = run(accounts, ACCOUNTS["service"], service_home, "device", "list", "--json")
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"


def test_a_person_through_sudo_is_the_actor(accounts, service_home):
    svc = ACCOUNTS["service"]
    head = ACCOUNTS["head"]
    added = run(accounts, svc, service_home, "user", "add", head, "--name", "田中", "--section", "資産経営課", "--role", "section-head")
    assert added.returncode == 0, added.stderr
    refused = run(accounts, svc, service_home, "purge", sudo_user=head)
    assert refused.returncode == ExitCode.REFUSED
    assert refused.stderr == (
        f"Error: {head} may not run `purge`: only operators designated by the administrator may operate the system (Art. 5-2)\n"
    )
    assert audit_rows(service_home, "access.refused") == [(head, None, "purge")]
    allowed = run(accounts, svc, service_home, "device", "list", sudo_user=head)
    assert allowed.returncode == 0


def test_an_unregistered_person_through_sudo_is_refused(accounts, service_home):
    stranger = ACCOUNTS["stranger"]
    done = run(accounts, ACCOUNTS["service"], service_home, "device", "list", sudo_user=stranger)
    assert done.returncode == ExitCode.REFUSED
    assert done.stderr == (
        f"Error: OS account {stranger} is not a gyomu user; the administrator adds users with `gyomu user add` (Art. 5-2)\n"
    )
    assert audit_rows(service_home, "access.refused") == [(stranger, None, "device list")]


def test_only_root_may_act_as_another(accounts, service_home):
    done = run(accounts, ACCOUNTS["service"], service_home, "--as", "sato", "device", "list")
    assert done.returncode == ExitCode.REFUSED
    assert done.stderr == f"Error: only root may act as another user (--as); {ACCOUNTS['service']} runs as itself (Art. 5-2)\n"


def test_a_stranger_cannot_open_the_home_at_all(accounts, service_home):
    done = run(accounts, ACCOUNTS["stranger"], service_home, "recordings", "list")
    assert done.returncode == ExitCode.REFUSED
    assert done.stderr == (
        f"Error: gyomu home {service_home} is open only to its service account {ACCOUNTS['service']} (Art. 6-1); "
        f"run gyomu through sudo -u {ACCOUNTS['service']}\n"
    )
    assert "Traceback" not in done.stderr


def test_sudo_user_set_by_a_stranger_is_not_believed(accounts, service_home):
    """Anyone can set SUDO_USER; only root and the service account are believed."""
    from gyomu_cli.identity import invoker

    service_uid = pwd.getpwnam(ACCOUNTS["service"]).pw_uid
    stranger_uid = pwd.getpwnam(ACCOUNTS["stranger"]).pw_uid
    env = {"SUDO_USER": "sato"}
    assert invoker(stranger_uid, service_uid, env) == ACCOUNTS["stranger"]
    assert invoker(service_uid, service_uid, env) == "sato"
    assert invoker(0, service_uid, env) == "sato"
