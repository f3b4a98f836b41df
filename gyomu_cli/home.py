"""The gyomu home: one folder holding configuration, ledger and stored media.

    gyomu.toml     settings the mayor sets apart from the code (Art. 15)
    ledger.db      the SQLite ledger
    objects/       the local storage backend's files
    tmp/           work files; never outlive a command
    locks/         purge and capture locks

Everything is created owner-only (folders 0700, files 0600): recordings are
personal information (Art. 6-1, Art. 13).
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli import clock
from gyomu_cli.errors import ConfigError, NotInitialised, Refused, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.retention import MINIMUM_MONTHS, check_period, parse_period

log = logging.getLogger(__name__)

CONFIG_NAME = "gyomu.toml"
LEDGER_NAME = "ledger.db"

DEFAULT_CONFIG = """\
# gyomu settings (Art. 15: set by the mayor, kept apart from the code).

# The zone in which times are shown and retention periods are reckoned.
timezone = "Asia/Tokyo"
# Who runs the system: printed on packages, notices and reports.
organization = "一宮市"
administrator_title = "財務部資産経営課長"
contact = "財務部資産経営課"

[retention]
# Defaults for every device; a device may keep longer, never shorter.
# The floor is Art. 6-2: calls 1y, images 3m.
call = "1y"
image = "3m"

[storage]
# The storage backend (see `gyomu plugins`) and its options.
backend = "local"

[calls]
# "flac" stores call audio losslessly compressed; "original" keeps the file as given.
store_as = "flac"

[requests]
# A paper request recorded by its reference number only, without a scan.
allow_reference = false
# Hours after which purge erases a viewing copy handed out for a request.
viewing_copy_hours = 24

[encryption]
# The master key that wraps every object's key: keep this file apart from the
# home, owner-only, and in a backup of its own. GYOMU_MASTER_KEY overrides it.
key_file = "{key_file}"
"""


@dataclass
class Settings:
    timezone: str = "Asia/Tokyo"
    retention_months: dict[str, int] = field(
        default_factory=lambda: dict(MINIMUM_MONTHS)
    )
    storage_backend: str = "local"
    storage_options: dict = field(default_factory=dict)
    calls_store_as: str = "flac"
    key_file: Path | None = None
    allow_document_reference: bool = False
    organization: str = "一宮市"
    administrator_title: str = "財務部資産経営課長"
    contact: str = "財務部資産経営課"
    viewing_copy_hours: float = 24.0

    @property
    def tz(self):
        return clock.zone(self.timezone)


def _read_settings(path: Path) -> Settings:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_("{path} is not valid TOML ({error}); fix the file").format(path=path, error=error)) from None
    except OSError as error:
        raise ConfigError(_("cannot read {path}: {error}").format(path=path, error=error.strerror)) from None
    settings = Settings()
    settings.timezone = str(raw.get("timezone", settings.timezone))
    clock.zone(settings.timezone)  # refuses an unknown zone now, not at first use
    for kind, text in raw.get("retention", {}).items():
        if kind not in MINIMUM_MONTHS:
            raise ConfigError(
                _("{path}: [retention] knows 'call' and 'image', not {kind!r}").format(path=path, kind=kind)
            )
        try:
            months = parse_period(str(text))
        except UsageError as error:
            raise ConfigError(_("{path}: {error}").format(path=path, error=error)) from None
        check_period(kind, months)
        settings.retention_months[kind] = months
    storage = dict(raw.get("storage", {}))
    settings.storage_backend = str(storage.pop("backend", "local"))
    settings.storage_options = storage
    store_as = str(raw.get("calls", {}).get("store_as", "flac"))
    if store_as not in ("flac", "original"):
        raise ConfigError(_("{path}: [calls] store_as is 'flac' or 'original', not {value!r}").format(path=path, value=store_as))
    settings.calls_store_as = store_as
    settings.organization = str(raw.get("organization", settings.organization))
    settings.administrator_title = str(raw.get("administrator_title", settings.administrator_title))
    settings.contact = str(raw.get("contact", settings.contact))
    requests = raw.get("requests", {})
    settings.allow_document_reference = bool(requests.get("allow_reference", False))
    try:
        settings.viewing_copy_hours = float(requests.get("viewing_copy_hours", 24))
    except (TypeError, ValueError):
        raise ConfigError(_("{path}: [requests] viewing_copy_hours is a number of hours").format(path=path)) from None
    key_file = raw.get("encryption", {}).get("key_file")
    settings.key_file = Path(key_file) if key_file else None
    return settings


def _account(uid: int | None) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, TypeError):
        return f"uid {uid}"


class Home:
    """Paths inside one gyomu home, and its settings once initialised."""

    def __init__(self, root: Path):
        self.root = root.expanduser().absolute()
        self._settings: Settings | None = None

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_NAME

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def owner_uid(self) -> int | None:
        """The service account: the OS account that owns the home."""
        try:
            return self.root.stat().st_uid
        except OSError:
            return None

    def is_initialised(self) -> bool:
        return self.ledger_path.exists()

    def require(self) -> "Home":
        if not self.root.is_dir():
            raise NotInitialised(
                _("gyomu home {root} does not exist; run `gyomu --home {root} init` first").format(root=self.root)
            )
        if not os.access(self.root, os.R_OK | os.X_OK):
            owner = _account(self.owner_uid)
            raise Refused(
                _("gyomu home {root} is open only to its service account {owner} (Art. 6-1); "
                  "run gyomu through sudo -u {owner}").format(root=self.root, owner=owner)
            )
        if not self.is_initialised():
            raise NotInitialised(
                _("{root} is not a gyomu home (no {ledger}); run `gyomu --home {root} init` first").format(
                    root=self.root, ledger=LEDGER_NAME
                )
            )
        self.warn_if_exposed()
        return self

    @property
    def settings(self) -> Settings:
        return self.load_settings()

    def load_settings(self) -> Settings:
        """The settings, read and checked once; a bad file raises ConfigError."""
        if self._settings is None:
            if self.config_path.exists():
                self._settings = _read_settings(self.config_path)
            else:
                self._settings = Settings()
        return self._settings

    def default_key_file(self) -> Path:
        """Beside the home, not in it: a copy of the home alone opens nothing."""
        return self.root.with_name(self.root.name + ".key")

    def create(self, key_file: Path) -> None:
        """Make the folders and the default configuration, owner-only."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        for sub in (self.tmp, self.locks):
            sub.mkdir(mode=0o700, exist_ok=True)
        if not self.config_path.exists():
            fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(DEFAULT_CONFIG.format(key_file=str(key_file).replace("\\", "\\\\")))

    def warn_if_exposed(self) -> None:
        """Warn when the home, its ledger or the master key can be read by other accounts."""
        key_file = self.settings.key_file if self.config_path.exists() else None
        if key_file is not None and key_file.resolve().is_relative_to(self.root.resolve()):
            log.warning(_("the master key {path} lies inside the home; keep it apart (Art. 6-1)").format(path=key_file))
        for path in (self.root, self.ledger_path, key_file):
            if path is None:
                continue
            try:
                mode = path.stat().st_mode
            except OSError:
                continue
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                log.warning(
                    _("{path} is accessible to other accounts (mode {mode}); run chmod go-rwx on it (Art. 6-1)").format(
                        path=path, mode=oct(mode & 0o777)
                    )
                )
