"""Tests of the publishing machinery: widgets that cannot stall, inline figures whatever MPLBACKEND
says, the one place for the repository's address, the chapters' set-up cell, the workflows, and
scripts/check_pages.py failing on the defects of the unpublished book (issue 10).

Two tests start a Jupyter kernel (a few seconds each); the browser test needs the system Chromium
and playwright, and is skipped without them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check_pages = _load("check_pages_publish", ROOT / "scripts" / "check_pages.py")
setup_cell = _load("setup_cell", ROOT / "scripts" / "setup_cell.py")
book_fixes = _load("lithm_book_fixes_publish", ROOT / "book" / "_ext" / "lithm_book_fixes.py")


# ------------------------------------------------------------------------------------------------
# lithm.widgets
# ------------------------------------------------------------------------------------------------


def test_explorer_never_captures_kernel_output(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    from lithm.widgets import explorer

    def refuse(self):  # the capture that stalls nbclient (see lithm/widgets.py)
        raise AssertionError("explorer entered an Output widget's capture")

    monkeypatch.setattr(ipywidgets.Output, "__enter__", refuse)

    def draw(n, colour):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(range(n), color=colour)
        print("drawn", n)
        return fig

    before = set(plt.get_fignums())
    box = explorer(draw, n=ipywidgets.IntSlider(value=2, min=1, max=5), colour="red")
    assert [type(c).__name__ for c in box.children] == ["IntSlider", "Output"]
    first = box.png
    assert first.startswith(b"\x89PNG")
    assert box.output.outputs[0] == {"output_type": "stream", "name": "stdout", "text": "drawn 2\n"}
    box.controls[0].value = 4
    assert box.output.outputs[0]["text"] == "drawn 4\n" and box.png != first
    assert set(plt.get_fignums()) == before  # nothing left for the inline backend to show
    bundle = box._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(bundle)


def test_explorer_errors_fail_the_cell_once_then_show_in_the_widget():
    ipywidgets = pytest.importorskip("ipywidgets")
    from lithm.widgets import explorer

    def draw(n):
        if n > 1:
            raise ValueError("too many")

    with pytest.raises(ValueError):
        explorer(draw, n=ipywidgets.IntSlider(value=2))
    box = explorer(draw, n=ipywidgets.IntSlider(value=1))
    assert box.output.outputs == () and box.png is None
    box.controls[0].value = 3
    assert "too many" in box.output.outputs[0]["text"]


def _execute(cells: list[str], tmp_path, timeout: int = 60):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    return nb


def _outputs(cell) -> list[dict]:
    return [o.get("data", {}) for o in cell.outputs if o["output_type"] != "stream"]


def test_figures_are_images_and_widgets_do_not_stall_with_mplbackend_agg(monkeypatch, tmp_path):
    """The old behaviour first (a figure printed as text), then the set-up cell's fix; the explorer
    cell finishes in seconds under nbclient and its saved state holds the first figure."""
    output_widget = pytest.importorskip("nbclient.output_widget")
    sent = []  # what the executor's Output-widget mimic sends to the kernel on the shell channel
    monkeypatch.setattr(
        output_widget.OutputWidget, "_publish_msg", lambda self, *a, **k: sent.append(a)
    )
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as CI sets it: the kernel inherits it
    fig = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([0, 1])\ndisplay(fig)"
    interactive = (  # the old explorer: draws (here: prints) into its Output widget at creation
        "import ipywidgets\ndef show(n):\n    print(n)\n"
        "display(ipywidgets.interactive(show, n=ipywidgets.IntSlider(value=3)))"
    )
    before = _execute(["import matplotlib\nmatplotlib.use('Agg')", fig, interactive], tmp_path)
    assert "image/png" not in _outputs(before.cells[1])[0]  # "<Figure size ...>" as text
    assert check_pages.expected_images(before) == 1  # ...which check_pages counts as a figure
    # The cause of the stall: while the cell runs, the executor sends on the shell socket from its
    # IOPub task, racing with the task that waits on that socket for the execute_reply.
    assert sent
    sent.clear()
    widget = (
        "import ipywidgets\nfrom lithm.widgets import explorer\n"
        "def draw(n):\n    f, a = plt.subplots()\n    a.plot(range(n))\n    return f\n"
        "explorer(draw, n=ipywidgets.IntSlider(value=3))"
    )
    cell = setup_cell.setup_cell()
    code = "\n".join(line for line in cell.splitlines() if not line.startswith("# %% "))
    code = code.replace("# %matplotlib inline", "%matplotlib inline")
    after = _execute([code, fig + "\nplt.close(fig)", widget], tmp_path, timeout=60)
    assert "image/png" in _outputs(after.cells[1])[0]
    view = _outputs(after.cells[2])[0]
    assert "application/vnd.jupyter.widget-view+json" in view and "image/png" in view
    state = after.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    outputs = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert "image/png" in outputs[0][0]["data"]
    assert sent == []  # the explorer never makes the executor write to the shell socket


# ------------------------------------------------------------------------------------------------
# lithm.site, the set-up cell and the book extension: one place for the address
# ------------------------------------------------------------------------------------------------


def _config_file(tmp_path, url: str, branch: str = "main") -> Path:
    path = tmp_path / "_config.yml"
    path.write_text(
        f"title: x\nrepository:\n  url: {url}  # a note\n  branch: {branch}\nhtml: {{}}\n"
    )
    return path


def test_repository_reads_the_config_and_knows_the_placeholder(tmp_path):
    from lithm.site import PLACEHOLDER, repository

    real = repository(_config_file(tmp_path, "https://github.com/ada/lithm.git", "book"))
    assert (real.url, real.branch, real.is_placeholder) == (
        "https://github.com/ada/lithm.git", "book", False)  # fmt: skip
    assert real.web_url == "https://github.com/ada/lithm"
    assert repository(_config_file(tmp_path, PLACEHOLDER)).is_placeholder
    assert repository(tmp_path / "missing.yml").is_placeholder
    assert repository().url == repository(ROOT / "_config.yml").url  # the checkout's own


def test_deploy_refuses_the_placeholder(monkeypatch, capsys):
    import lithm.site as site

    monkeypatch.setattr(site, "repository", lambda: site.Repository(site.PLACEHOLDER))
    assert site.main(["--require"]) == 1 and "not set" in capsys.readouterr().err
    monkeypatch.setattr(site, "repository", lambda: site.Repository("https://github.com/a/b"))
    assert site.main(["--require"]) == 0


def test_every_chapter_starts_with_the_same_setup_cell():
    assert CHAPTERS
    assert setup_cell.main(["--check"]) == 0  # the cell matches _config.yml's address
    for path in CHAPTERS:
        lines = path.read_text().splitlines(keepends=True)
        body = "".join(lines[setup_cell._header_end(lines) :]).lstrip("\n")
        assert body.startswith(setup_cell.setup_cell()), path.name  # the first cell, verbatim
        ipynb = json.loads(path.with_suffix(".ipynb").read_text())
        assert ipynb["cells"][0]["metadata"]["tags"] == ["remove-cell"]
        assert "%matplotlib inline" in "".join(ipynb["cells"][0]["source"]).splitlines()


def test_setup_cell_writes_a_real_address_and_never_the_placeholder(tmp_path):
    from lithm.site import PLACEHOLDER

    real = setup_cell.setup_cell(_config_file(tmp_path, "https://github.com/ada/lithm", "dev"))
    assert '"https://github.com/ada/lithm"' in real and '"dev"' in real
    unset = setup_cell.setup_cell(_config_file(tmp_path, PLACEHOLDER))
    assert "OWNER" not in unset and "repository.url" in unset  # says how to set it


def test_setup_cell_replaces_an_older_version(tmp_path):
    text = "# ---\n# jupyter: x\n# ---\n\n# %% [markdown]\n# # 3. Title\n"
    old = setup_cell.with_setup_cell(text, '# %% tags=["remove-cell"]\n# Set-up, old\nx = 1\n')
    new = setup_cell.with_setup_cell(old, '# %% tags=["remove-cell"]\n# Set-up, new\n')
    assert "old" not in new and new.count("Set-up") == 1 and new.endswith("# # 3. Title\n")


def test_book_extension_hides_the_placeholder():
    from lithm.site import HOW_TO_SET

    intro = (ROOT / "book" / "intro.md").read_text()
    assert book_fixes.URL_MARKER in intro and book_fixes.NOTE_MARKER in intro
    unset = book_fixes.with_repository(intro, None, HOW_TO_SET)
    assert "github.com" not in unset.split("## Reading and running it")[1]
    assert "repository.url" in unset
    real = book_fixes.with_repository(intro, "https://github.com/ada/lithm", HOW_TO_SET)
    assert "git clone https://github.com/ada/lithm lithm" in real and ":::{note}" not in real
    options = book_fixes.without_repository_buttons(
        {"repository_url": "u", "launch_buttons": {"colab_url": "c"}, "use_issues_button": True}
    )
    assert "repository_url" not in options and options["launch_buttons"] == {}


def test_binder_environment_is_cpu_only_without_ray_or_test_tools():
    binder = ROOT / ".binder"
    requirements = (binder / "requirements.txt").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in requirements
    post = (binder / "postBuild").read_text()
    assert '".[book]"' in post
    for unwanted in ("ray", "cluster", "dev", "pytest"):
        assert not re.search(rf"\b{unwanted}\b", requirements + post.split("set -euo")[1])
    assert not (binder / "environment.yml").exists()  # it would take precedence over pip


# ------------------------------------------------------------------------------------------------
# The workflows
# ------------------------------------------------------------------------------------------------


def _workflow(name: str) -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def _uses(workflow: dict) -> list[str]:
    return [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]


def test_book_workflow_builds_caches_refuses_the_placeholder_and_deploys():
    flow = _workflow("book.yml")
    on = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as True
    assert on["push"]["branches"] == ["main"]
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = [s.get("run", "") for s in build["steps"]]
    assert any("site.py --require" in r for r in runs)
    assert runs.index(next(r for r in runs if "--require" in r)) < runs.index("make book")
    names = [u.split("@")[0] for u in _uses(flow)]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages", "actions/cache"):  # fmt: skip
        assert action in names
    cached = " ".join(
        s["with"]["path"] for s in build["steps"] if "actions/cache" in s.get("uses", "")
    )
    assert "_build/.jupyter_cache" in cached and ".cache/pip" in cached
    assert deploy["needs"] == "build" and deploy["permissions"]["pages"] == "write"
    assert build["timeout-minutes"] <= 60


def test_tests_workflow_runs_make_test_on_push_and_pull_request():
    flow = _workflow("tests.yml")
    on = flow[True] if True in flow else flow["on"]
    assert "push" in on and "pull_request" in on
    (job,) = flow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 60
    assert "make test" in [s.get("run") for s in job["steps"]]


def test_actions_are_pinned_by_commit():
    for name in ("book.yml", "tests.yml"):
        for uses in _uses(_workflow(name)):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses


@pytest.mark.parametrize("tool", ["actionlint", "zizmor"])
def test_workflow_linters_pass(tool):
    import subprocess

    exe = Path(sys.executable).parent / tool
    if not exe.exists():
        pytest.skip(f"{tool} is not installed (pip install -e '.[dev]')")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    args = [str(exe), *workflows] if tool == "actionlint" else [str(exe), "--offline", *workflows]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------------
# check_pages on the old behaviour (synthetic snapshots, then a synthetic built page in Chromium)
# ------------------------------------------------------------------------------------------------

OLD_PAGE = {  # chapter 4 as CI built it with MPLBACKEND=Agg: figures as text, a bare widget
    "text": "Figure 3\n<Figure size 1035x500 with 36 Axes>\n<Figure size 640x360 with 1 Axes>",
    "outputImages": 0,
    "links": [],
    "widgets": [{"model": "abc", "rendered": False, "twins": 0}],
    "widgetStates": ["abc"],
}


def test_snapshot_problems_fail_on_the_old_build(tmp_path):
    problems = check_pages.snapshot_problems(OLD_PAGE, 2, "http://h", tmp_path)
    assert any("figure printed as text" in p and "2 time(s)" in p for p in problems)
    assert any("0 image(s) in cell outputs, but the chapter draws 2" in p for p in problems)
    assert any("neither its controls nor a static twin" in p for p in problems)
    good = dict(OLD_PAGE, text="Figure 3", outputImages=2)
    good["widgets"] = [{"model": "abc", "rendered": False, "twins": 2}]
    assert check_pages.snapshot_problems(good, 2, "http://h", tmp_path) == []
    assert check_pages.snapshot_problems(dict(good, outputImages=1), 2, "http://h", tmp_path)


def test_the_placeholder_address_fails_a_page(tmp_path):
    from lithm.site import PLACEHOLDER

    snapshot = dict(OLD_PAGE, text="git clone x", widgets=[], links=[PLACEHOLDER + "/issues"])
    (problem,) = check_pages.snapshot_problems(snapshot, None, "http://h", tmp_path)
    assert "placeholder repository address" in problem


def test_broken_links_are_found(tmp_path):
    (tmp_path / "a.html").write_text('<section id="s1">x</section>')
    links = ["http://h/a.html#s1", "http://h/a.html#s2", "http://h/gone.html", "https://x.org/"]
    snapshot = dict(OLD_PAGE, text="", widgets=[], links=links)
    problems = check_pages.snapshot_problems(snapshot, None, "http://h", tmp_path)
    assert [p.split(" (")[1] for p in problems] == ["no anchor #s2 in a.html)",
                                                    "no such file: gone.html)"]  # fmt: skip


def _chromium() -> str:
    pytest.importorskip("playwright.sync_api")
    if not Path(check_pages.CHROMIUM).is_file():
        pytest.skip("no system Chromium at /usr/bin/chromium")
    return check_pages.CHROMIUM


PNG = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _built_book(tmp_path: Path, chapter_html: str, figures: int) -> Path:
    """A tiny built book: index.html, one chapter page and its executed notebook."""
    html = tmp_path / "_build" / "html"
    (html / "notebooks").mkdir(parents=True)
    (html / "index.html").write_text(
        '<meta http-equiv="Refresh" content="0; url=notebooks/04.html" />'
    )
    (html / "notebooks" / "04.html").write_text(f"<html><body>{chapter_html}</body></html>")
    executed = tmp_path / "_build" / "jupyter_execute" / "notebooks"
    executed.mkdir(parents=True)
    output = {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG}}
    cell = {"cell_type": "code", "metadata": {}, "source": "", "outputs": [output] * figures}
    (executed / "04.ipynb").write_text(json.dumps({"cells": [cell]}))
    return html


def test_check_pages_fails_on_a_page_built_with_mplbackend_agg(tmp_path):
    chromium = _chromium()
    widget = ('<script type="application/vnd.jupyter.widget-view+json">'
              '{"version_major": 2, "version_minor": 0, "model_id": "m1"}</script>')  # fmt: skip
    old = (
        '<section id="s"><div class="cell_output"><pre>&lt;Figure size 1035x500 with 36 Axes&gt;'
        f'</pre></div><div class="cell_output">{widget}</div>'
        '<a href="missing.html">a link</a></section>'
    )
    html = _built_book(tmp_path, old, figures=1)
    (result,) = [r for r in check_pages.check_book(html, chromium) if r.page.endswith("04.html")]
    text = "\n".join(result.errors)
    assert "figure printed as text" in text
    assert "0 image(s) in cell outputs, but the chapter draws 1" in text
    assert "neither its controls nor a static twin" in text and "no saved state" in text
    assert "broken link" in text and "missing.html" in text

    shutil.rmtree(tmp_path / "_build")
    state = json.dumps({"version_major": 2, "version_minor": 0, "state": {"m1": {}}})
    good = (
        f'<script type="application/vnd.jupyter.widget-state+json">{state}</script>'
        f'<section id="s"><div class="cell_output"><img src="data:image/png;base64,{PNG}"></div>'
        f'<div class="cell_output">{widget}</div><a href="#s">here</a></section>'
    )
    html = _built_book(tmp_path, good, figures=1)
    assert all(r.ok for r in check_pages.check_book(html, chromium)), check_pages.report(
        check_pages.check_book(html, chromium)
    )


def test_build_targets_scale_timeouts_and_ci():
    book_mk = (ROOT / "book.mk").read_text()
    assert re.search(r"^book chapters pdf: export LITHM_CLASS_SCALE = build$", book_mk, re.M)
    assert re.search(r"^pdf: \$\(STAMP\) tex$", book_mk, re.M)
    assert "jupyter-book build . --builder pdflatex" in book_mk
    for package in ("latexmk", "texlive-xetex", "texlive-latex-extra", "fonts-freefont-otf"):
        assert package in book_mk
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["timeout"] <= 300  # a stalled cell fails within five minutes
    assert config["latex"]["latex_engine"] == "xelatex"
    run_chapters = (ROOT / "scripts" / "run_chapters.py").read_text()
    assert 'type=int, default=300, help="seconds per cell' in run_chapters
    ci = (ROOT / ".ci" / "run").read_text()
    assert "export MPLBACKEND=Agg" in ci and "--max-seconds" in ci and "make check-pages" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert "actionlint .github/workflows" in makefile and "zizmor --offline" in makefile


def test_html_shows_an_explorer_as_its_image_and_check_pages_agrees():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overrides = config["sphinx"]["config"]["nb_mime_priority_overrides"]
    assert overrides == [["html", check_pages.WIDGET_VIEW, 75]]  # after image/jpeg (70)
    order = check_pages.HTML_PRIORITY
    assert (
        order.index("image/jpeg") < order.index(check_pages.WIDGET_VIEW) < order.index("text/plain")
    )
