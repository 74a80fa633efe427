"""Plugin discovery and the three ways services call plugins.

* :func:`run_filters` for content filters: each plugin is called on its own, so one that
  raises is named in the log and turns into a ``require_approval`` verdict (fail closed).
* :func:`fire` for events: errors are logged and swallowed; the write already committed.
* :func:`render_slot` for template slots: errors are logged and the slot renders empty.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask import Flask, current_app, has_request_context, request, url_for
from markupsafe import Markup

from . import spec as hookspecs
from . import store
from .fields import FORM_FIELD_PREFIX
from .verdicts import FilterContext, Verdict, VerdictKind, VerdictOrigin, combine

log = logging.getLogger(__name__)

NAMESPACE = "forum_plugins"
ENTRY_POINT_GROUP = "forum.plugins"
# Core hook implementations are registered by their domain's init_app under this prefix;
# their verdicts carry origin "core".
CORE_PREFIX = "core:"


class PluginInfo:
    """What the admin UI shows about a discovered plugin, loaded or not."""

    def __init__(self, plugin_id: str, source: str, path: Path | None, enabled: bool) -> None:
        self.id = plugin_id
        self.source = source  # "folder" | "package"
        self.path = path
        self.enabled = enabled
        self.loaded = False
        self.error: str | None = None
        self.module: ModuleType | None = None

    @property
    def name(self) -> str:
        return str(getattr(self.module, "__plugin_name__", self.id.replace("_", " ").title()))

    @property
    def description(self) -> str:
        return str(getattr(self.module, "__plugin_description__", "") or (self.module.__doc__ or "").strip())

    @property
    def version(self) -> str:
        return str(getattr(self.module, "__version__", ""))


def _import_folder_plugin(plugin_id: str, path: Path) -> ModuleType:
    # A synthetic namespace keeps plugin module names from clashing with installed packages.
    if NAMESPACE not in sys.modules:
        ns = ModuleType(NAMESPACE)
        ns.__path__ = []
        sys.modules[NAMESPACE] = ns
    name = f"{NAMESPACE}.{plugin_id}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import plugin {plugin_id} from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def discover(plugin_dirs: Iterable[str]) -> list[tuple[str, str, Path | None, Any]]:
    """Every available plugin as (id, source, path, entry point or None), not imported."""
    found: dict[str, tuple[str, str, Path | None, Any]] = {}
    for directory in plugin_dirs:
        base = Path(directory)
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (child / "__init__.py").is_file() and child.name.isidentifier():
                found.setdefault(child.name, (child.name, "folder", child, None))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, (ep.name, "package", None, ep))
    return list(found.values())


def init_app(app: Flask, disabled: set[str]) -> pluggy.PluginManager:
    """Create the app's plugin manager and load the enabled plugins (not started yet: the
    domains register their core hook implementations first, then :func:`start` runs)."""
    pm = pluggy.PluginManager("forum")
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    safe_mode = bool(app.config.get("SAFE_MODE"))
    for plugin_id, source, path, ep in discover(app.config["PLUGIN_DIRS"]):
        info = PluginInfo(plugin_id, source, path, enabled=plugin_id not in disabled)
        infos[plugin_id] = info
        if safe_mode or not info.enabled:
            pm.set_blocked(plugin_id)  # never imported
            continue
        try:
            module = _import_folder_plugin(plugin_id, path) if path else ep.load()
            pm.register(module, name=plugin_id)
            info.module = module
            info.loaded = True
        except Exception as exc:  # a broken plugin must not take the site down
            log.exception("plugin %s failed to load", plugin_id)
            info.error = f"{type(exc).__name__}: {exc}"
    app.extensions["forum.plugins"] = pm
    app.extensions["forum.plugin_infos"] = infos
    app.extensions["forum.safe_mode"] = safe_mode
    return pm


def register_core(app: Flask, implementation: Any, name: str) -> None:
    """A domain's own hook implementations (called from its init_app), named ``core:<name>``."""
    plugin_manager(app).register(implementation, name=CORE_PREFIX + name)


def start(app: Flask) -> None:
    """After every domain registered its core hooks: check the specs, then start plugins."""
    pm = plugin_manager(app)
    pm.check_pending()  # a misspelt hook name fails loudly at start-up
    app.extensions["forum.plugin_schemas"] = store.gather_schemas(pm)
    store.init_app(app)
    _add_package_translations(app, app.extensions["forum.plugin_infos"])
    pm.hook.forum_load_app(app=app)
    pm.hook.forum_load_blueprints(app=app)


def _add_package_translations(app: Flask, infos: dict[str, PluginInfo]) -> None:
    """Folder plugins' catalogs are found by forum.i18n; installed packages' are added here."""
    babel_config = app.extensions.get("babel")
    dirs = getattr(babel_config, "translation_directories", None)
    if not isinstance(dirs, list):
        return
    for info in infos.values():
        if info.source != "package" or info.module is None or not getattr(info.module, "__file__", None):
            continue
        folder = Path(str(info.module.__file__)).parent / "translations"
        if folder.is_dir() and str(folder) not in dirs:
            dirs.append(str(folder))


