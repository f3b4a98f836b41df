"""The plugin manager: plugins load once, from the `gyomu` entry point group.

The in-tree backends are ordinary plugins with entry points of their own.
GYOMU_PLUGINS pins which plugins load: a comma-separated list of entry point
names; set but empty, no plugin loads.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points

import pluggy

from gyomu_cli import hookspecs
from gyomu_cli.errors import ConfigError
from gyomu_cli.i18n import _

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gyomu"
BACKEND_KINDS = ("storage", "pbx", "camera")

_manager: pluggy.PluginManager | None = None
_distributions: dict[str, tuple[str, str]] = {}


def manager() -> pluggy.PluginManager:
    global _manager
    if _manager is None:
        _manager = _load()
    return _manager


def reset() -> None:
    """Forget loaded plugins (tests, or after GYOMU_PLUGINS changed)."""
    global _manager
    _manager = None


def _load() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("gyomu")
    pm.add_hookspecs(hookspecs)
    pinned = os.environ.get("GYOMU_PLUGINS")
    wanted = None if pinned is None else {n.strip() for n in pinned.split(",") if n.strip()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and ep.name not in wanted:
            continue
        if pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
            pm.check_pending()
        except Exception as error:  # a broken plugin must not stop the rest
            log.error(_("plugin {name} could not be loaded: {error}").format(name=ep.name, error=error))
            if pm.get_plugin(ep.name) is not None:
                pm.unregister(name=ep.name)
            continue
        if ep.dist is not None:
            _distributions[ep.name] = (ep.dist.name, ep.dist.version)
    return pm


def backends(kind: str) -> dict[str, tuple[str, object]]:
    """Registered backends of one kind: name -> (plugin name, factory)."""
    pm = manager()
    found: dict[str, tuple[str, object]] = {}
    hook = getattr(pm.hook, f"register_{kind}_backends")
    for impl in hook.get_hookimpls():

        def register(name: str, factory, _plugin=impl.plugin_name) -> None:
            if name in found:
                raise ConfigError(
                    _("{kind} backend {name!r} is registered by both {first} and {second}; uninstall one").format(
                        kind=kind, name=name, first=found[name][0], second=_plugin
                    )
                )
            found[name] = (_plugin, factory)

        impl.function(register=register)
    return found


def backend_factory(kind: str, name: str):
    registered = backends(kind)
    if name not in registered:
        if not registered:
            raise ConfigError(
                _("no {kind} backend named {name!r} is installed (installed: none); see `gyomu plugins`").format(kind=kind, name=name)
            )
        raise ConfigError(
            _("no {kind} backend named {name!r} is installed (installed: {known}); see `gyomu plugins`").format(
                kind=kind, name=name, known=", ".join(sorted(registered))
            )
        )
    return registered[name][1]


def notify(hook_name: str, event) -> None:
    """Hand an event to each plugin in turn; one that fails is logged, the rest still hear it."""
    for impl in getattr(manager().hook, hook_name).get_hookimpls():
        try:
            impl.function(event=event)
        except Exception as error:
            log.error(_("plugin {name} failed on {hook}: {error}").format(name=impl.plugin_name, hook=hook_name, error=error))


def describe() -> list[dict]:
    """What `gyomu plugins` shows: each plugin, its hooks and its backends."""
    pm = manager()
    rows = []
    provided: dict[str, list[str]] = {}
    for kind in BACKEND_KINDS:
        for name, (plugin, _factory) in backends(kind).items():
            provided.setdefault(plugin, []).append(f"{kind}:{name}")
    for name, plugin in sorted(pm.list_name_plugin()):
        distribution, version = _distributions.get(name, (None, None))
        rows.append(
            {
                "name": name,
                "distribution": distribution,
                "version": version,
                "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
                "backends": provided.get(name, []),
            }
        )
    return rows
