"""Command help in the reader's language.

The help of every command, group, option and argument is written in English
where the command is defined; scripts/catalog collects it from the command
tree into the catalog like any other message, and `translate` swaps in the
Japanese before the command line runs, when the locale is Japanese.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterator

import click

from gyomu_cli import i18n

# Characters a line does not start with, and does not end with (Japanese line breaking).
NO_START = set("、。，．・：；？！ー）」』】〕")
NO_END = set("（「『【〔")
PIECES = re.compile(r"\s+|[\x21-\x7e]+|.", re.S)


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
            first = current.help.split("\n\n")[0].strip()
            if "。" in first:  # click cuts a summary at ". ", which Japanese does not have
                current.short_help = first.split("。")[0] + "。"
        for param in current.params:
            if getattr(param, "help", None):
                param.help = words.gettext(param.help)
        stack.extend(getattr(current, "commands", {}).values())
    _wrap_by_display_width(command)


def width(text: str) -> int:
    """Columns `text` takes on a terminal: a Japanese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, limit: int = 78, initial_indent: str = "", subsequent_indent: str = "",
         preserve_paragraphs: bool = False) -> str:
    """click's wrap_text, measuring by display width and breaking between Japanese characters too.

    A line never starts with a closing mark such as 。 or ）: the character
    before it moves down with it, as Japanese typesetting does.
    """
    paragraphs = re.split(r"\n\s*\n", text.expandtabs()) if preserve_paragraphs else [text]
    done = []
    for paragraph in paragraphs:
        if paragraph.strip():
            done.append("\n".join(_lines(paragraph, limit, initial_indent, subsequent_indent)))
    return "\n\n".join(done)


def _lines(paragraph: str, limit: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line: list[str] = []  # pieces: words, single Japanese characters, single spaces
    for piece in PIECES.findall(" ".join(paragraph.split())):
        if piece.isspace():
            if line:
                line.append(" ")
            continue
        indent = rest if lines else first
        if line and width(indent) + width("".join(line).rstrip() + piece) > limit:
            carried: list[str] = []
            following = piece
            while len(line) > 1 and (following[0] in NO_START or line[-1][-1:] in NO_END):
                following = line.pop()  # a closing mark goes down with the character before it
                carried.insert(0, following)
            lines.append(indent + "".join(line).rstrip())
            line = carried[1:] if carried[:1] == [" "] else carried
        line.append(piece)
    if line:
        lines.append((rest if lines else first) + "".join(line).rstrip())
    return lines


def _wrap_by_display_width(command: click.Command) -> None:
    """Have the command line's help formatter measure and wrap Japanese text as a terminal shows it.

    click (as typer ships it, or on its own) counts characters and breaks only
    at spaces, so a Japanese help line comes out twice as wide as the terminal.
    Its formatting module is found from the command's own class; when it has
    not the two functions replaced here, help is left as click makes it.
    """
    for cls in type(command).__mro__:
        if cls.__name__ == "Command" and cls.__module__.endswith(".core"):
            formatting = importlib.import_module(cls.__module__.rpartition(".")[0] + ".formatting")
            if hasattr(formatting, "wrap_text") and hasattr(formatting, "term_len"):
                formatting.wrap_text = wrap
                formatting.term_len = width
            return
