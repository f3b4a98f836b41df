"""docs/commands keeps up with the command line: a page per command, and no more.

Each leaf command `gyomu a b` has docs/commands/a-b.md, titled `# gyomu a b`,
naming every long option and argument the command takes, with an example of
the command in use; docs/commands/README.md links every page.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import typer
from test_docs import command_paths, label

from gyomu_cli.cli import app

PAGES = Path(__file__).resolve().parent.parent / "docs" / "commands"
INDEX = PAGES / "README.md"


@functools.cache
def root_command():
    return typer.main.get_command(app)


def command_at(path: tuple[str, ...]):
    command = root_command()
    for name in path:
        command = command.commands[name]
    return command


@functools.cache
def leaf_paths() -> list[tuple[str, ...]]:
    """The commands that run something, as opposed to the groups that hold them."""
    return [path for path in command_paths() if path and not hasattr(command_at(path), "commands")]


def page_name(path: tuple[str, ...]) -> str:
    return "-".join(path) + ".md"


def page_text(path: tuple[str, ...]) -> str:
    page = PAGES / page_name(path)
    if not page.exists():
        pytest.fail(f"docs/commands/{page.name} is missing: write the page for `{label(path)}`")
    return page.read_text(encoding="utf-8")


def long_options(path: tuple[str, ...]) -> list[str]:
    names = []
    for param in command_at(path).params:
        if isinstance(param, typer.core.TyperArgument):
            continue
        names += [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
    return names


def arguments(path: tuple[str, ...]) -> list[str]:
    """Arguments as the help shows them: the metavar, else the name in capitals."""
    return [
        param.metavar or param.name.upper()
        for param in command_at(path).params
        if isinstance(param, typer.core.TyperArgument)
    ]


def section(text: str, heading: str) -> str:
    """The body under `## heading`, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def fenced_lines(text: str) -> list[str]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def global_options_with_values() -> set[str]:
    return {
        opt
        for param in root_command().params
        if not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for opt in param.opts
    }


def invokes(line: str, path: tuple[str, ...], valued: set[str]) -> bool:
    """Does this line run `gyomu [global options] PATH ...`?"""
    tokens = line.split()
    for start, token in enumerate(tokens):
        if token != "gyomu" and not token.endswith("/gyomu"):
            continue
        rest, i = tokens[start + 1 :], 0
        while i < len(rest) and rest[i].startswith("-"):
            takes_value = rest[i] in valued
            i += 2 if takes_value else 1
        if tuple(rest[i : i + len(path)]) == path:
            return True
    return False


def test_there_are_commands_to_document():
    assert len(leaf_paths()) > 20, "the command list came out nearly empty"


@pytest.mark.parametrize("path", leaf_paths(), ids=label)
def test_every_command_has_a_page_with_its_title(path):
    first_line = page_text(path).splitlines()[0]
    assert first_line == f"# {label(path)}", (
        f"docs/commands/{page_name(path)} must start with the title '# {label(path)}'"
    )


def test_every_page_is_for_a_command():
    expected = {page_name(path) for path in leaf_paths()}
    pages = {page.name for page in PAGES.glob("*.md")} - {INDEX.name}
    assert sorted(pages - expected) == [], (
        "these pages in docs/commands name no command (renamed or removed?)"
    )


@pytest.mark.parametrize("path", leaf_paths(), ids=label)
def test_page_names_every_option(path):
    text = page_text(path)
    missing = [
        option
        for option in long_options(path)
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text)
    ]
    assert missing == [], (
        f"docs/commands/{page_name(path)} does not mention {', '.join(missing)} "
        f"of `{label(path)}`"
    )


@pytest.mark.parametrize("path", [p for p in leaf_paths() if arguments(p)], ids=label)
def test_page_names_every_argument(path):
    text = page_text(path)
    missing = [name for name in arguments(path) if not re.search(rf"\b{re.escape(name)}\b", text)]
    assert missing == [], (
        f"docs/commands/{page_name(path)} does not mention the argument(s) {', '.join(missing)} "
        f"of `{label(path)}`"
    )


@pytest.mark.parametrize("path", leaf_paths(), ids=label)
def test_page_has_an_example_of_the_command(path):
    examples = section(page_text(path), "Examples")
    valued = global_options_with_values()
    assert any(invokes(line, path, valued) for line in fenced_lines(examples)), (
        f"docs/commands/{page_name(path)} needs an '## Examples' section with a fenced "
        f"block that runs `{label(path)}`"
    )


def test_the_index_links_every_page():
    index = INDEX.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", index))
    missing = sorted(page_name(path) for path in leaf_paths() if page_name(path) not in linked)
    assert missing == [], "docs/commands/README.md does not link these pages"


def test_example_detection_is_strict():
    """The example check accepts the command behind global options, and nothing else."""
    valued = global_options_with_values()
    assert invokes("gyomu --home /srv/g --as sato request new --requester x", ("request", "new"), valued)
    assert invokes("sudo -u gyomu /opt/gyomu/.venv/bin/gyomu -q purge", ("purge",), valued)
    assert not invokes("gyomu request list --open", ("request", "new"), valued)
    assert not invokes("gyomu --home purge", ("purge",), valued)  # purge is the home here
    assert not invokes("run purge", ("purge",), valued)
