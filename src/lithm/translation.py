"""Tables and figures of the translation experiment for chapters 3–5 (paper §5.1–§5.3).

The chapters on overfitting, translation invariance and performance read the same runs (the
``translation`` experiment: CNN and FCN trained with random shifts, Tables 1–2, Figs. 3–4) and set
them beside the paper's numbers. The table assembly and figure code live here so that a chapter
shows the science, not the pandas:

- :func:`gap_table` and :func:`plot_gaps`: the difference between two accuracies (train −
  validation for §5.1, validation − translation for §5.2) per model and level, the authors' way
  and per fold, beside the paper's;
- :func:`rebuilt_table`: Table 1 or 2 rebuilt from our runs, with the paper's bold cells;
- :func:`fcn_minus_cnn`: FCN − CNN at the same level, ours and the paper's (§5.3, §6);
- :func:`aggregation_figure`: what the authors' median over epochs × folds does to a number
  (protocol §9);
- :func:`level_figure` and :func:`results_explorer`: accuracy against training level, as a figure
  and as an explorer widget.

>>> from lithm.analysis import demo_records, load_results
>>> frame = load_results(demo_records())
>>> t = gap_table(frame, "mnist", "train", "validation")
>>> list(t.index.names), "paper gap" in t.columns
(['model', 'level'], True)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lithm.analysis import (
    METRICS,
    TABLE_METRICS,
    WAYS,
    authors_table,
    comparison_table,
    runs_of,
    scale_label,
)
from lithm.config import DISPLAY_NAMES
from lithm.paper import PAPER_LEVELS, bold_cells, paper_value
from lithm.plots import MODEL_COLORS, OKABE_ITO, level_colors, plot_level_summary, titled
from lithm.tables import book_order, readable, relabel_index

__all__ = [
    "NAMES",
    "aggregation_figure",
    "fcn_minus_cnn",
    "final_epochs",
    "gap_labels",
    "gap_table",
    "level_figure",
    "paper_difference",
    "plot_gaps",
    "pretty",
    "rebuilt_table",
    "results_explorer",
]

NAMES = DISPLAY_NAMES  # public alias: the chapters import it from here
_TABLES = {"mnist": ("Table 1", "table1"), "cifar10": ("Table 2", "table2")}


def pretty(table: pd.DataFrame) -> pd.DataFrame:
    """Readable index labels: dataset and model names, levels as percentages
    (:func:`lithm.tables.relabel_index`; the columns are kept for the caller to format), with the
    rows of MNIST before those of CIFAR-10 (:func:`lithm.tables.book_order`).

    >>> pretty(pd.DataFrame({"x": [1]}, index=pd.Index([0.1], name="level"))).index.tolist()
    ['10 %']
    >>> both = pd.Index(["cifar10", "mnist"], name="dataset")
    >>> pretty(pd.DataFrame({"x": [1, 2]}, index=both)).index.tolist()
    ['MNIST', 'CIFAR-10']
    """
    ordered = book_order(table)
    return ordered.set_axis(relabel_index(ordered.index), axis=0)


#: Reader's labels for the per-fold columns of :func:`gap_table`.
GAP_LABELS = {
    "final_gap": "gap (final epoch)", "final_min": "lowest fold", "final_max": "highest fold",
    "decline": "decline after peak", "best_epoch": "best epoch", "epochs": "of epochs",
}  # fmt: skip


def gap_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`gap_table` ready to read: :func:`pretty` index labels, column names in words,
    gaps to three decimals and epoch counts as whole numbers (a pandas Styler).

    >>> from lithm.analysis import demo_records, load_results
    >>> html = gap_labels(gap_table(load_results(demo_records()), "mnist", "train", "validation"))
    >>> "gap (final epoch)" in html.to_html() and "final_gap" not in html.to_html()
    True
    """
    return readable(table, GAP_LABELS, whole=("best epoch", "of epochs", "folds"))


