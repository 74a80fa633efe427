"""RE2, the linear-time regex engine every watched word runs on, and its options.

Imported in one place so a broken install fails with one helpful message.
"""

from __future__ import annotations

try:
    import re2
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "plugins.word_filter needs the 'google-re2' package (pip install google-re2): "
        "it provides the linear-time regex engine that keeps watched words safe."
    ) from exc


def options(*, case_sensitive: bool, max_mem: int) -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False  # errors are reported through InvalidPattern instead
    opts.case_sensitive = case_sensitive
    opts.max_mem = max_mem
    return opts


__all__ = ["options", "re2"]
