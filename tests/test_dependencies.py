"""Every library the app imports is one `pip install .` installs: the Quickstart installs the
app without the test extras, so a module only the tests pull in (jsonschema came through
openapi-spec-validator) would pass every test and break the README's first command."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Imported only where their extra is installed (pyproject's optional dependencies), each behind
# a check: storage on S3, HEIC photos, PostgreSQL, Redis.
OPTIONAL = {"boto3", "botocore", "pillow_heif", "psycopg", "redis"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _installed_with(declared: set[str]) -> set[str]:
    """The declared distributions and what they require in turn (Flask brings Jinja2…),
    leaving out their own extras (``; extra == …``)."""
    seen: set[str] = set()
    todo = list(declared)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        todo += [_name(need) for need in needs if "extra ==" not in need]
    return seen


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "forum").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    # _typeshed exists only for the type checker (under TYPE_CHECKING)
    return {m for m in found - set(sys.stdlib_module_names) - {"forum", "__future__"} if not m.startswith("_")}


def test_every_imported_library_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _installed_with({_name(requirement) for requirement in project["dependencies"]})
    distributions = packages_distributions()
    missing = {}
    for module in sorted(_imported_modules() - OPTIONAL):
        names = {name.lower().replace("_", "-") for name in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert not missing, f"imported by forum/ but not in [project].dependencies: {missing}"
