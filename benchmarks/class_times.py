"""Time the chapters as a class runs them: each chapter at class scale, and each cell that trains.

The seminar guide (``book/seminar.md``) plans 90-minute sessions from these times. Each chapter is
executed with papermill at the ``book`` profile and ``LITHM_CLASS_SCALE=class`` (what a reader
gets); every code cell that trains (``train_in_class``, chapter 6's ``train_and_measure``) is
timed in wall-clock and in CPU seconds of the kernel (``time.process_time``, all threads), and
classed by the section it sits in: "train it yourself" (the section of that name), "exercise" (the
section "Exercises") or "other". The whole chapter is timed as well. One measurement (date,
commit, machine, load average, other ``lithm`` processes) is appended to
``results/timings/class_times.json``; earlier measurements are kept, so the guide can show the
range. Not a test: times depend on the machine and on what else runs.

    python benchmarks/class_times.py                 # every chapter
    python benchmarks/class_times.py 08 09 --print   # some chapters; print the table only

>>> cell_kind("Train it yourself"), cell_kind("Exercises"), cell_kind("Results explorer")
('train it yourself', 'exercise', 'other')
>>> trains("x = train_in_class('mnist')\\n"), trains("# train_in_class('mnist')\\n")
(True, False)
>>> trains("mine = train_and_measure(levels=(0.0, 0.5))")
True
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "results" / "timings" / "class_times.json"
MARK = "LITHM_CLASS_CPU"


def cell_kind(heading: str) -> str:
    """The kind of a training cell from the title of the ``##`` section it sits in."""
    title = heading.strip().lower()
    if title.startswith("train it yourself"):
        return "train it yourself"
    if title.startswith("exercise"):
        return "exercise"
    return "other"


#: the calls that train at class scale: lithm.classroom's and chapter 6's (lithm.sharing)
TRAINING_CALLS = ("train_in_class(", "train_and_measure(")


def trains(source: str) -> bool:
    """Whether a code cell trains at class scale (calls one of :data:`TRAINING_CALLS` outside a
    comment or a definition)."""
    code = [line.split("#", 1)[0] for line in source.splitlines()]
    return any(
        call in line and not line.lstrip().startswith("def ")
        for line in code
        for call in TRAINING_CALLS
    )


def _instrumented(nb):
    """A copy of ``nb`` with a CPU-time probe before and after every training cell and around the
    whole chapter; returns it and, per training cell, its section title."""
    import copy

    import nbformat

    def probe(label: str, start: bool):
        clock = "__import__('time').process_time()"
        source = (
            f"_lithm_cpu_{label} = {clock}"
            if start
            else f"print('{MARK}', '{label}', {clock} - _lithm_cpu_{label})"
        )
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = ["lithm-probe"]
        return cell

    out = copy.deepcopy(nb)
    cells, heading, sections = [], "", {}
    parameters_seen = False
    for cell in out.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    heading = line[3:]
        if cell.cell_type == "code" and trains(cell.source):
            label = f"c{len(sections)}"
            sections[label] = heading
            cell.metadata["lithm_label"] = label
            cells += [probe(label, True), cell, probe(label, False)]
        else:
            cells.append(cell)
        if "parameters" in cell.get("metadata", {}).get("tags", []) and not parameters_seen:
            parameters_seen = True
            cells.append(probe("chapter", True))
    cells.append(probe("chapter", False))
    out.cells = cells
    return out, sections


def _cpu_marks(nb) -> dict[str, float]:
    marks = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith(MARK):
                    _, label, value = line.split()
                    marks[label] = float(value)
    return marks


