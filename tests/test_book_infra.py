"""Fast tests of the book's infrastructure: the scripts' logic and the consistency of its config.

No book is built and no notebook is executed here: `make book`, `make chapters` and
`make check-pages` do that. These tests check the pieces those targets rely on.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


check_pairs = _load("check_pairs", ROOT / "scripts" / "check_pairs.py")
run_chapters = _load("run_chapters", ROOT / "scripts" / "run_chapters.py")
check_pages = _load("check_pages", ROOT / "scripts" / "check_pages.py")
book_fixes = _load("lithm_book_fixes", ROOT / "book" / "_ext" / "lithm_book_fixes.py")


# ------------------------------------------------------------------------------------------------
# check_pairs
# ------------------------------------------------------------------------------------------------


def _notebook(paired: bool = True):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 3. Overfitting\n\nThe question."),
            nbformat.v4.new_code_cell(
                'profile = "book"  # smoke, book or paper', metadata={"tags": ["parameters"]}
            ),  # fmt: skip
            nbformat.v4.new_code_cell("print(profile)"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    if paired:
        nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    return nb


def _write_pair(folder: Path, stem: str = "03_overfitting", nb=None) -> tuple[Path, Path]:
    jupytext = pytest.importorskip("jupytext")
    nb = nb or _notebook()
    py, ipynb = folder / f"{stem}.py", folder / f"{stem}.ipynb"
    jupytext.write(nb, py, fmt="py:percent")
    jupytext.write(nb, ipynb)
    return py, ipynb


def test_pair_in_sync_passes(tmp_path):
    _write_pair(tmp_path)
    (tmp_path / "README.md").write_text("not a chapter")
    assert check_pairs.check_folder(tmp_path) == (1, [])
    assert check_pairs.main([str(tmp_path)]) == 0


def test_changed_source_is_reported_with_file_and_fix(tmp_path):
    py, _ = _write_pair(tmp_path)
    py.write_text(py.read_text().replace("print(profile)", "print(profile, 1)"))
    _, problems = check_pairs.check_folder(tmp_path)
    assert len(problems) == 1
    assert str(py) in problems[0]
    assert "cell 3 differs in its source" in problems[0]
    assert "make sync" in problems[0]
    assert check_pairs.main([str(tmp_path)]) == 1


def test_changed_tags_and_cell_count_are_reported(tmp_path):
    import nbformat

    _, ipynb = _write_pair(tmp_path)
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[1].metadata["tags"] = []
    nbformat.write(nb, ipynb)
    _, problems = check_pairs.check_folder(tmp_path)
    assert "differs in its tags" in problems[0]

    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(nb, ipynb)
    _, problems = check_pairs.check_folder(tmp_path)
    assert ".py has 3 cells, .ipynb has 4" in problems[0]


def test_whitespace_at_cell_edges_is_not_a_difference():
    import nbformat

    a = [nbformat.v4.new_code_cell("x = 1  \n\n")]
    b = [nbformat.v4.new_code_cell("\nx = 1")]
    assert check_pairs.compare_cells(a, b) is None


def test_outputs_are_reported_then_stripped_keeping_mtime(tmp_path):
    import nbformat

    _, ipynb = _write_pair(tmp_path)
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="book\n")]
    nb.cells[2].execution_count = 1
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    nbformat.write(nb, ipynb)
    os.utime(ipynb, (1_000_000_000, 1_000_000_000))
    _, problems = check_pairs.check_folder(tmp_path)
    assert len(problems) == 1
    assert str(ipynb) in problems[0] and "outputs" in problems[0] and "widgets" in problems[0]

    assert check_pairs.strip_outputs(ipynb) is True
    assert ipynb.stat().st_mtime == 1_000_000_000
    assert check_pairs.check_folder(tmp_path) == (1, [])
    assert check_pairs.strip_outputs(ipynb) is False  # nothing left to strip


def test_missing_twin_and_unpaired_py_are_reported(tmp_path):
    py, ipynb = _write_pair(tmp_path)
    ipynb.unlink()
    _, problems = check_pairs.check_folder(tmp_path)
    assert "no 03_overfitting.ipynb twin" in problems[0] and "make sync" in problems[0]

    py.unlink()
    _write_pair(tmp_path, "04_translation_invariance")
    (tmp_path / "04_translation_invariance.py").unlink()
    _, problems = check_pairs.check_folder(tmp_path)
    assert "no 04_translation_invariance.py twin" in problems[0]
    assert "jupytext --set-formats ipynb,py:percent" in problems[0]

    (tmp_path / "04_translation_invariance.ipynb").unlink()
    _write_pair(tmp_path, "05_performance", nb=_notebook(paired=False))
    _, problems = check_pairs.check_folder(tmp_path)
    assert len(problems) == 1 and "not paired" in problems[0]


def test_check_pairs_main_on_a_missing_folder(tmp_path):
    assert check_pairs.main([str(tmp_path / "nope")]) == 2


# ------------------------------------------------------------------------------------------------
# run_chapters
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("smoke", "smoke"), ("3", 3), ("0.25", 0.25), ("1e-3", 0.001), ("None", None),
     ("True", True), ("false", False), ("yes", "yes"), ("[mnist, cifar10]", ["mnist", "cifar10"]),
     ("{epochs: 2}", {"epochs": 2}), ("cuda:1", "cuda:1")],
)  # fmt: skip
def test_parse_value(text, value):
    assert run_chapters.parse_value(text) == value


def test_parse_value_rejects_broken_yaml():
    with pytest.raises(ValueError, match="cannot read"):
        run_chapters.parse_value("[mnist, ")


def test_resolve_chapters(tmp_path):
    for stem in ("01_free_convolutions", "03_overfitting", "10_to_share_or_not"):
        (tmp_path / f"{stem}.ipynb").write_text("{}")
    (tmp_path / "README.md").write_text("")
    names = lambda paths: [p.stem for p in paths]  # noqa: E731
    assert names(run_chapters.resolve_chapters([], tmp_path)) == [
        "01_free_convolutions", "03_overfitting", "10_to_share_or_not"]  # fmt: skip
    chosen = run_chapters.resolve_chapters(["10", "notebooks/03_overfitting.py", "10"], tmp_path)
    assert names(chosen) == ["10_to_share_or_not", "03_overfitting"]
    with pytest.raises(ValueError, match="matches no chapter.*01_free_convolutions"):
        run_chapters.resolve_chapters(["07"], tmp_path)
    (tmp_path / "03_other.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="ambiguous"):
        run_chapters.resolve_chapters(["03"], tmp_path)


def test_has_parameters_cell():
    import nbformat

    nb = _notebook()
    assert run_chapters.has_parameters_cell(nb)
    nb.cells[1].metadata["tags"] = ["hide-input"]
    assert not run_chapters.has_parameters_cell(nb)
    nb.cells.append(nbformat.v4.new_markdown_cell("x", metadata={"tags": ["parameters"]}))
    assert not run_chapters.has_parameters_cell(nb)  # a markdown cell cannot hold parameters


def test_report_lists_failures(tmp_path):
    runs = [
        run_chapters.ChapterRun("01_free_convolutions", tmp_path / "01.ipynb", 2.0),
        run_chapters.ChapterRun("03_overfitting", tmp_path / "03.ipynb", 1.5, "ValueError: x"),
    ]
    text = run_chapters.report(runs)
    assert "1 of 2 chapter(s) ran in 3.5 s" in text
    assert "03_overfitting: ValueError: x" in text and str(tmp_path / "03.ipynb") in text
    assert "1 chapter(s) failed" in text


def test_run_chapters_main_rejects_unknown_chapters(tmp_path, capsys):
    (tmp_path / "01_free_convolutions.ipynb").write_text("{}")
    assert run_chapters.main(["42", "--notebooks", str(tmp_path)]) == 2
    assert "matches no chapter" in capsys.readouterr().err
    assert run_chapters.main(["--notebooks", str(tmp_path / "empty")]) == 2


# ------------------------------------------------------------------------------------------------
# check_pages
# ------------------------------------------------------------------------------------------------


def test_is_local_and_console_filter():
    origin = "http://127.0.0.1:8123"
    assert check_pages.is_local(origin + "/book/intro.html", origin)
    assert not check_pages.is_local("http://127.0.0.1:8124/x.js", origin)  # another port
    assert not check_pages.is_local("http://127.0.0.1:81234/x.js", origin)
    assert not check_pages.is_local("https://mybinder.org/v2/gh/x", origin)
    blocked = {"https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"}
    assert not check_pages.console_error_counts(
        "Failed to load resource: net::ERR_FAILED", next(iter(blocked)), origin, blocked
    )
    assert check_pages.console_error_counts(
        "Failed to load resource: 404", origin + "/_static/x.js", origin, blocked
    )
    assert check_pages.console_error_counts("uncaught exception: boom", "", origin, blocked)


def test_check_pages_examples_hold():
    import doctest

    result = doctest.testmod(check_pages)
    assert result.attempted >= 6 and result.failed == 0


def test_table_problems_read_keys_and_the_dataset_order():
    ordered = {"heads": ["dataset", "MNIST", "CIFAR-10"], "rows": ["MNIST", "CIFAR-10"],
               "cells": ["MNIST", "validation", "0.99"]}  # fmt: skip
    assert check_pages.table_problems([ordered]) == []
    swapped = {"heads": ["CIFAR-10", "MNIST"], "rows": [], "cells": ["val_acc", "cifar10"]}
    problems = check_pages.table_problems([swapped])
    assert problems[0].endswith("cifar10, val_acc") and "in its columns" in problems[1]
    snapshot = {"text": "", "outputImages": 0, "links": [], "widgets": [], "widgetStates": [],
                "tables": [swapped]}  # fmt: skip
    assert check_pages.snapshot_problems(snapshot, None, "http://h", ROOT) == problems


def test_redirect_target():
    assert check_pages.redirect_target("<meta http-equiv='refresh' content='0;url=a/b.html'>") == (
        "a/b.html"
    )
    assert check_pages.redirect_target("<p>url=x</p>") is None


def test_find_pages_skips_asset_folders(tmp_path):
    for rel in ("index.html", "book/intro.html", "_static/x.html", "_sources/y.html",
                "notebooks/01.html", "notebooks/01.ipynb"):  # fmt: skip
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html></html>")
    found = [p.relative_to(tmp_path).as_posix() for p in check_pages.find_pages(tmp_path)]
    assert found == ["book/intro.html", "index.html", "notebooks/01.html"]


def test_serve_answers_on_localhost(tmp_path):
    (tmp_path / "page.html").write_text("hello")
    with check_pages.serve(tmp_path) as origin:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", origin)
        with urllib.request.urlopen(origin + "/page.html", timeout=5) as response:
            assert response.read() == b"hello"


def test_report_summarises_failures_and_external_hosts():
    ok = check_pages.PageResult("book/intro.html", external={"https://cdn.jsdelivr.net/a.js"})
    bad = check_pages.PageResult("notebooks/03.html", errors=["image did not load: x.png"])
    text = check_pages.report([ok, bad])
    assert "FAILED notebooks/03.html" in text and "image did not load: x.png" in text
    assert "cdn.jsdelivr.net (1 page(s))" in text
    assert text.endswith("1 of 2 page(s) passed")


def test_check_pages_main_without_a_built_book(tmp_path, capsys):
    assert check_pages.main(["--html-dir", str(tmp_path)]) == 2
    assert "make book" in capsys.readouterr().err


def test_dedupe_scripts_keeps_first_of_equal_entries():
    class Script(str):
        def __new__(cls, filename, **attributes):
            self = super().__new__(cls, filename or "")
            self.filename, self.attributes = filename, attributes
            return self

    a, b = Script(None, body="const X = 1"), Script("", body="const X = 1")
    c = Script("_static/a.js")
    assert book_fixes.dedupe_scripts([a, c, b]) == [a, c]


def test_book_fixes_examples_hold():
    """The extension's doctests (pytest collects src/lithm only): scripts, repository address,
    and the PDF's removal of sources that the web page hides."""
    import doctest

    result = doctest.testmod(book_fixes)
    assert result.attempted >= 8 and result.failed == 0


