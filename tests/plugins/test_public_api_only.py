"""The bundled plugins are the examples brands copy: they use only the public plugin API.

Every module under ``plugins/`` is parsed (never imported) and each import from ``forum`` is
checked against what ``forum.plugins`` and ``forum.plugins.community`` export. The word
filter's engine must stay pure (standard library and RE2 only), and the examples import at
the top of their modules, as the house does.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import forum.plugins
import forum.plugins.community

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
ENGINE = PLUGINS / "word_filter" / "matcher"

# What each public module promises; "community" is the public submodule of forum.plugins.
PUBLIC: dict[str, set[str]] = {
    "forum.plugins": {*forum.plugins.__all__, "community"},
    "forum.plugins.community": set(forum.plugins.community.__all__),
}
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def modules(folder: Path = PLUGINS) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _is_forum(name: str) -> bool:
    return name == "forum" or name.startswith("forum.")


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def forum_imports(source: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, imported name or None) for every import of ``forum`` in ``source``:
    ``import``, ``from … import`` and ``importlib.import_module("forum…")``, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name, None) for alias in node.names if _is_forum(alias.name))
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and _is_forum(node.module):
            yield from ((node.lineno, node.module, alias.name) for alias in node.names)
        elif (isinstance(node, ast.Call) and _call_name(node) in DYNAMIC_IMPORTS and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and _is_forum(node.args[0].value)):
            yield node.lineno, node.args[0].value, None


def violations(source: str) -> list[str]:
    """Imports of anything in ``forum`` that is not the public plugin API."""
    found = []
    for line, module, name in forum_imports(source):
        if module not in PUBLIC:
            found.append(f"line {line}: {module}")
        elif name is not None and name != "*" and name not in PUBLIC[module]:
            found.append(f"line {line}: {module}.{name}")
        elif name == "*":
            found.append(f"line {line}: from {module} import * (name what you use)")
    return found


def nested_imports(source: str) -> list[int]:
    """Lines of imports inside functions (the house imports at the top of a module)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines.extend(n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
    return sorted(set(lines))


def test_the_checker_sees_every_kind_of_import():
    source = '''
import forum.settings
from forum.discussions.models import Post
from forum import markup
from forum.plugins import hookimpl, Verdict, plugin_setting
from forum.plugins import manager
from forum.plugins.community import categories
from forum.plugins.settings import save_plugin_settings
from .services import judge
import flask


def later():
    from forum.extensions import db
    importlib.import_module("forum.audit")
'''
    assert violations(source) == [
        "line 2: forum.settings", "line 3: forum.discussions.models", "line 4: forum",
        "line 6: forum.plugins.manager", "line 8: forum.plugins.settings", "line 14: forum.extensions",
        "line 15: forum.audit"]
    assert nested_imports(source) == [14]


def test_every_bundled_plugin_exists_and_is_scanned():
    found = {p.relative_to(PLUGINS).parts[0] for p in modules() if p.parent != PLUGINS}
    assert {"word_filter", "link_limits", "spam_guard", "example_badge"} <= found
    assert len(modules()) >= 15  # the engine's modules, the migrations and the views included


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_bundled_plugins_use_only_the_public_api(path: Path):
    problems = violations(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(ROOT)} imports private parts of forum: {problems}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_bundled_plugins_import_at_the_top(path: Path):
    assert nested_imports(path.read_text(encoding="utf-8")) == [], f"{path.relative_to(ROOT)}: imports inside functions"


def test_the_word_filter_engine_is_pure():
    # Standard library and RE2 only, plus its own modules: no Flask, no database, no forum.
    allowed = set(sys.stdlib_module_names) | {"re2", "__future__"}
    for path in modules(ENGINE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.relative_to(ROOT)} imports {name}"