def final_epochs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per translation run: its last epoch, plus ``decline`` (best − last clean
    validation accuracy) and ``best_epoch`` (first epoch of the best one).

    >>> from lithm.analysis import demo_records, load_results
    >>> len(final_epochs(load_results(demo_records())))
    8
    """
    sub = runs_of(frame, "translation")
    if sub.empty:
        return sub.assign(decline=[], best_epoch=[])
    ordered = sub.sort_values(["run_id", "epoch"])
    last = ordered.groupby("run_id").tail(1).copy()
    peak = ordered.groupby("run_id")["val_acc"].max()
    best = ordered.loc[ordered.groupby("run_id")["val_acc"].idxmax(), ["run_id", "epoch"]]
    last["decline"] = last["run_id"].map(peak) - last["val_acc"]
    last["best_epoch"] = last["run_id"].map(best.set_index("run_id")["epoch"])
    return last


def paper_difference(dataset: str, model: str, level: float, first: str, second: str) -> float:
    """The paper's ``first − second`` accuracy (Table 1 or 2), NaN at a level it did not run.

    >>> round(paper_difference("cifar10", "fcn", 0.0, "train", "validation"), 3)
    0.353
    """
    if not any(np.isclose(level, known) for known in PAPER_LEVELS):
        return float("nan")
    return paper_value("translation", dataset, model, level, first) - paper_value(
        "translation", dataset, model, level, second
    )


def gap_table(frame: pd.DataFrame, dataset: str, first: str, second: str) -> pd.DataFrame:
    """Per (model, level): ``first − second`` the authors' way and per fold, beside the paper's.

    ``first`` and ``second`` are metric names ("train", "validation", "translation"). Columns:
    the two accuracies and their gap the authors' way (median over every epoch of every fold,
    protocol §9); ``final_gap``, ``final_min``, ``final_max`` (each fold's last epoch: median,
    lowest and highest fold); ``decline`` and ``best_epoch`` (medians over folds, see
    :func:`final_epochs`); ``epochs`` (longest run) and ``folds``; ``paper gap`` and
    ``gap − paper`` (authors' way minus the paper's).
    """
    columns = ["model", "level", f"{first} (authors)", f"{second} (authors)", "gap (authors)",
               "final_gap", "final_min", "final_max", "decline", "best_epoch", "epochs", "folds",
               "paper gap", "gap − paper"]  # fmt: skip
    authors = authors_table(frame, "translation", dataset, metrics=(first, second))
    if authors.empty:
        return pd.DataFrame(columns=columns).set_index(["model", "level"])
    authors = authors.set_index(["model", "level"])
    last = final_epochs(frame)
    last = last[last["dataset"] == dataset]
    last = last.assign(gap=last[METRICS[first]] - last[METRICS[second]])
    per_fold = last.groupby(["model", "level"]).agg(
        final_gap=("gap", "median"), final_min=("gap", "min"), final_max=("gap", "max"),
        decline=("decline", "median"), best_epoch=("best_epoch", "median"),
        epochs=("epoch", "max"), folds=("fold", "nunique"),
    )  # fmt: skip
    table = pd.DataFrame(
        {
            f"{first} (authors)": authors[first],
            f"{second} (authors)": authors[second],
            "gap (authors)": authors[first] - authors[second],
        }
    ).join(per_fold)
    table["paper gap"] = [paper_difference(dataset, m, lv, first, second) for m, lv in table.index]
    table["gap − paper"] = table["gap (authors)"] - table["paper gap"]
    return table


def plot_gaps(tables: dict, first: str, second: str, scale: str = ""):
    """The gap ``first − second`` against the training level, one panel per dataset: ours the
    authors' way (solid) and per fold at the final epoch (dashed, fold range as bars) beside the
    paper's (open diamonds). ``tables`` maps dataset -> :func:`gap_table`."""
    n = max(len(tables), 1)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n + 1.5, 3.8), squeeze=False,
                             layout="constrained")  # fmt: skip
    for ax, (ds, table) in zip(axes[0], tables.items(), strict=False):
        for model in ("cnn", "fcn"):
            color, name = MODEL_COLORS[model], NAMES[model]
            if model in table.index.get_level_values("model"):
                t = table.loc[model]
                x = t.index.to_numpy(dtype=float) * 100
                ax.plot(x, t["gap (authors)"], "o-", color=color, label=f"{name}: ours, authors'")
                ax.plot(x, t["final_gap"], "--", color=color, label=f"{name}: ours, final epoch")
                ax.vlines(x, t["final_min"], t["final_max"], color=color, alpha=0.5)
            paper = [paper_difference(ds, model, lv, first, second) for lv in PAPER_LEVELS]
            ax.plot(np.array(PAPER_LEVELS) * 100, paper, color=color, linewidth=0.8, alpha=0.6,
                    marker="D", markerfacecolor="none", label=f"{name}: paper")  # fmt: skip
        ax.axhline(0, color="0.4", linewidth=0.8)
        ax.set_title(NAMES.get(ds, ds))
        ax.set_xlabel("training translation %")
        ax.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel(f"{first} − {second} accuracy")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    return titled(fig, f"{first.capitalize()} − {second} accuracy", scale)


