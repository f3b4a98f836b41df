"""The documentation keeps up with the code: hooks, command help, the example."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pluggy
import pytest
import typer
from typer.testing import CliRunner

from gyomu_cli import hookspecs
from gyomu_cli.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE = DOCS / "plugins.md"
EXAMPLE = DOCS / "example-plugin"


def hook_names() -> list[str]:
    pm = pluggy.PluginManager("gyomu")
    return sorted(
        name
        for name in dir(hookspecs)
        if pm.parse_hookspec_opts(hookspecs, name) is not None
    )


def heading_for(name: str) -> str:
    arguments = inspect.signature(getattr(hookspecs, name)).parameters
    return f"### {name}({', '.join(arguments)})"


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group under `gyomu`, as the words that call it."""
    found = []

    def walk(command, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def command_at(path: tuple[str, ...]):
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def label(path: tuple[str, ...]) -> str:
    return " ".join(("gyomu", *path))


def test_there_are_hooks_to_document():
    assert hook_names(), "no hookspec found in gyomu_cli.hookspecs"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_heading_in_the_guide(name):
    guide = GUIDE.read_text(encoding="utf-8")
    assert re.search(rf"^### {name}\(", guide, re.MULTILINE), (
        f"docs/plugins.md has no heading for the hook {name}: "
        f"add '{heading_for(name)}' to the hook reference"
    )


@pytest.mark.parametrize("name", hook_names())
def test_hook_headings_show_the_current_arguments(name):
    headings = GUIDE.read_text(encoding="utf-8").splitlines()
    assert heading_for(name) in headings, (
        f"the heading for {name} in docs/plugins.md does not match hookspecs.py; "
        f"it should read '{heading_for(name)}'"
    )


@pytest.mark.parametrize("path", command_paths(), ids=label)
def test_every_command_has_help(path):
    command = command_at(path)
    assert (command.help or "").strip(), f"`{label(path)}` has no help text"


@pytest.mark.parametrize("path", command_paths(), ids=label)
def test_help_option_works(path, monkeypatch):
    monkeypatch.delenv("GYOMU_DEBUG", raising=False)  # as a user runs it
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="gyomu")
    assert result.exit_code == 0, (
        f"`{label(path)} --help` exited {result.exit_code}: {result.stderr}"
    )
    assert result.stdout.startswith(f"Usage: {label(path)} ")
    assert result.stderr == ""


def fenced_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize(
    "relative", ["pyproject.toml", "gyomu_event_log/__init__.py"]
)
def test_worked_example_in_the_guide_matches_its_files(relative):
    source = (EXAMPLE / relative).read_text(encoding="utf-8")
    blocks = fenced_blocks(GUIDE.read_text(encoding="utf-8"))
    assert source in blocks, (
        f"docs/plugins.md must show docs/example-plugin/{relative} "
        "exactly, in a fenced block of its own"
    )


def test_links_between_pages_lead_somewhere():
    """Every relative link in the README and docs/ names a file that exists."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(root)} -> {target}")
    assert broken == []