def test_pdf_keeps_outputs_of_hidden_cells_and_drops_their_source():
    from docutils import nodes

    def cell(mode, with_source=True):
        c = nodes.container(nb_element="cell_code", hide_mode=mode)
        if with_source:
            c += nodes.container(nb_element="cell_code_source")
        c += nodes.container(nb_element="cell_code_output")
        return c

    doc = nodes.section()
    doc += [cell("input+output"), cell("output"), cell("all", with_source=False), cell(None)]
    assert book_fixes.drop_hidden_sources(doc) == 1
    kinds = [[child["nb_element"] for child in c.children] for c in doc.children]
    assert kinds == [
        ["cell_code_output"],
        ["cell_code_source", "cell_code_output"],
        ["cell_code_output"],
        ["cell_code_source", "cell_code_output"],
    ]


# ------------------------------------------------------------------------------------------------
# The book's configuration and prose pages agree with the code and with each other
# ------------------------------------------------------------------------------------------------


def _yaml(name: str):
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / name).read_text())


def _config():
    return _yaml("_config.yml")


def _toc_files():
    toc = _yaml("_toc.yml")
    parts = {p["caption"]: [c["file"] for c in p["chapters"]] for p in toc["parts"]}
    return toc, parts


def _book_pages() -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted((ROOT / "book").glob("*.md"))}


