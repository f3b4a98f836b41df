"""This plugin's messages in the reader's language, from the catalog shipped beside its code."""

from pathlib import Path

from gyomu_cli.i18n import Messages

_ = Messages("gyomu_storage_local", Path(__file__).parent / "locale").gettext
