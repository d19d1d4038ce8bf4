"""Check that each chapter's jupytext pair (``.py`` percent + ``.ipynb``) agrees and has no outputs.

The chapters in ``notebooks/`` are kept twice (notebooks/README.md): ``NN_name.py`` for review and
diffs, ``NN_name.ipynb`` for papermill, JupyterLab and the book. CI runs this script and fails when

- one side of a pair is missing, or the ``.py`` is not paired (no ``formats: ipynb,py:percent``);
- the two sides differ in their cells: cell types, sources or tags (read with jupytext's reader);
- an ``.ipynb`` carries outputs, execution counts, widget state or papermill metadata.

Every message names the file and the command that fixes it (usually ``make sync``).
``--strip`` is the second half of ``make sync``: it removes outputs from the ``.ipynb`` files in
place, keeping their modification times so that jupytext's newer-file rule is not disturbed.

>>> normalise_source("x = 1   \\n\\n")
'x = 1'

Usage::

    python scripts/check_pairs.py [FOLDER]           # check (default folder: notebooks)
    python scripts/check_pairs.py --strip [FOLDER]   # strip outputs from the .ipynb files
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: File names of chapters: two digits, an underscore, a name (notebooks/README.md).
CHAPTER_GLOB = "[0-9][0-9]_*"
FIX = "run `make sync`"
#: Notebook- and cell-level metadata written by execution, never committed.
NOTEBOOK_RUN_METADATA = ("widgets", "papermill")
CELL_RUN_METADATA = ("execution", "papermill", "ExecuteTime")


def normalise_source(source: str) -> str:
    """Cell source without trailing spaces on its lines and without leading/trailing blank lines.

    jupytext separates cells with blank lines in the ``.py``; these are not part of the cell.

    >>> normalise_source("\\n# %% not a marker\\n  y = 2  \\n")
    '# %% not a marker\\n  y = 2'
    """
    lines = [line.rstrip() for line in source.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def cell_signature(cell) -> tuple[str, str, tuple[str, ...]]:
    """What must agree between the two sides of a pair: (cell type, source, sorted tags).

    >>> import nbformat
    >>> cell_signature(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["b", "a"]}))
    ('code', 'x = 1', ('a', 'b'))
    """
    tags = cell.get("metadata", {}).get("tags", []) or []
    return cell["cell_type"], normalise_source(cell.get("source", "")), tuple(sorted(tags))


def find_pairs(folder: Path) -> dict[str, dict[str, Path]]:
    """Chapter stems in ``folder`` mapped to their sides, e.g. ``{"03_x": {"py": path}}``."""
    pairs: dict[str, dict[str, Path]] = {}
    for suffix in ("py", "ipynb"):
        for path in sorted(folder.glob(f"{CHAPTER_GLOB}.{suffix}")):
            pairs.setdefault(path.stem, {})[suffix] = path
    return dict(sorted(pairs.items()))


def _describe(signature: tuple[str, str, tuple[str, ...]]) -> str:
    kind, source, tags = signature
    first = source.splitlines()[0] if source else "(empty)"
    if len(first) > 60:
        first = first[:57] + "..."
    tag_text = f" tags={list(tags)}" if tags else ""
    return f"{kind}{tag_text}: {first!r}"


def compare_cells(py_cells, nb_cells) -> str | None:
    """The first difference between two cell lists as a sentence, or None when they agree.

    >>> import nbformat
    >>> a = [nbformat.v4.new_code_cell("x = 1")]
    >>> compare_cells(a, a) is None
    True
    >>> compare_cells(a, [nbformat.v4.new_code_cell("x = 2")])
    "cell 1 differs in its source: .py has code: 'x = 1', .ipynb has code: 'x = 2'"
    """
    py_sigs = [cell_signature(c) for c in py_cells]
    nb_sigs = [cell_signature(c) for c in nb_cells]
    # strict=False: a difference in the number of cells is reported after the common cells.
    for index, (a, b) in enumerate(zip(py_sigs, nb_sigs, strict=False), start=1):
        if a != b:
            what = ("type", "source", "tags")[next(i for i in range(3) if a[i] != b[i])]
            return (
                f"cell {index} differs in its {what}: .py has {_describe(a)}, "
                f".ipynb has {_describe(b)}"
            )
    if len(py_sigs) != len(nb_sigs):
        return f".py has {len(py_sigs)} cells, .ipynb has {len(nb_sigs)}"
    return None


def output_problems(nb) -> list[str]:
    """What in an ``.ipynb`` comes from running it: outputs, execution counts, run metadata.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=3)])
    >>> output_problems(nb)
    ['1 code cell(s) with outputs or execution counts (cell 1)']
    """
    cells = [
        i
        for i, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    problems = []
    if cells:
        shown = ", ".join(str(i) for i in cells[:5]) + (", ..." if len(cells) > 5 else "")
        problems.append(
            f"{len(cells)} code cell(s) with outputs or execution counts (cell {shown})"
        )
    stale = [key for key in NOTEBOOK_RUN_METADATA if key in nb.metadata]
    stale += sorted(
        {key for cell in nb.cells for key in CELL_RUN_METADATA if key in cell.get("metadata", {})}
    )
    if stale:
        problems.append(f"execution metadata {stale}")
    return problems


def _newer(py: Path, ipynb: Path) -> str:
    """Which side ``make sync`` (jupytext --sync: the newer file wins) will update."""
    if py.stat().st_mtime >= ipynb.stat().st_mtime:
        return f"the .py is newer, so {ipynb.name} will be updated from it"
    return f"the .ipynb is newer, so {py.name} will be updated from it"


def check_pair(stem: str, sides: dict[str, Path]) -> list[str]:
    """Problems of one chapter pair, each a full message naming the file and the fix."""
    import jupytext
    import nbformat

    py, ipynb = sides.get("py"), sides.get("ipynb")
    if ipynb is None:
        return [
            f"{py}: no {stem}.ipynb twin; {FIX} (it creates the .ipynb when the .py header has "
            "`formats: ipynb,py:percent`)"
        ]
    if py is None:
        return [
            f"{ipynb}: no {stem}.py twin; run `jupytext --set-formats ipynb,py:percent {ipynb}` "
            "and then `make sync`"
        ]
    problems = []
    try:
        nb = nbformat.read(ipynb, as_version=4)
    except Exception as exc:  # a broken JSON file must be reported, not crash the check
        return [f"{ipynb}: cannot be read as a notebook ({exc})"]
    try:
        py_nb = jupytext.read(py)
    except Exception as exc:
        return [f"{py}: cannot be read by jupytext ({exc})"]
    formats = str(py_nb.metadata.get("jupytext", {}).get("formats", ""))
    if "ipynb" not in formats.split(","):
        problems.append(
            f"{py}: not paired with an .ipynb (header lacks `formats: ipynb,py:percent`); run "
            f"`jupytext --set-formats ipynb,py:percent {py}`"
        )
    difference = compare_cells(py_nb.cells, nb.cells)
    if difference:
        problems.append(
            f"{py} and {ipynb.name} are out of sync: {difference}; {FIX} ({_newer(py, ipynb)})"
        )
    found = output_problems(nb)
    if found:
        problems.append(
            f"{ipynb}: has {' and '.join(found)}, but committed notebooks carry no outputs; "
            f"{FIX} (it strips them)"
        )
    return problems


def check_folder(folder: Path) -> tuple[int, list[str]]:
    """Check every chapter pair in ``folder``; return (number of chapters, problems)."""
    pairs = find_pairs(folder)
    problems = [p for stem, sides in pairs.items() for p in check_pair(stem, sides)]
    return len(pairs), problems


def strip_outputs(path: Path) -> bool:
    """Remove outputs, execution counts and run metadata from an ``.ipynb`` in place.

    Returns whether the file changed. The modification time is kept, so that a stripped notebook
    does not look newer than its ``.py`` to jupytext.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if not output_problems(nb):
        return False
    for key in NOTEBOOK_RUN_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in CELL_RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    stat = path.stat()
    nbformat.write(nb, path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="notebooks", help="default: notebooks")
    parser.add_argument("--strip", action="store_true", help="strip outputs instead of checking")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"check_pairs: {folder} is not a folder", file=sys.stderr)
        return 2
    try:
        import jupytext  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as exc:
        print(
            f"check_pairs: {exc.name} is missing; install the book extra: "
            "pip install -e '.[book]' (or make venv)",
            file=sys.stderr,
        )
        return 2
    if args.strip:
        changed = [p for p in sorted(folder.glob(f"{CHAPTER_GLOB}.ipynb")) if strip_outputs(p)]
        for path in changed:
            print(f"stripped outputs from {path}")
        return 0
    count, problems = check_folder(folder)
    if problems:
        print(f"check_pairs: {len(problems)} problem(s) in {folder}:", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    if count == 0:
        print(f"check_pairs: no chapters ({CHAPTER_GLOB}.py/.ipynb) in {folder}")
    else:
        print(f"check_pairs: {count} chapter pair(s) in sync and free of outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