def time_chapter(path: Path, profile: str = "book") -> dict:
    """Execute one chapter at class scale and return its times (whole chapter, training cells)."""
    import nbformat
    import papermill

    nb, sections = _instrumented(nbformat.read(path, as_version=4))
    with tempfile.TemporaryDirectory() as tmp:
        source, executed = Path(tmp) / path.name, Path(tmp) / f"executed-{path.name}"
        nbformat.write(nb, source)
        start = time.perf_counter()
        papermill.execute_notebook(
            str(source), str(executed), parameters={"profile": profile}, cwd=str(path.parent),
            progress_bar=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        done = nbformat.read(executed, as_version=4)
    cpu = _cpu_marks(done)
    cells = []
    for cell in done.cells:
        label = cell.metadata.get("lithm_label")
        if label is None:
            continue
        cells.append(
            {
                "section": sections[label],
                "kind": cell_kind(sections[label]),
                "seconds": round(cell.metadata.get("papermill", {}).get("duration") or 0.0, 1),
                "cpu_seconds": _rounded(cpu.get(label)),
            }
        )
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": _rounded(cpu.get("chapter")),
        "cells": cells,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _other_lithm_processes() -> int:
    try:
        out = subprocess.run(["pgrep", "-fc", "lithm.cli run"], capture_output=True, text=True)
        return int(out.stdout.strip() or 0)
    except (OSError, ValueError):
        return 0


def measure(chapters: list[Path], profile: str = "book") -> dict:
    """One measurement of ``chapters``: their times and the conditions they were taken in."""
    import torch

    os.environ["LITHM_CLASS_SCALE"] = "class"  # the kernels inherit it: what a reader gets
    record = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": _commit(),
        "host_cpus": os.cpu_count(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "profile": profile,
        "class_scale": "class",
        "loadavg_start": round(os.getloadavg()[0], 2),
        "other_lithm_processes": _other_lithm_processes(),
        "chapters": {},
    }
    for path in chapters:
        number = path.stem.split("_", 1)[0]
        record["chapters"][number] = time_chapter(path, profile)
        print(f"{path.stem}: {record['chapters'][number]}", flush=True)
    record["loadavg_end"] = round(os.getloadavg()[0], 2)
    return record


def append(record: dict, output: Path = OUTPUT) -> None:
    """Append ``record`` to the measurements in ``output`` (created when missing)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    data = {"measurements": []}
    if output.exists():
        try:
            data = json.loads(output.read_text())
        except json.JSONDecodeError as exc:
            raise SystemExit(
                f"{output} is not readable JSON ({exc}); move it aside and run again"
            ) from None
    data["measurements"].append(record)
    tmp = output.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(output)


def load_timings(path: Path = OUTPUT):
    """The stored measurements as one row per (measurement, chapter, kind): wall and CPU seconds.

    ``kind`` is "chapter" for the whole chapter, else the kind of the training cells, summed over
    the chapter's cells of that kind. Columns also give each measurement's date, commit, load
    average (start, end) and the number of other ``lithm`` processes. Empty when nothing is stored.
    """
    import pandas as pd

    columns = ["measurement", "date", "git_commit", "host_cpus", "loadavg_start", "loadavg_end",
               "other_lithm_processes", "chapter", "kind", "seconds", "cpu_seconds"]  # fmt: skip
    if not Path(path).exists():
        return pd.DataFrame(columns=columns)
    try:
        measurements = json.loads(Path(path).read_text())["measurements"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise ValueError(
            f"{path}: not a timings file ({exc}); run benchmarks/class_times.py"
        ) from None
    rows = []
    for number, m in enumerate(measurements):
        about = {k: m.get(k) for k in columns[1:7]}
        for chapter, t in m["chapters"].items():
            base = {"measurement": number, **about, "chapter": int(chapter)}
            rows.append({**base, "kind": "chapter", "seconds": t["seconds"],
                         "cpu_seconds": t["cpu_seconds"]})  # fmt: skip
            kinds: dict[str, list] = {}
            for cell in t["cells"]:
                kinds.setdefault(cell["kind"], []).append(cell)
            for kind, cells in kinds.items():
                cpu = [c["cpu_seconds"] for c in cells]
                rows.append({**base, "kind": kind, "seconds": sum(c["seconds"] for c in cells),
                             "cpu_seconds": None if None in cpu else sum(cpu)})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_chapters import resolve_chapters

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers or names (default: all)")
    parser.add_argument("--profile", default="book")
    parser.add_argument("--print", action="store_true", help="print only, do not store")
    args = parser.parse_args(argv)
    try:
        chapters = resolve_chapters(args.chapters, ROOT / "notebooks")
    except ValueError as exc:
        parser.error(str(exc))
    record = measure(chapters, args.profile)
    if not args.print:
        append(record)
        print(f"appended to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
