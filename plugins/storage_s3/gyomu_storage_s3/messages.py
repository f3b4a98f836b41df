"""The plugin's messages in the reader's language, from its own catalog beside the code."""

from pathlib import Path

from gyomu_cli.i18n import Messages

_ = Messages("gyomu_storage_s3", Path(__file__).parent / "locale").gettext