def plugin_manager(app: Flask | None = None) -> pluggy.PluginManager:
    return (app or current_app).extensions["forum.plugins"]


def plugin_infos() -> dict[str, PluginInfo]:
    return current_app.extensions["forum.plugin_infos"]


_EXTRAS_KEY = "forum.plugin_form_extras"


def use_form_extras(form_name: str, form: Mapping[str, Any] | None = None) -> None:
    """Called by a view before its service: hand the plugins' extra form inputs to the filters.

    Every submitted field named ``pf_<plugin>__<name>`` (see ``forum_tpl_form_fields``), plus
    ``"form": form_name``, reaches ``FilterContext.extra`` and ``form_data["extra"]`` of the
    filters run during this request.
    """
    data = form if form is not None else request.form
    extras: dict[str, Any] = {"form": form_name}
    extras.update({k: str(v) for k, v in data.items() if k.startswith(FORM_FIELD_PREFIX)})
    request.environ[_EXTRAS_KEY] = extras  # request-scoped: never leaks into another request


def form_extras() -> dict[str, Any]:
    if not has_request_context():
        return {}
    return dict(request.environ.get(_EXTRAS_KEY) or {})


def _with_extras(kwargs: dict[str, Any]) -> dict[str, Any]:
    extras = form_extras()
    if not extras:
        return kwargs
    kwargs = dict(kwargs)
    context = kwargs.get("context")
    if isinstance(context, FilterContext):
        kwargs["context"] = dataclasses.replace(context, extra={**extras, **context.extra})
    elif isinstance(context, dict):
        kwargs["context"] = {**context, "extra": {**extras, **context.get("extra", {})}}
    form_data = kwargs.get("form_data")
    if isinstance(form_data, dict):
        kwargs["form_data"] = {**form_data, "extra": {**extras, **form_data.get("extra", {})}}
    return kwargs


def run_filters(hook_name: str, **kwargs: Any) -> tuple[Verdict, list[Verdict]]:
    """Call every implementation of a filter hook; returns (combined, all verdicts).

    A plugin returns a Verdict, a list of Verdicts (e.g. censor AND flag) or None.
    """
    pm = plugin_manager()
    caller = getattr(pm.hook, hook_name)
    kwargs = _with_extras(kwargs)
    verdicts: list[Verdict] = []
    for impl in caller.get_hookimpls():
        origin = VerdictOrigin.CORE if impl.plugin_name.startswith(CORE_PREFIX) else VerdictOrigin.PLUGIN
        try:
            outcome = impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception as exc:
            log.exception("plugin %s raised in %s", impl.plugin_name, hook_name)
            outcome = Verdict(VerdictKind.REQUIRE_APPROVAL, f"plugin {impl.plugin_name} failed: {type(exc).__name__}",
                              failed=True)
        if outcome is None:
            continue
        outcomes = list(outcome) if isinstance(outcome, list | tuple) else [outcome]
        for item in outcomes:
            verdict = item
            if not isinstance(verdict, Verdict):
                log.error("plugin %s returned %r from %s, not a Verdict", impl.plugin_name, item, hook_name)
                verdict = Verdict(VerdictKind.REQUIRE_APPROVAL,
                                  f"plugin {impl.plugin_name} returned an invalid verdict", failed=True)
            verdicts.append(dataclasses.replace(verdict, plugin=impl.plugin_name, origin=origin))
    return combine(verdicts), verdicts


def admin_links() -> dict[str, list[tuple[str, str]]]:
    """Each plugin's admin pages as (label, url), from ``forum_gather_admin_links``."""
    links: dict[str, list[tuple[str, str]]] = {}
    for impl in plugin_manager().hook.forum_gather_admin_links.get_hookimpls():
        try:
            pairs = [(str(label), url_for(endpoint)) for label, endpoint in impl.function() or []]  # type: ignore[attr-defined]
        except Exception:
            log.exception("plugin %s raised in forum_gather_admin_links", impl.plugin_name)
            continue
        links[impl.plugin_name] = pairs
    return links


def fire(hook_name: str, **kwargs: Any) -> None:
    """Fire an event hook. Each plugin runs on its own; one that raises is logged, not fatal."""
    pm = plugin_manager()
    caller = getattr(pm.hook, hook_name)
    for impl in caller.get_hookimpls():
        try:
            impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception:
            log.exception("plugin %s raised in %s", impl.plugin_name, hook_name)


def render_slot(hook_name: str, **kwargs: Any) -> Markup:
    """Concatenate a template slot's HTML. Plugins escape what they interpolate (fail open)."""
    pm = plugin_manager()
    caller = getattr(pm.hook, hook_name)
    parts: list[str] = []
    for impl in caller.get_hookimpls():
        try:
            html = impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception:
            log.exception("plugin %s raised in %s", impl.plugin_name, hook_name)
            continue
        if html:
            parts.append(str(html))
    return Markup("".join(parts))  # noqa: S704 - plugin slot contract: plugins return escaped HTML


__all__ = ["VerdictKind", "admin_links", "combine", "fire", "form_extras", "init_app", "plugin_manager",
           "register_core", "render_slot", "run_filters", "start", "use_form_extras"]
