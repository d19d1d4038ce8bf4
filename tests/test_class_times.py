"""The seminar guide's execution times (benchmarks/class_times.py): which cells count as training,
how a chapter is timed, and how stored measurements are read back."""

import doctest
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "class_times", ROOT / "benchmarks" / "class_times.py"
)
class_times = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(class_times)


def _notebook():
    nbformat = pytest.importorskip("nbformat")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    params = code('profile = "smoke"')
    params.metadata["tags"] = ["parameters"]
    cells = [
        md("# 3. A chapter"),
        params,
        code("def train_in_class(n):\n    return sum(i * i for i in range(n))"),
        md("## Train it yourself\n\nText."),
        code("mine = train_in_class(3_000_000)"),
        md("## Exercises"),
        code("# train_in_class(1) in a comment does not count\nx = 1"),
        code("yours = train_in_class(2_000_000)"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_examples_hold():
    assert doctest.testmod(class_times).failed == 0


def test_probes_wrap_each_training_cell_and_the_chapter():
    nb, sections = class_times._instrumented(_notebook())
    assert sections == {"c0": "Train it yourself", "c1": "Exercises"}
    probes = [c for c in nb.cells if "lithm-probe" in c.metadata.get("tags", [])]
    assert len(probes) == 6  # before and after two training cells and the chapter
    labels = [c.metadata.get("lithm_label") for c in nb.cells if c.metadata.get("lithm_label")]
    assert labels == ["c0", "c1"]
    first = [i for i, c in enumerate(nb.cells) if c.metadata.get("lithm_label") == "c0"][0]
    assert "_lithm_cpu_c0 =" in nb.cells[first - 1].source
    assert "LITHM_CLASS_CPU" in nb.cells[first + 1].source


def test_time_chapter_measures_wall_and_cpu_per_training_cell(tmp_path):
    pytest.importorskip("papermill")
    pytest.importorskip("ipykernel")
    import nbformat

    path = tmp_path / "03_demo.ipynb"
    nbformat.write(_notebook(), path)
    result = class_times.time_chapter(path, profile="smoke")
    kinds = [c["kind"] for c in result["cells"]]
    assert kinds == ["train it yourself", "exercise"]
    for cell in result["cells"]:
        assert cell["seconds"] > 0 and cell["cpu_seconds"] > 0
    assert result["seconds"] > 0 and result["cpu_seconds"] > 0
    assert result["cpu_seconds"] >= sum(c["cpu_seconds"] for c in result["cells"]) - 0.2


def test_measurements_append_and_read_back_per_kind(tmp_path):
    out = tmp_path / "timings" / "class_times.json"
    chapter = {
        "seconds": 100.0,
        "cpu_seconds": 90.0,
        "cells": [
            {"section": "Train it yourself", "kind": "train it yourself", "seconds": 60.0,
             "cpu_seconds": 55.0},
            {"section": "Exercises", "kind": "exercise", "seconds": 10.0, "cpu_seconds": 9.0},
            {"section": "Exercises", "kind": "exercise", "seconds": 5.0, "cpu_seconds": None},
        ],
    }  # fmt: skip
    about = {"date": "2026-12-01T00:00:00Z", "git_commit": "abc", "host_cpus": 2,
             "loadavg_start": 1.0, "loadavg_end": 2.0, "other_lithm_processes": 1}  # fmt: skip
    class_times.append({**about, "chapters": {"03": chapter}}, out)
    class_times.append({**about, "chapters": {"03": {**chapter, "seconds": 120.0}}}, out)
    assert len(json.loads(out.read_text())["measurements"]) == 2
    table = class_times.load_timings(out)
    whole = table[table["kind"] == "chapter"]
    assert list(whole["seconds"]) == [100.0, 120.0] and set(whole["chapter"]) == {3}
    exercise = table[(table["kind"] == "exercise") & (table["measurement"] == 0)].iloc[0]
    assert exercise["seconds"] == 15.0 and pd.isna(exercise["cpu_seconds"])
    assert class_times.load_timings(tmp_path / "absent.json").empty


def test_a_corrupted_timings_file_is_named_and_kept(tmp_path):
    out = tmp_path / "class_times.json"
    out.write_text("{not json")
    with pytest.raises(ValueError, match="class_times.py"):
        class_times.load_timings(out)
    with pytest.raises(SystemExit, match="move it aside"):
        class_times.append({"chapters": {}}, out)
    assert out.read_text() == "{not json", "nothing already measured is overwritten"
