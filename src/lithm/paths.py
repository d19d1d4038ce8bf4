"""Where lithm keeps things: the project root, the results store of each profile, the cache.

Paths resolve the same way from the repository root, from ``notebooks/`` (where the chapters
run) and from an editable install, so a chapter finds the committed results wherever it is executed.
Environment variables override them: ``LITHM_RESULTS`` (folder holding one sub-folder per profile)
and ``LITHM_CACHE`` (checkpoints of interrupted runs).

>>> results_dir("book").name
'book'
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The lithm repository root when running from a checkout, else the current folder."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "src" / "lithm").is_dir():
                return folder
    return Path.cwd()


def results_dir(profile: str, root: str | Path | None = None) -> Path:
    """The results store folder of ``profile``: ``<root>/<profile>``.

    ``root`` defaults to ``$LITHM_RESULTS``, else ``<project root>/results``.
    """
    base = Path(root or os.environ.get("LITHM_RESULTS") or project_root() / "results")
    return base / profile


def cache_dir() -> Path:
    """Folder for per-epoch checkpoints of unfinished runs (ignored by git)."""
    return Path(os.environ.get("LITHM_CACHE") or project_root() / ".cache" / "lithm")
