"""Write the same hidden set-up cell at the top of every chapter (idempotent).

The cell is the first of each ``notebooks/NN_*.py``, right after the jupytext header, tagged
``remove-cell`` so the rendered book hides it. Where ``lithm`` cannot be imported (Colab, a bare
Jupyter), it clones the book's repository (the address and branch of ``_config.yml``, read by
``lithm.site.repository``; ``LITHM_REPOSITORY`` and ``LITHM_BRANCH`` override them, e.g. with a
fork or a local clone), installs lithm from it and points ``LITHM_RESULTS`` at its committed
results. Then, everywhere, it draws figures inline: a kernel started with ``MPLBACKEND=Agg`` in
its environment (as CI machines often set) would otherwise print every figure as the text
``<Figure size ...>``, because ipykernel selects the inline backend only when MPLBACKEND is unset.

Run it after changing the address, then ``make sync``. ``--check`` only reports chapters whose
cell differs (the tests use it, so the address has one place).

>>> text = "# ---\\n# jupyter:\\n# ---\\n\\n# %% [markdown]\\n# # 1. Title\\n"
>>> once = with_setup_cell(text, "# %% tags=[\\"remove-cell\\"]\\n# Set-up x\\n")
>>> once.splitlines()[3:7]
['', '# %% tags=["remove-cell"]', '# Set-up x', '']
>>> with_setup_cell(once, "# %% tags=[\\"remove-cell\\"]\\n# Set-up x\\n") == once
True

Usage::

    python scripts/setup_cell.py [--check] [notebooks/NN_name.py ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lithm.site import HOW_TO_SET, repository  # noqa: E402

MARKER = '# %% tags=["remove-cell"]\n# Set-up'

TEMPLATE = """# %% tags=["remove-cell"]
# Set-up (hidden in the book; written by scripts/setup_cell.py, the same in every chapter).
# Where lithm is missing (Colab), install it from the book's repository with its committed
# results; then draw figures inline even when MPLBACKEND is set (e.g. to Agg).
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("lithm") is None:
    _repository = os.environ.get("LITHM_REPOSITORY", {url})
    _branch = os.environ.get("LITHM_BRANCH", {branch})
    if not _repository:
        raise RuntimeError({how})
    _clone = os.path.abspath("lithm-repository")
    if not os.path.isdir(_clone):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", _branch, _repository, _clone],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", _clone], check=True)
    os.environ.setdefault("LITHM_RESULTS", os.path.join(_clone, "results"))
    importlib.invalidate_caches()
# %matplotlib inline
"""


def setup_cell(config: Path | None = None) -> str:
    """The cell's text (percent format) for the repository of ``config`` (default _config.yml)."""
    repo = repository(config or ROOT / "_config.yml")
    url = "" if repo.is_placeholder else repo.url  # the placeholder is never written
    return TEMPLATE.format(
        url=json.dumps(url), branch=json.dumps(repo.branch), how=json.dumps(HOW_TO_SET)
    )


def _header_end(lines: list[str]) -> int:
    """Index of the first line after the jupytext YAML header (0 when there is none)."""
    if not lines or lines[0].rstrip() != "# ---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "# ---":
            return i + 1
    return 0


def with_setup_cell(text: str, cell: str) -> str:
    """``text`` (a percent-format chapter) with ``cell`` as its first cell, replacing an old one."""
    lines = text.splitlines(keepends=True)
    start = _header_end(lines)
    while start < len(lines) and not lines[start].strip():
        start += 1
    head, rest = "".join(lines[:start]), lines[start:]
    if "".join(rest[:2]).startswith(MARKER):  # an earlier version of the cell: drop it
        end = next((i for i in range(1, len(rest)) if rest[i].startswith("# %%")), len(rest))
        rest = rest[end:]
    if head and not head.endswith("\n\n"):
        head += "\n"
    return head + cell.rstrip("\n") + "\n\n" + "".join(rest)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter .py files (default: all)")
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.chapters] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    cell = setup_cell()
    stale = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = with_setup_cell(text, cell)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "differ" if args.check else "updated"
    for path in stale:
        print(f"{verb}: {path}")
    if args.check and stale:
        print("run `python scripts/setup_cell.py && make sync`", file=sys.stderr)
        return 1
    if stale and not args.check:
        print("now run `make sync` to update the .ipynb twins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