def test_config_executes_with_cache_and_excludes_non_book_files():
    config = _config()
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["timeout"] >= 300 and execute["allow_errors"] is False
    assert config["only_build_toc_files"] is True
    for pattern in ("README.md", "CONTRIBUTING.md", "notebooks/README.md", "notebooks/*.py",
                    ".venv", "results"):  # fmt: skip
        assert pattern in config["exclude_patterns"]
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    for name, folder in config["sphinx"]["local_extensions"].items():
        assert (ROOT / folder / f"{name}.py").is_file()
    for bib in config["bibtex_bibfiles"]:
        assert (ROOT / bib).is_file()
    assert config["launch_buttons"]["binderhub_url"] and config["launch_buttons"]["colab_url"]
    assert config["repository"]["branch"] == "main"


def test_toc_matches_the_chapter_list_of_notebooks_readme():
    toc, parts = _toc_files()
    assert toc["root"] == "book/intro"
    assert list(parts) == ["Foundations", "The paper's questions", "Conclusions", "Appendices"]
    readme = (ROOT / "notebooks" / "README.md").read_text()
    chapters = re.findall(r"^\| `(\d\d_\w+)` \|", readme, flags=re.MULTILINE)
    assert len(chapters) == 10
    listed = parts["Foundations"] + parts["The paper's questions"] + parts["Conclusions"]
    assert listed == [f"notebooks/{c}" for c in chapters]
    assert [len(parts[p]) for p in ("Foundations", "The paper's questions", "Conclusions")] == [
        2, 7, 1]  # fmt: skip
    for page in parts["Appendices"] + [toc["root"]]:
        assert (ROOT / f"{page}.md").is_file(), page