def rebuilt_table(frame: pd.DataFrame, dataset: str, way: str = "final"):
    """Table 1 (MNIST) or 2 (CIFAR-10) rebuilt from our runs beside the paper's, as a Styler.

    Columns (metric, model, quantity): ours, the fold range (per-fold ways), the paper's value
    and Δ = ours − paper. Bold: for our columns the best level among ours, for the paper's its
    own bold cells (column maxima over its 11 levels, which may lie at a level we did not run).
    """
    long = comparison_table(frame, "translation", [dataset], way=way)
    pieces, bold = {}, set()
    paper_bold = bold_cells(_TABLES[dataset][1])
    for metric in TABLE_METRICS:
        for model in ("cnn", "fcn"):
            part = long[(long["metric"] == metric) & (long["model"] == model)].set_index("level")
            if part.empty:
                continue
            key = (metric, NAMES[model])
            pieces[(*key, "ours")] = part["ours"]
            bold |= {((*key, "ours"), lv) for lv in part.index[part["ours"] == part["ours"].max()]}
            if way != "authors":
                spread = zip(part["ours_min"], part["ours_max"], strict=True)
                pieces[(*key, "folds")] = pd.Series(
                    [f"{lo:.3f}–{hi:.3f}" for lo, hi in spread], index=part.index
                )
            pieces[(*key, "paper")] = part["paper"]
            pieces[(*key, "Δ")] = part["difference"]
            marked = paper_bold[(paper_bold["metric"] == metric) & (paper_bold["model"] == model)]
            bold |= {((*key, "paper"), lv) for lv in part.index
                     if np.isclose(marked["level"], lv).any()}  # fmt: skip
    table = pd.DataFrame(pieces)
    if table.empty:
        return table
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["metric", "model", ""])
    levels = list(table.index)

    def embolden(column):
        return ["font-weight: bold" if (column.name, lv) in bold else "" for lv in levels]

    numbers = [c for c in table.columns if c[2] in ("ours", "paper")]
    deltas = [c for c in table.columns if c[2] == "Δ"]
    sub = runs_of(frame, "translation")
    caption = (
        f"{_TABLES[dataset][0]} ({NAMES[dataset]}) rebuilt. Ours: {WAYS[way]}. Paper: median over "
        f"every epoch of every fold. {scale_label(sub[sub['dataset'] == dataset])}"
    )
    table.index = [f"{lv * 100:g} %" for lv in levels]
    table.index.name = "translation"
    return (
        table.style.apply(embolden, axis=0)
        .format(na_rep="–")  # the folds column of a level one model lacks
        .format("{:.4f}", subset=numbers, na_rep="–")
        .format("{:+.4f}", subset=deltas, na_rep="–")
        .set_caption(caption)
    )


def fcn_minus_cnn(frame: pd.DataFrame, datasets, way: str = "final") -> pd.DataFrame:
    """Validation accuracy FCN − CNN at the same training level, the paper's and ours.

    >>> from lithm.analysis import demo_records, load_results
    >>> fcn_minus_cnn(load_results(demo_records()), ["mnist"]).columns.tolist()[0]
    'paper: FCN − CNN'
    """
    t = comparison_table(frame, "translation", datasets, way=way, metrics=("validation",))
    if t.empty or not {"cnn", "fcn"} <= set(t["model"]):
        return pd.DataFrame(columns=["paper: FCN − CNN", f"ours ({way}): FCN − CNN"])
    ours = t.pivot_table(index=["dataset", "level"], columns="model", values="ours")
    paper = t.pivot_table(index=["dataset", "level"], columns="model", values="paper")
    return pd.DataFrame(
        {
            "paper: FCN − CNN": paper["fcn"] - paper["cnn"],
            f"ours ({way}): FCN − CNN": ours["fcn"] - ours["cnn"],
        }
    )


