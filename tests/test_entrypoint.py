"""The installed `gyomu` command, run as a user or cron runs it."""

import os
import subprocess
import sys
from pathlib import Path

GYOMU = Path(sys.executable).with_name("gyomu")


def user_env(**extra) -> dict:
    """The environment a user has: no debug switch from the test session."""
    env = {k: v for k, v in os.environ.items() if k not in ("GYOMU_DEBUG", "SUDO_USER")}
    return {**env, **extra}


def run(*args, home):
    env = user_env(GYOMU_HOME=str(home))
    return subprocess.run([str(GYOMU), *map(str, args)], capture_output=True, text=True, env=env)


def test_bad_input_is_one_line_without_traceback(tmp_path):
    home = tmp_path / "h"
    assert run("init", "--admin", "a", "--name", "A", "--section", "S", home=home).returncode == 0
    cases = [
        (["index", tmp_path / "nothing.wav", "--device", "x"], 2),
        (["device", "add", "d", "--kind", "camera", "--section", "S", "--location", "l", "--purpose", "p", "--retention", "1m"], 4),
        (["recordings", "list", "--since", "last week"], 2),
        (["hold", "release", "7"], 2),
    ]
    for args, code in cases:
        done = run(*args, home=home)
        assert done.returncode == code, (args, done.stderr)
        assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_corrupt_ledger_is_one_line(tmp_path):
    home = tmp_path / "h"
    run("init", "--admin", "a", "--name", "A", "--section", "S", home=home)
    (home / "ledger.db").write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        (home / f"ledger.db{suffix}").unlink(missing_ok=True)
    done = run("device", "list", home=home)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: the ledger cannot be used: file is not a database")
    assert "Traceback" not in done.stderr


def test_version_and_help():
    done = subprocess.run([str(GYOMU), "--version"], capture_output=True, text=True, env=user_env())
    assert done.stdout.startswith("gyomu ")
    for args in (["purge", "--help"], ["device", "--help"], ["device", "add", "--help"]):
        helped = subprocess.run([str(GYOMU), *args], capture_output=True, text=True, env=user_env())
        assert (helped.returncode, helped.stderr) == (0, ""), args
        assert helped.stdout.startswith("Usage: gyomu") and "\x1b[" not in helped.stdout


def test_usage_errors_exit_2_without_traceback():
    for args in (["nosuch"], ["device", "add", "--bogus"], ["purge", "--wait", "soon"]):
        done = subprocess.run([str(GYOMU), *args], capture_output=True, text=True, env=user_env())
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and "Error" in done.stderr