def test_every_citation_and_glossary_term_is_defined():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.MULTILINE))
    glossary = _book_pages()["glossary"]
    block = glossary.split("```{glossary}")[1].split("```")[0]
    terms = {line.strip().lower() for line in block.splitlines() if line and not line[0].isspace()}
    assert {"free convolution", "weight sharing", "fold", "profile", "results store"} <= terms
    for name, text in _book_pages().items():
        for cited in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
            for key in cited.split(","):
                assert key.strip() in keys, f"book/{name}.md cites unknown key {key!r}"
        for ref in re.findall(r"\{term\}`([^`]+)`", text):
            target = re.search(r"<([^>]+)>$", ref)
            term = (target.group(1) if target else ref).strip().lower()
            assert term in terms, f"book/{name}.md uses undefined glossary term {term!r}"


def _cells(values) -> str:
    return " | ".join(values)


def test_reproducibility_profile_table_matches_the_code():
    from lithm.experiments import PROFILES

    text = _book_pages()["reproducibility"]
    profiles = [PROFILES[name] for name in ("smoke", "book", "paper")]
    levels = lambda values: ", ".join(f"{v:g}" for v in values)  # noqa: E731
    per_dataset = lambda fmt: [  # noqa: E731
        " / ".join(fmt(p.scale(d)) for d in ("mnist", "cifar10")) for p in profiles
    ]
    per_dataset_of = lambda fmt: [  # noqa: E731
        " / ".join(fmt(p, d) for d in ("mnist", "cifar10")) for p in profiles
    ]
    rows = {
        "folds trained": [f"{len(p.folds)} of {p.n_folds}" for p in profiles],
        "images (MNIST / CIFAR-10)": per_dataset(lambda s: f"{s.subset:,}" if s.subset else "all"),
        "translation levels (MNIST / CIFAR-10)": per_dataset_of(
            lambda p, d: levels(p.experiment_levels("translation", d))
        ),
        "noise, edge-noise and rotation levels (MNIST / CIFAR-10)": per_dataset_of(
            lambda p, d: levels(p.experiment_levels("noise", d))
        ),
        "connection probabilities, synapse mask (MNIST / CIFAR-10)": per_dataset_of(
            lambda p, d: levels(p.dataset_connection_probs(d, "synapse"))
        ),
        "connection probabilities, input mask (MNIST / CIFAR-10)": per_dataset_of(
            lambda p, d: (
                levels(p.dataset_connection_probs(d, "input"))
                if "input" in p.dataset_connection_modes(d, ("synapse", "input"))
                else "none"
            )
        ),
        "connection mask modes (MNIST / CIFAR-10)": per_dataset_of(
            lambda p, d: ", ".join(p.dataset_connection_modes(d, ("synapse", "input")))
        ),
        "translation level of connection-pattern runs": [
            f"{p.connection_level:g}" for p in profiles
        ],
        "epochs (MNIST / CIFAR-10)": per_dataset(lambda s: str(s.epochs)),
        "early-stopping patience (MNIST / CIFAR-10)": per_dataset(
            lambda s: str(s.patience) if s.patience else "none"
        ),
        "batch size (MNIST / CIFAR-10)": per_dataset(lambda s: str(s.batch_size)),
        "learning rate (MNIST / CIFAR-10)": per_dataset(lambda s: f"{s.lr:g}"),
        "folds trained for translation": [
            f"{len(p.experiment_folds('translation'))} of {p.n_folds}" for p in profiles
        ],
        "held-out images of the transformed evaluations (MNIST / CIFAR-10)": per_dataset(
            lambda s: f"{s.eval_subset:,}" if s.eval_subset else "all"
        ),
        "edge-noise pattern": [f"`{p.edge_pattern}`" for p in profiles],
        "rotation centre": [f"`{p.rotation_center}`" for p in profiles],
    }
    for profile in profiles:  # the three noise-like experiments share their levels
        for ds in ("mnist", "cifar10"):
            noise = profile.experiment_levels("noise", ds)
            assert profile.experiment_levels("edge-noise", ds) == noise
            assert profile.experiment_levels("rotation", ds) == noise
    for label, values in rows.items():
        row = f"| {label} | {_cells(values)} |"
        assert row in text, f"reproducibility.md should have the row:\n{row}"