def aggregation_figure(frame: pd.DataFrame, dataset: str, model: str, level: float):
    """Three summaries of one setting's validation accuracy, and how the authors' one moves.

    Left: each fold's curve with the authors' median (every epoch of every fold, protocol §9), the
    median of the final epochs and of the best epochs. Right: the authors' median had training
    stopped after k epochs. Returns ``(figure, {summary: value}, runs)``.
    """
    sub = runs_of(frame, "translation")
    runs = sub[(sub["dataset"] == dataset) & (sub["model"] == model)
               & np.isclose(sub["level"], level)].sort_values(["fold", "epoch"])  # fmt: skip
    last = runs.groupby("fold").tail(1)
    best = runs.loc[runs.groupby("fold")["val_acc"].idxmax()]
    values = {
        "authors' median (all epochs × folds)": runs["val_acc"].median(),
        "final epoch (median over folds)": last["val_acc"].median(),
        "best epoch (median over folds)": best["val_acc"].median(),
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    fold_colors = level_colors(runs["fold"].unique(), cmap="viridis")
    for fold, part in runs.groupby("fold"):
        left.plot(part["epoch"], part["val_acc"], color=fold_colors[fold], alpha=0.7,
                  marker=".", label=f"fold {fold}")  # fmt: skip
    # (colour, style, width): the final-epoch line is wide so that a best-epoch line on top of it
    # (the same value when the last epoch was the best) stays visible.
    styles = (("0.15", ":", 1.8), (OKABE_ITO[5], "-", 3.0), (OKABE_ITO[1], "--", 1.5))
    for (label, value), (color, style, width) in zip(values.items(), styles, strict=True):
        left.axhline(value, color=color, linestyle=style, linewidth=width, label=label)
    left.set(xlabel="epoch", ylabel="validation accuracy (clean held-out fold)",
             title="(a) per-fold curves and three summaries")  # fmt: skip
    left.legend(fontsize="small")
    epochs = sorted(runs["epoch"].unique())
    right.plot(
        epochs,
        [runs.loc[runs["epoch"] <= k, "val_acc"].median() for k in epochs],
        color="0.15",
        linestyle=":",
        marker="o",
        label="authors' median of epochs 1..k",
    )
    right.axhline(values["final epoch (median over folds)"], color=OKABE_ITO[5], linewidth=3.0,
                  label="final epoch (median over folds)")  # fmt: skip
    right.set(
        xlabel="k (epochs pooled)", title="(b) the authors' median depends on how long one trains"
    )
    right.legend(fontsize="small")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"{NAMES[dataset]} {NAMES[model]}, {level * 100:g} % translation: three ways to "
                 f"summarise\n{scale_label(runs)}", fontsize="medium")  # fmt: skip
    plt.close(fig)
    return fig, values, runs


def level_figure(frame: pd.DataFrame, datasets, metric: str = "validation", way: str = "final"):
    """Our accuracy against the training level beside the paper's (one metric), or None when
    nothing is stored; a one-panel figure gets room for its title beside the legend."""
    table = comparison_table(frame, "translation", datasets, way=way, metrics=[metric])
    if table.empty:
        return None
    fig = plot_level_summary(table)
    # why: plot_level_summary sizes a one-panel figure so narrow that its title runs under the
    # legend
    if fig.get_figwidth() < 9.0:
        fig.set_size_inches(9.0, fig.get_figheight())
    return fig


def results_explorer(frame: pd.DataFrame, datasets, way: str = "final"):
    """An explorer widget (:func:`lithm.widgets.explorer`): dataset, metric and way -> figure."""
    import ipywidgets as widgets

    from lithm.widgets import explorer

    def draw(dataset, metric, way):
        fig = level_figure(frame, [dataset], metric, way)
        if fig is None:
            print(f"No {NAMES[dataset]} runs stored yet.")
        return fig

    return explorer(
        draw,
        dataset=widgets.Dropdown(options=[(NAMES[d], d) for d in datasets], description="dataset"),
        metric=widgets.Dropdown(
            options=list(TABLE_METRICS), value="validation", description="metric"
        ),  # fmt: skip
        way=widgets.Dropdown(options=list(WAYS), value=way, description="way"),
    )
