"""Command help in the reader's language.

The help of every command, group, option and argument is written in English
where the command is defined; scripts/catalog collects it from the command
tree into the catalog like any other message, and `translate` swaps in the
Japanese before the command line runs, when the locale is Japanese.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from gyomu_cli import i18n


def texts(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every help text under `command`, with the words that call the command it belongs to."""
    if command.help:
        yield path, command.help
    for param in command.params:
        if getattr(param, "help", None):
            yield path, param.help
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from texts(sub, (*path, name))


def translate(command: click.Command) -> None:
    """Put the reader's language into the help of `command` and everything under it."""
    if i18n.language() == "en":
        return
    words = i18n.catalog()
    stack = [command]
    while stack:
        current = stack.pop()
        if current.help:
            current.help = words.gettext(current.help)
        for param in current.params:
            if getattr(param, "help", None):
                param.help = words.gettext(param.help)
        stack.extend(getattr(current, "commands", {}).values())