def test_reproducibility_covers_every_discrepancy():
    from lithm.paper import DISCREPANCIES

    text = _book_pages()["reproducibility"]
    sections = {m for d in DISCREPANCIES for m in re.findall(r"§10\.(\d+)", d.protocol)}
    assert sections == {str(i) for i in range(1, 13)}
    for number in sections:
        assert re.search(rf"\| {number} \| [^|]+\(.*§10\.{number}\)", text), f"§10.{number}"


def test_environment_file_installs_the_project_with_book_and_dev_extras():
    env = _yaml("environment.yml")
    assert env["name"] == "lithm"
    assert "python=3.11" in env["dependencies"] and "pip" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    editable = [p for p in pip if p.startswith("-e .[")]
    assert len(editable) == 1
    extras = set(editable[0][len("-e .[") : -1].split(","))
    assert {"book", "dev"} <= extras


def test_book_mk_targets():
    text = (ROOT / "book.mk").read_text()
    for target in ("book", "chapters", "sync", "check-pairs", "check-pages", "clean-book"):
        assert re.search(rf"^{re.escape(target)}:", text, flags=re.MULTILINE), target
    assert re.search(r"^book: \$\(STAMP\)$", text, flags=re.MULTILINE)
    assert "jupyter-book build . --all -W -n --keep-going" in text


