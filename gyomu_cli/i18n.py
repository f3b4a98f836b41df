"""Messages in the reader's language: Japanese when the locale is Japanese, English otherwise.

Every message a person reads is written in English in the code and marked
with `_()` (or `ngettext()` where a number decides the wording); the Japanese
wording lives in the catalog `gyomu_cli/locale/ja/LC_MESSAGES/gyomu.po`,
compiled to `gyomu.mo` by `scripts/catalog`. The language follows the usual
variables, first set wins: LANGUAGE, LC_ALL, LC_MESSAGES, LANG.

Mark the template, then fill it, so that the catalog holds one entry:

    raise UsageError(_("no device named {name}; see `gyomu device list`").format(name=name))

A marked message remembers its English wording (`english(message)`): the audit
log records refusals in English whatever the operator's language, so that the
chain reads the same for every auditor.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

DOMAIN = "gyomu"
LOCALES = Path(__file__).resolve().parent / "locale"


class Text(str):
    """A message as shown, carrying its English wording along."""

    english: str

    def __new__(cls, shown: str, english: str):
        text = super().__new__(cls, shown)
        text.english = english
        return text

    def format(self, *args, **kwargs) -> Text:
        shown = str.format(self, *args, **kwargs)
        plain = self.english.format(*map(english, args), **{k: english(v) for k, v in kwargs.items()})
        return Text(shown, plain)


def english(message):
    """The English wording of a marked message (or of an error raised with one); anything else as it is."""
    if isinstance(message, Text):
        return message.english
    if isinstance(message, Exception):
        return english(message.args[0]) if len(message.args) == 1 else str(message)
    return message


@functools.cache
def _load(domain: str, localedir: str, language: str | None) -> gettext.NullTranslations:
    return gettext.translation(domain, localedir, languages=[language] if language else None, fallback=True)


def catalog(language: str | None = None) -> gettext.NullTranslations:
    """gyomu's translations for `language` (None: from the environment)."""
    return _load(DOMAIN, str(LOCALES), language)


def language() -> str:
    """'ja' when messages are shown in Japanese, else 'en'."""
    return "ja" if catalog().info().get("language", "").startswith("ja") else "en"


def _(message: str) -> Text:
    """Mark `message` for translation and return it in the reader's language."""
    return Text(catalog().gettext(message), message)


def ngettext(singular: str, plural: str, n: int) -> Text:
    """Mark a message whose wording depends on the number `n`."""
    return Text(catalog().ngettext(singular, plural, n), singular if n == 1 else plural)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now (tables, constants)."""
    return message


class Messages:
    """A plugin's own catalog, in the same language as gyomu's messages.

    A plugin keeps its messages in a domain of its own, beside its code:

        _ = Messages("gyomu_pbx_asterisk", Path(__file__).parent / "locale").gettext

    and ships `locale/ja/LC_MESSAGES/gyomu_pbx_asterisk.mo` as package data.
    Without a catalog for the reader's language the English is shown.
    """

    def __init__(self, domain: str, localedir: Path):
        self.domain = domain
        self.localedir = str(localedir)

    def gettext(self, message: str) -> Text:
        return Text(_load(self.domain, self.localedir, None).gettext(message), message)

    def ngettext(self, singular: str, plural: str, n: int) -> Text:
        shown = _load(self.domain, self.localedir, None).ngettext(singular, plural, n)
        return Text(shown, singular if n == 1 else plural)
