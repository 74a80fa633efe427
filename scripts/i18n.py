"""Translation catalogs, one per package: ``python scripts/i18n.py update|compile|check [PACKAGE]``.

A PACKAGE is ``core`` (forum/*.py, forum/templates/*.html and macros), a domain name
(``accounts``: forum/accounts/*.py + forum/templates/accounts/), or ``plugin:<id>``
(plugins/<id>/). Each keeps ``translations/{it,fr}/LC_MESSAGES/messages.po``; Flask-Babel
merges them at run time, so packages never edit one shared file.

* update: extract the package's strings, merge them into its it/fr catalogs (existing
  translations kept, new ones empty), then compile.
* compile: write every .mo from its .po (run after editing a .po by hand).
* check: exit 1 listing strings with no it/fr translation, .mo files older than their .po, or
  a string two packages translate differently (see :func:`conflicts`).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
FORUM = ROOT / "forum"
LOCALES = ("it", "fr")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
            "lazy_pgettext": ((1, "c"), 2), "_lp": ((1, "c"), 2)}
JINJA = ("jinja2", {"extensions": "jinja2.ext.i18n", "silent": "false"})


def packages() -> list[str]:
    names = ["core"] + sorted(p.parent.name for p in FORUM.glob("*/__init__.py") if p.parent.name not in (
        "templates", "static", "translations"))
    names += [f"plugin:{p.parent.name}" for p in sorted((ROOT / "plugins").glob("*/__init__.py"))]
    return names


def sources(package: str) -> tuple[Path, list[tuple[Path, list[tuple[str, object]]]]]:
    """(translations dir, [(directory, babel method map)])."""
    if package == "core":
        return FORUM / "translations", [
            (FORUM, [("*.py", "python")]),
            (FORUM / "templates", [("*.html", JINJA), ("macros/*.html", JINJA)]),
        ]
    if package.startswith("plugin:"):
        base = ROOT / "plugins" / package.split(":", 1)[1]
        return base / "translations", [(base, [("**.py", "python"), ("**/templates/**.html", JINJA)])]
    base = FORUM / package
    dirs = [(base, [("**.py", "python")])]
    if (FORUM / "templates" / package).is_dir():
        # .txt: the text part of mail (templates/mail/*.txt, forum.mail.compose)
        dirs.append((FORUM / "templates" / package, [("**.html", JINJA), ("**.txt", JINJA)]))
    return base / "translations", dirs


def extract(package: str) -> Catalog:
    _out, dirs = sources(package)
    catalog = Catalog(project="circolo")
    for directory, method_map in dirs:
        methods = [(pattern, spec if isinstance(spec, str) else spec[0]) for pattern, spec in method_map]
        options = {pattern: spec[1] for pattern, spec in method_map if not isinstance(spec, str)}
        if package == "core" and directory == FORUM:
            methods = [("*.py", "python")]  # only forum/*.py, not sub-packages
        for filename, lineno, message, comments, context in extract_from_dir(
                str(directory), methods, options_map=options, keywords=KEYWORDS):
            if package == "core" and directory == FORUM and "/" in filename:
                continue
            catalog.add(message, None, [(str(directory / filename), lineno)], auto_comments=comments,
                        context=context)
    return catalog


def po_path(package: str, locale: str) -> Path:
    out, _dirs = sources(package)
    return out / locale / "LC_MESSAGES" / "messages.po"


def update(package: str) -> None:
    template = extract(package)
    for locale in LOCALES:
        path = po_path(package, locale)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=locale)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = Catalog(locale=locale, project="circolo")
            catalog.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, catalog, width=100, omit_header=False, ignore_obsolete=True, sort_output=True)
        path.write_bytes(buf.getvalue())
    compile_package(package)
    print(f"{package}: {len(template)} strings")


def catalogs(package: str) -> Iterator[tuple[str, Path, Catalog]]:
    """(locale, .po path, catalog) for each of the package's existing it/fr catalogs."""
    for locale in LOCALES:
        path = po_path(package, locale)
        if path.exists():
            with path.open("rb") as f:
                yield locale, path, read_po(f, locale=locale)


def compile_package(package: str) -> None:
    for _locale, path, catalog in catalogs(package):
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)


def missing(package: str) -> list[str]:
    template = extract(package)
    problems = []
    for locale in LOCALES:
        path = po_path(package, locale)
        if not len(template):
            continue
        if not path.exists():
            problems.append(f"{package}/{locale}: no catalog")
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        for msg in template:
            if not msg.id:
                continue
            have = catalog.get(msg.id, context=msg.context)
            strings = have.string if have else None
            if not have or not strings or (isinstance(strings, tuple) and not all(strings)) or have.fuzzy:
                problems.append(f"{package}/{locale}: {msg.id if isinstance(msg.id, str) else msg.id[0]!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < path.stat().st_mtime - 1:
            problems.append(f"{package}/{locale}: {mo.name} is missing or older than the .po (run compile)")
    return problems


def conflicts() -> list[str]:
    """Strings (msgid and context) that two packages translate differently in one language.

    Flask-Babel merges every package's catalog into one: the same msgid translated two ways
    means one package's wording silently wins on the other's page (the Italian reply button
    read "Risposta", the review queue's noun, instead of "Rispondi"). Same meaning: use the
    same words. Different meaning (a noun and a verb): give one a context, ``pgettext``.
    """
    seen: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for package in packages():
        for locale, _path, catalog in catalogs(package):
            for msg in catalog:
                if msg.id and msg.string:
                    msgid = msg.id if isinstance(msg.id, str) else msg.id[0]
                    seen.setdefault((locale, msg.context, msgid), {})[package] = msg.string
    problems = []
    for (locale, context, msgid), by_package in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1] or "",
                                                                                      kv[0][2])):
        if len({str(v) for v in by_package.values()}) > 1:
            ways = "; ".join(f"{p}: {v!r}" for p, v in sorted(by_package.items()))
            problems.append(f"{locale}: {msgid!r}{f' (context {context!r})' if context else ''} -> {ways}")
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("update", "compile", "check"):
        print(__doc__)
        return 2
    targets = argv[1:] or packages()
    if argv[0] == "update":
        for p in targets:
            update(p)
    elif argv[0] == "compile":
        for p in targets:
            compile_package(p)
    else:
        problems = [line for p in targets for line in missing(p)] + conflicts()
        print("\n".join(problems) or "all strings translated, each one way")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