# --------------------------------------------------------------------------------------------
# readme_status
# --------------------------------------------------------------------------------------------
readme_status = _load("readme_status", ROOT / "scripts" / "readme_status.py")


def test_readme_status_says_in_progress_and_the_projection(tmp_path, monkeypatch):
    monkeypatch.setenv("LITHM_RESULTS", str(tmp_path))  # an empty store: nothing done yet
    block = readme_status.status_block("book")
    last = block.splitlines()[-1]
    assert ": in progress, 0 of " in last and "complete" not in last
    assert block.splitlines()[0].startswith("| experiment | dataset | runs |")


def test_readme_status_says_complete_against_the_budget(monkeypatch):
    import lithm.runner

    row = {"experiment": "translation", "dataset": "mnist", "runs": 2, "done": 2, "running": 0,
           "missing": 0, "hours": 1.5, "cpu_hours": 1.25, "hours_left": 0.0}  # fmt: skip
    # the budget counts core-hours (wall-clock x threads): 31 of them are over it even though
    # the same runs took only 25 CPU-hours
    total = {"runs": 2, "done": 2, "hours": 31.0, "core_hours": 31.0, "cpu_hours": 25.0,
             "hours_left": 0.0}  # fmt: skip
    monkeypatch.setattr(lithm.runner, "grid_status", lambda profile, folder: ([row], total))
    last = readme_status.status_block("book").splitlines()[-1]
    assert ": complete, 2 of 2 done" in last and last.endswith("over the budget of 30.")
    assert "31.00 core-hours (wall-clock × threads) and 25.00 CPU-hours" in last
    total.update(done=1, core_hours=20.0, cpu_hours=18.0, hours_left=5.0)
    last = readme_status.status_block("book").splitlines()[-1]
    assert "in progress, 1 of 2 done" in last
    assert last.endswith("(projected total 25.0 core-hours, within the budget of 30).")


def test_readme_counts_the_runs_of_the_book_grid():
    from lithm.experiments import expand_all

    text = (ROOT / "README.md").read_text()
    stated = re.search(r"The `book` grid has (\d+) distinct runs", text)
    assert stated, "README.md should say how many distinct runs the book grid has"
    distinct = {c.run_id for c in expand_all("book")}
    assert int(stated.group(1)) == len(distinct)
