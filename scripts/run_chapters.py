"""Execute the book's chapters with papermill at the ``smoke`` profile, as CI does.

Every chapter (or those named) runs from its ``.ipynb`` with ``-p profile smoke`` plus any extra
``-p NAME VALUE``; the executed copies go to ``_build/smoke/``. Each chapter's time is printed, and
the exit status is non-zero when any chapter fails, with the list of failures and where to look.

>>> parse_value("0.3"), parse_value("None"), parse_value("[mnist, cifar10]"), parse_value("cpu")
(0.3, None, ['mnist', 'cifar10'], 'cpu')

Usage::

    python scripts/run_chapters.py                      # every chapter, profile smoke
    python scripts/run_chapters.py 03 07_quadrant_swap  # some chapters
    python scripts/run_chapters.py -p datasets '[mnist]' -p device cpu
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
DEFAULT_PARAMETERS = {"profile": "smoke"}


def parse_value(text: str):
    """A ``-p`` value as Python: numbers, booleans, ``None``, YAML lists and dicts; else the text.

    Like papermill's ``-p`` (``None``, ``True``, numbers), and also lists and dicts in YAML flow
    syntax such as ``[mnist, cifar10]`` (papermill needs ``-y`` for those). Other text stays text
    (``yes`` is not a boolean).

    >>> parse_value("2"), parse_value("True"), parse_value("{a: 1}"), parse_value("1e-3")
    (2, True, {'a': 1}, 0.001)
    """
    import yaml

    if text in ("None", "none", "null", "~"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if text in ("True", "true", "False", "false"):
        return text.lower() == "true"
    if text.startswith(("[", "{")):
        # YAML flow syntax, so that `[mnist, cifar10]` needs no inner quotes.
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"cannot read {text!r} as a list or dict: {exc}") from None
    return text


def find_chapters(folder: Path) -> list[Path]:
    """Every chapter notebook (``NN_name.ipynb``) in ``folder``, in order."""
    return sorted(folder.glob(CHAPTER_GLOB))


def resolve_chapters(names, folder: Path) -> list[Path]:
    """The chapters called ``names`` (``03``, ``03_overfitting``, a path); all when empty.

    Raises ValueError naming the unknown or ambiguous name and listing the chapters.
    """
    chapters = find_chapters(folder)
    if not names:
        return chapters
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb").removesuffix(".py")
        matches = [c for c in chapters if c.stem == stem or c.stem.split("_", 1)[0] == stem]
        if len(matches) != 1:
            known = ", ".join(c.stem for c in chapters) or "(none)"
            problem = "matches no chapter" if not matches else "is ambiguous"
            raise ValueError(f"{name!r} {problem}; chapters in {folder}: {known}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def has_parameters_cell(nb) -> bool:
    """Whether a notebook has the code cell tagged ``parameters`` that papermill overrides."""
    return any(
        cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", [])
        for cell in nb.cells
    )


@dataclass
class ChapterRun:
    """The outcome of one chapter: where its executed copy is, how long it took, what failed."""

    chapter: str
    output: Path
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_chapter(
    path: Path, output_dir: Path, parameters: dict, *, timeout: int | None, kernel: str | None
) -> ChapterRun:
    """Execute one chapter with papermill in its own folder; never raises for a failing chapter."""
    import nbformat
    import papermill

    output = output_dir / path.name
    start = time.perf_counter()
    try:
        if not has_parameters_cell(nbformat.read(path, as_version=4)):
            raise ValueError(
                "no code cell tagged 'parameters' (notebooks/README.md: cell 2), so papermill "
                "cannot set the profile"
            )
        papermill.execute_notebook(
            str(path), str(output), parameters=parameters, cwd=str(path.parent),
            kernel_name=kernel, execution_timeout=timeout, progress_bar=False,
        )  # fmt: skip
    except Exception as exc:  # a chapter's failure is reported, the other chapters still run
        return ChapterRun(path.stem, output, time.perf_counter() - start, _summary(exc))
    return ChapterRun(path.stem, output, time.perf_counter() - start)


def _summary(exc: Exception) -> str:
    """One line for an exception; papermill's execution errors carry the cell's exception."""
    name = getattr(exc, "ename", None)
    if name:
        cell = getattr(exc, "exec_count", None)
        where = f" in cell [{cell}]" if cell is not None else ""
        return f"{name}{where}: {getattr(exc, 'evalue', '')}".strip()
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def report(runs: list[ChapterRun]) -> str:
    """The closing summary: one line per chapter, then the failures (if any)."""
    lines = [f"{'ok' if r.ok else 'FAILED':6} {r.seconds:8.1f} s  {r.chapter}" for r in runs]
    total = sum(r.seconds for r in runs)
    failed = [r for r in runs if not r.ok]
    lines.append(f"{len(runs) - len(failed)} of {len(runs)} chapter(s) ran in {total:.1f} s")
    if failed:
        lines.append(f"{len(failed)} chapter(s) failed:")
        lines += [f"  {r.chapter}: {r.error} (executed copy: {r.output})" for r in failed]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers or names (default: all)")
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="papermill parameter (repeatable); default: -p profile smoke",
    )  # fmt: skip
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"), help="chapter folder")
    parser.add_argument("--output-dir", default=str(ROOT / "_build" / "smoke"))
    # 300 s per cell: smoke cells take seconds, and a cell that hangs (e.g. a widget stall) fails
    # within five minutes instead of passing late (the same limit as _config.yml).
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    parser.add_argument("--kernel", help="Jupyter kernel (default: the notebook's own)")
    parser.add_argument(
        "--max-seconds", type=float, help="fail a chapter that takes longer than this in all "
        "(e.g. 120: a stalled cell shows as a slow chapter even when it finally passes)",
    )  # fmt: skip
    parser.add_argument(
        "--results", help="results store root for these runs (sets LITHM_RESULTS; default: the "
        "project's results/)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        import papermill  # noqa: F401
    except ImportError:
        print("run_chapters: papermill is missing; pip install -e '.[book]'", file=sys.stderr)
        return 2
    try:
        chapters = resolve_chapters(args.chapters, Path(args.notebooks))
    except ValueError as exc:
        print(f"run_chapters: {exc}", file=sys.stderr)
        return 2
    if not chapters:
        print(f"run_chapters: no chapters ({CHAPTER_GLOB}) in {args.notebooks}", file=sys.stderr)
        return 2
    parameters = dict(DEFAULT_PARAMETERS)
    try:
        parameters.update({name: parse_value(value) for name, value in args.parameter})
    except ValueError as exc:
        print(f"run_chapters: {exc}", file=sys.stderr)
        return 2
    if args.results:
        os.environ["LITHM_RESULTS"] = str(Path(args.results).resolve())
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    shown = " ".join(f"-p {k} {v!r}" for k, v in parameters.items())
    print(f"running {len(chapters)} chapter(s) with {shown} into {output_dir}", flush=True)
    runs = []
    for index, path in enumerate(chapters, start=1):
        print(f"[{index}/{len(chapters)}] {path.stem} ...", end=" ", flush=True)
        run = run_chapter(path, output_dir, parameters, timeout=args.timeout, kernel=args.kernel)
        if run.ok and args.max_seconds and run.seconds > args.max_seconds:
            run.error = f"took {run.seconds:.1f} s, more than --max-seconds {args.max_seconds:g}"
        print(f"{'ok' if run.ok else 'FAILED'} in {run.seconds:.1f} s", flush=True)
        if not run.ok:
            print(f"    {run.error}", flush=True)
        runs.append(run)
    print()
    print(report(runs))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
