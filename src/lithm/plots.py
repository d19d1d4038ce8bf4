"""The paper's figures, redrawn from the results store with matplotlib.

Each function mirrors one figure of the paper (protocol §9) and returns a
:class:`matplotlib.figure.Figure`; none calls ``plt.show``. Curves are the mean over folds with a
band from the lowest to the highest fold (the authors drew a 95 % bootstrap band, which means little
with 2–5 folds); late epochs that fewer folds reached are still drawn. Levels use the sequential,
colour-blind safe ``cividis`` map (connection probabilities ``viridis``); models use the Okabe–Ito
colours.

Every figure carries a subtitle: ``scale`` when given, else :func:`lithm.analysis.scale_label` of
the runs it draws ("" for none).

Why figures are closed before they are returned: a figure left open in pyplot is drawn by Jupyter at
the end of the cell *and* again as the cell's value. Closed, it shows exactly once when it is the
cell's last value (or ``display(fig)``), and ``fig.savefig`` works as usual.

>>> from lithm.analysis import demo_records, load_results
>>> fig = plot_training_curves(load_results(demo_records()), "mnist")
>>> len(fig.axes), len(fig.axes[0].lines)  # 3 x 2 panels, one line per translation level
(6, 2)
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lithm.analysis import (
    METRICS,
    curves,
    distance_curves,
    runs_of,
    scale_label,
)
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import canonical_dataset
from lithm.experiments import get_experiment
from lithm.paper import paper_results

__all__ = [
    "CONNECTION_PANELS",
    "MODEL_COLORS",
    "OKABE_ITO",
    "legend_below",
    "level_colors",
    "plot_connections",
    "plot_filter_distance",
    "plot_level_summary",
    "plot_swap",
    "plot_training_curves",
    "titled",
]

#: The Okabe–Ito palette (colour-blind safe), for categories.
OKABE_ITO = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
)  # fmt: skip
#: CNN blue, FCN vermillion (Okabe–Ito).
MODEL_COLORS = {"cnn": "#0072B2", "fcn": "#D55E00"}
_MODE_COLORS = {"synapse": "#009E73", "input": "#CC79A7"}
# Legend title and how a level is written, per training augmentation (protocol §5).
_LEVELS = {
    "translation": ("translation %", 100.0),
    "rotation": ("rotation % of 360°", 100.0),
    "noise": ("noise σ", 1.0),
    "edge-noise": ("edge-noise σ", 1.0),
    "connections": ("connections absent %", 100.0),
}
_ROW_LABELS = {
    "acc": "training accuracy\n(augmented batches)",
    "val_acc": "validation accuracy\n(clean held-out fold)",
    "translation": "translation accuracy\n(held-out fold, ±25 % shifts)",
    "noise": "noise accuracy\n(held-out fold, σ 0.15)",
    "rotation": "rotation accuracy\n(held-out fold, ±45°)",
    "edge_noise": "edge-noise accuracy\n(held-out fold, σ 0.15)",
    "swap": "quadrant-swap accuracy\n(held-out fold, I and III swapped)",
}
_TRAINING_FIGURES = {("translation", "mnist"): "Fig. 3", ("translation", "cifar10"): "Fig. 4"}
_DISTANCE_FIGURES = {"translation": "Fig. 5", "rotation": "Fig. B.6", "noise": "Fig. B.7"}
_CONNECTION_FIGURES = {"mnist": "Fig. C.1", "cifar10": "Fig. C.2"}
#: The six panels of the paper's Figs. C.1 and C.2, letter -> history column (App. C captions):
#: (a) training accuracy on the translated batches, (b) clean validation, (c)–(f) the held-out
#: fold translated (±25 %), rotated (±45°), with noise (σ 0.15) and with edge noise (σ 0.15).
CONNECTION_PANELS = {
    "a": "acc", "b": "val_acc", "c": "translation", "d": "rotation", "e": "noise",
    "f": "edge_noise",
}  # fmt: skip
_MODE_TITLES = {
    "synapse": "synapse mask (the paper's description)",
    "input": "input mask (the authors' code, protocol §8)",
}
_PAPER_TABLES = {
    ("translation", "mnist"): "Table 1",
    ("translation", "cifar10"): "Table 2",
    ("edge-noise", None): "Table B.1",
    ("noise", None): "Table B.2",
    ("rotation", None): "Table B.3",
}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def level_colors(values, cmap: str = "cividis") -> dict:
    """Map each value (level or probability) to a colour of a sequential map, evenly by rank.

    The top of the map is left out (cividis ends in a pale yellow that vanishes on white).

    >>> colors = level_colors([0.0, 0.5, 0.9])
    >>> len(colors), colors[0.0] != colors[0.9]
    (3, True)
    """
    values = sorted(set(float(v) for v in values))
    positions = np.linspace(0.0, 0.85, max(len(values), 2))
    colormap = plt.get_cmap(cmap)
    return {v: colormap(p) for v, p in zip(values, positions, strict=False)}


def _level_text(experiment: str, value: float) -> str:
    factor = _LEVELS[experiment][1]
    return f"{value * factor:g}"


def _new_figure(nrows: int, ncols: int, figsize, **kwargs):
    fig, axes = plt.subplots(
        nrows, ncols, figsize=figsize, squeeze=False, layout="constrained", **kwargs
    )
    return fig, axes


def titled(fig: Figure, title: str, scale: str | None = None) -> Figure:
    """``fig`` with ``title`` and the runs' ``scale`` as its heading, wrapped to its width, and
    closed (the caller displays it).

    A two-dataset scale label is longer than a figure is wide; unwrapped, it would widen the
    saved image with empty margins.

    >>> fig = titled(plt.figure(figsize=(4, 3)), "A title", "MNIST: " + "x " * 60)
    >>> len(fig._suptitle.get_text().splitlines()) > 2
    True
    """
    # characters of a medium-size title per line, roughly; short enough to leave room on the right
    # for a legend placed outside the axes (loc="outside right upper")
    width = int(fig.get_figwidth() * 10)
    lines = textwrap.wrap(title, width) + (textwrap.wrap(scale, width) if scale else [])
    fig.suptitle("\n".join(lines), fontsize="medium")
    # why: see the module docstring; an open pyplot figure would be shown twice in Jupyter.
    plt.close(fig)
    return fig


_finish = titled


def _band(ax, data: pd.DataFrame, color, label=None, x="epoch", **line):
    """Mean line and a min–max band over folds; dotted, without a band, where some folds have
    already stopped (the mean of fewer folds would otherwise show as a step)."""
    data = data.sort_values(x)
    if len(data) == 1:  # a single epoch is a point, invisible as a line
        line.setdefault("marker", "o")
    full = data
    if "n" in data and data["n"].nunique() > 1:
        # why: early stopping ends folds at different epochs; past the first stop the "mean" is
        # that of the longer folds only, which can jump. Draw it, but marked as partial.
        complete = data["n"] == data["n"].max()
        last = data.loc[complete, x].max()
        full, tail = data[data[x] <= last], data[data[x] >= last]
        style = {k: v for k, v in line.items() if k not in ("linestyle", "ls")}
        ax.plot(tail[x], tail["mean"], color=color, linestyle=":", linewidth=1, **style)
    (handle,) = ax.plot(full[x], full["mean"], color=color, label=label, **line)
    ax.fill_between(full[x], full["min"], full["max"], color=color, alpha=0.18, linewidth=0)
    return handle


def _epoch_axis(ax, label="epoch"):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(label)
    ax.grid(True, alpha=0.3)


def _check_dataset(frame: pd.DataFrame, dataset: str) -> str:
    ds = canonical_dataset(dataset)
    if "dataset" in frame.columns and ds not in set(frame["dataset"]):
        present = sorted(set(frame["dataset"])) or ["none"]
        raise ValueError(f"no runs of {ds!r} in the frame; datasets present: {', '.join(present)}")
    return ds


def _scale(scale, frame, experiment, dataset):
    if scale is not None:
        return scale
    sub = runs_of(frame, experiment)
    return scale_label(sub[sub["dataset"] == dataset])


def _level_legend(fig: Figure, handles: dict, levels, experiment: str) -> None:
    """One legend entry per training level, titled with the level's unit, right of the axes."""
    fig.legend(
        [handles[v] for v in levels], [_level_text(experiment, v) for v in levels],
        title=_LEVELS[experiment][0], loc="outside right upper",
    )  # fmt: skip


def legend_below(fig):
    """Move a figure's legends (figure- or axes-level) into one figure legend under the axes, so
    that no legend overlaps the title; returns ``fig``.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(layout="constrained")
    >>> _ = ax.plot([0, 1], label="a"); _ = fig.legend(loc="outside right upper", title="t")
    >>> legend_below(fig) is fig, fig.legends[0].get_title().get_text(), fig.legends[0]._loc
    (True, 't', 8)
    >>> plt.close(fig)
    """
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    if not legends:
        return fig
    handles, labels, title = [], [], ""
    for legend in legends:
        title = title or legend.get_title().get_text()
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
            if text.get_text() not in labels:
                handles.append(handle)
                labels.append(text.get_text())
        legend.remove()
    fig.legends.clear()
    fig.legend(handles, labels, title=title or None, loc="outside lower center",
               ncols=min(len(labels), 8))  # fmt: skip
    return fig


def plot_training_curves(
    frame: pd.DataFrame, dataset: str, experiment: str = "translation", scale: str | None = None
) -> Figure:
    """Draw paper Figs. 3 (MNIST) and 4 (CIFAR-10): accuracy against epoch, one line per level.

    A 3 × 2 grid as the authors' figure (protocol §9): FCN left, CNN right; rows: training accuracy
    on the augmented batches, clean validation accuracy, accuracy on the held-out fold shifted by up
    to 25 %. Other experiments ("noise", "edge-noise", "rotation") give the authors' supplementary
    figures of the same layout.

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_training_curves(load_results(demo_records()), "mnist", scale="")
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['(a) FCN', '(b) CNN']
    """
    if get_experiment(experiment).connection_modes:
        raise ValueError("for the connections experiment use plot_connections")
    ds = _check_dataset(frame, dataset)
    data = {m: curves(frame, experiment, ds, m) for m in ("acc", "val_acc", "translation")}
    if all(d.empty for d in data.values()):
        raise ValueError(f"no runs of the {experiment!r} experiment on {ds!r} in the frame")
    levels = sorted(set().union(*(set(d["level"].astype(float)) for d in data.values())))
    colors = level_colors(levels)
    fig, axes = _new_figure(3, 2, (10, 9.5), sharex=True)
    handles = {}
    for row, (metric, frame_m) in enumerate(data.items()):
        for col, model in enumerate(("fcn", "cnn")):
            ax = axes[row, col]
            for level in levels:
                part = frame_m[(frame_m["model"] == model) & (frame_m["level"] == level)]
                if part.empty:
                    continue
                handles[level] = _band(ax, part, colors[level], _level_text(experiment, level))
            if row == 0:
                ax.set_title(f"({_LETTERS[col]}) {_NAMES[model]}")
                ax.set_ylim(0, 1.05)  # as the authors' figures (protocol §9)
            else:
                ax.set_title(f"({_LETTERS[2 * row + col]})", loc="left")
            if col == 0:
                ax.set_ylabel(_ROW_LABELS[metric])
            _epoch_axis(ax, "epoch" if row == 2 else "")
    _level_legend(fig, handles, levels, experiment)
    ref = _TRAINING_FIGURES.get((experiment, ds))
    ref = f"cf. paper {ref}" if ref else "cf. the authors' supplementary figures (not in the paper)"
    title = f"{_NAMES[ds]}, trained with {experiment} augmentation: {ref}"
    return _finish(fig, title, _scale(scale, frame, experiment, ds))


def plot_filter_distance(
    distances: pd.DataFrame,
    dataset: str = "mnist",
    experiment: str = "translation",
    metric: str = "euclidean",
    scale: str | None = None,
) -> Figure:
    """Draw paper Fig. 5 (and B.6, B.7): first-layer filter distance against epoch, per level.

    Radius 1 left, radius 4 right (the paper's caption says 4 and 7; the text, code and figure use 1
    and 4, protocol §6, §10.7). Epoch 0 is before training. ``metric="cosine"`` plots the cosine
    *distance* (the authors' CIFAR figure calls it "similarity", protocol §6). Free convolutions
    only.

    >>> from lithm.analysis import demo_records, load_distances
    >>> fig = plot_filter_distance(load_distances(demo_records()), scale="")
    >>> len(fig.axes), len(fig.axes[1].lines)
    (2, 2)
    """
    if get_experiment(experiment).connection_modes:
        raise ValueError("filter distances are plotted for the augmentation experiments only")
    ds = _check_dataset(distances, dataset)
    data = distance_curves(distances, experiment, ds, metric)
    data = data[data["model"] == "fcn"]
    if data.empty:
        raise ValueError(f"no filter distances of {experiment!r} FCN runs on {ds!r}")
    levels = sorted(set(data["level"].astype(float)))
    colors = level_colors(levels)
    fig, axes = _new_figure(1, 2, (10, 4), sharey=True)
    handles = {}
    for col, radius in enumerate((1, 4)):
        ax = axes[0, col]
        for level in levels:
            part = data[(data["radius"] == radius) & (data["level"] == level)]
            if not part.empty:
                handles[level] = _band(ax, part, colors[level], _level_text(experiment, level))
        ax.set_title(f"({_LETTERS[col]}) filters at distance {radius}")
        _epoch_axis(ax, "epoch (0 = before training)")
    what = "Euclidean distance" if metric == "euclidean" else "cosine distance"
    axes[0, 0].set_ylabel(f"mean {what}\n(first layer, normalised kernels)")
    _level_legend(fig, handles, levels, experiment)
    ref = _DISTANCE_FIGURES.get(experiment) if ds == "mnist" else None
    ref = f"cf. paper {ref}" if ref else "no such figure in the paper"
    title = f"{_NAMES[ds]} FCN trained with {experiment}: {what} between filters ({ref})"
    return _finish(fig, title, _scale(scale, distances, experiment, ds))


def plot_swap(
    frame: pd.DataFrame,
    dataset: str = "mnist",
    level: float = 0.0,
    scale: str | None = None,
    show_validation: bool = True,
) -> Figure:
    """Draw paper Fig. 6: accuracy on the quadrant-swapped held-out fold against epoch, CNN vs FCN.

    Models trained at translation ``level`` (the paper: 0, MNIST). The paper's experiment has no
    control (protocol §5.5, §10.10), so by default the clean validation accuracy is drawn dashed
    beside it, and chance (10 %) dotted: the drop from clean to swapped is what the figure is about.
    Lines: one swap line per model, one dashed validation line per model, the chance line.

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_swap(load_results(demo_records()), scale="")
    >>> len(fig.axes), len(fig.axes[0].lines)
    (1, 5)
    """
    ds = _check_dataset(frame, dataset)
    swap = curves(frame, "translation", ds, "swap")
    val = curves(frame, "translation", ds, "val_acc")
    at = np.isclose(swap["level"].astype(float), float(level))
    if not at.any():
        present = ", ".join(f"{v:g}" for v in sorted(set(swap["level"].astype(float))))
        raise ValueError(f"no {ds!r} runs at translation level {level}; levels present: {present}")
    swap = swap[at]
    val = val[np.isclose(val["level"].astype(float), float(level))]
    fig, axes = _new_figure(1, 1, (9, 4.2))
    ax = axes[0, 0]
    for model in ("cnn", "fcn"):
        part = swap[swap["model"] == model]
        if part.empty:
            continue
        color = MODEL_COLORS[model]
        _band(ax, part, color, f"{_NAMES[model]}: quadrants I and III swapped")
        if show_validation:
            _band(
                ax, val[val["model"] == model], color,
                f"{_NAMES[model]}: clean validation", linestyle="--",
            )  # fmt: skip
    ax.axhline(0.1, color="0.4", linestyle=":", linewidth=1, label="chance (10 %)")
    ax.set_ylabel("accuracy on the held-out fold")
    ax.set_ylim(0, 1.02)
    _epoch_axis(ax)
    fig.legend(loc="outside lower center", ncols=2, fontsize="small")
    ref = "cf. paper Fig. 6" if ds == "mnist" else "the paper shows MNIST only (Fig. 6)"
    title = (
        f"{_NAMES[ds]}, trained with {_level_text('translation', level)} % translation: "
        f"quadrant-swap accuracy ({ref})"
    )
    return _finish(fig, title, _scale(scale, frame, "translation", ds))


def plot_connections(
    frame: pd.DataFrame,
    dataset: str,
    metrics=("val_acc", "translation"),
    level: float | None = None,
    scale: str | None = None,
) -> Figure:
    """Draw paper Figs. C.1 (MNIST) and C.2 (CIFAR-10): FCNs with absent connections.

    One row of panels per mask mode present ("synapse": a fixed per-kernel weight mask as the paper
    describes; "input": the code's mask on the layer inputs, protocol §8), one column per metric
    (default clean validation and translation accuracy, panels (b) and (c) of the paper's figures);
    one line per probability of an absent connection, the unmasked FCN (0 %) in every row. Each
    panel is titled with the paper's letter for its metric (:data:`CONNECTION_PANELS`), so
    ``metrics=("acc", "rotation", "noise", "edge_noise")`` draws panels (a) and (d)–(f).

    Args:
        metrics: history columns or table names (see :data:`lithm.analysis.METRICS`), or the
            paper's panel letters ("a"–"f").
        level: the translation level of the runs (needed only when the frame holds several).

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_connections(load_results(demo_records(connections=True)), "mnist", scale="")
    >>> len(fig.axes), len(fig.axes[0].lines)  # 2 modes x 2 metrics; probabilities 0 and 0.5
    (4, 2)
    """
    ds = _check_dataset(frame, dataset)
    columns = [METRICS.get(m, CONNECTION_PANELS.get(m, m)) for m in metrics]
    data = {c: curves(frame, "connections", ds, c, level=level) for c in columns}
    first = next(iter(data.values()))
    masked = first[first["connection_mode"] != "none"]
    if masked.empty:
        raise ValueError(f"no FCN runs with a connection mask on {ds!r} in the frame")
    levels = sorted(set(masked["level"].astype(float)))
    if len(levels) > 1:
        shown = ", ".join(f"{v:g}" for v in levels)
        raise ValueError(f"masked runs at several translation levels ({shown}): choose level=")
    modes = [m for m in ("synapse", "input") if m in set(masked["connection_mode"])]
    probs = sorted(set(first["connection_prob"].astype(float)))
    colors = level_colors(probs, cmap="viridis")
    fig, axes = _new_figure(len(modes), len(columns), (5 * len(columns) + 1.5, 3.6 * len(modes)))
    handles = {}
    for row, mode in enumerate(modes):
        for col, column in enumerate(columns):
            ax = axes[row, col]
            d = data[column]
            for prob in probs:
                part = d[d["connection_mode"].isin([mode, "none"]) & (d["connection_prob"] == prob)]
                if not part.empty:
                    handles[prob] = _band(ax, part, colors[prob], _level_text("connections", prob))
            # the paper's panel letter for this metric; other metrics are lettered by position
            panel = {c: k for k, c in CONNECTION_PANELS.items()}.get(column)
            letter = panel or _LETTERS[row * len(columns) + col]
            ax.set_title(f"({letter}) {_MODE_TITLES[mode]}", fontsize="medium")
            ax.set_ylabel(_ROW_LABELS.get(column, column))
            _epoch_axis(ax)
    fig.legend(
        [handles[p] for p in probs], [_level_text("connections", p) for p in probs],
        title=_LEVELS["connections"][0], loc="outside right upper",
    )  # fmt: skip
    trained = _level_text("translation", levels[0])
    title = (
        f"{_NAMES[ds]} FCNs with absent connections, trained with {trained} % "
        f"translation: cf. paper {_CONNECTION_FIGURES[ds]}"
    )
    if scale is None:
        sub = runs_of(frame, "connections", level=levels[0])
        scale = scale_label(sub[sub["dataset"] == ds])
    return _finish(fig, title, scale)


def _paper_source(experiment: str, dataset: str) -> str:
    return _PAPER_TABLES.get((experiment, dataset)) or _PAPER_TABLES.get((experiment, None), "")


def plot_level_summary(table: pd.DataFrame, scale: str | None = None) -> Figure:
    """Draw the results explorer: accuracy against training level, ours beside the paper's.

    ``table`` is a long :func:`lithm.analysis.comparison_table` (any way; "final" is the sound one).
    One panel per (dataset, metric): per model our median (line) with the fold range (vertical bars,
    fold ways only), and the paper's printed values at all its levels (open markers, no line). For
    "connections" the x axis is the connection probability and the lines are the two mask modes
    (there are no paper values). Per panel: 2 lines of ours, plus 2 of the paper's markers.

    >>> from lithm.analysis import comparison_table, demo_records, load_results
    >>> t = comparison_table(load_results(demo_records()), "translation", "mnist", way="final")
    >>> fig = plot_level_summary(t, scale="")
    >>> len(fig.axes), len(fig.axes[0].lines)
    (3, 4)
    """
    needed = {"experiment", "way", "dataset", "model", "level", "metric", "ours"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise ValueError(
            "plot_level_summary needs a long comparison_table (wide=False) with the columns "
            f"{sorted(needed)}"
        )
    if table.empty:
        raise ValueError("the table is empty: no runs to summarise")
    experiment = str(table["experiment"].iloc[0])
    way = str(table["way"].iloc[0])
    connections = bool(get_experiment(experiment).connection_modes)
    datasets = [d for d in ("mnist", "cifar10") if d in set(table["dataset"])]
    metrics = list(dict.fromkeys(table["metric"]))
    fig, axes = _new_figure(
        len(datasets), len(metrics), (4.2 * len(metrics) + 1.5, 3.6 * len(datasets))
    )
    paper = paper_results()
    paper = paper[paper["experiment"] == experiment] if not connections else paper.iloc[:0]
    axis_title, factor = _LEVELS[experiment]
    legend = {}
    for row, ds in enumerate(datasets):
        for col, metric in enumerate(metrics):
            ax = axes[row, col]
            part = table[(table["dataset"] == ds) & (table["metric"] == metric)]
            if connections:
                groups = [
                    (mode, _MODE_COLORS[mode], _MODE_TITLES[mode].split(" (")[0],
                     part[part["connection_mode"].isin([mode, "none"])])
                    for mode in ("synapse", "input") if mode in set(part["connection_mode"])
                ]  # fmt: skip
                x = "connection_prob"
            else:
                groups = [
                    (m, MODEL_COLORS[m], _NAMES[m], part[part["model"] == m])
                    for m in ("cnn", "fcn") if m in set(part["model"])
                ]  # fmt: skip
                x = "level"
            for key, color, name, g in groups:
                g = g.sort_values(x)
                xs = g[x].astype(float) * factor
                ax.plot(
                    xs, g["ours"], color=color, marker="o", markersize=4, label=f"{name} (ours)"
                )
                if "ours_min" in g.columns:
                    ax.vlines(xs, g["ours_min"], g["ours_max"], color=color, alpha=0.6)
                ref = paper[(paper["dataset"] == ds) & (paper["model"] == key)]
                ref = ref[ref["metric"] == metric].sort_values("level")
                if not ref.empty:
                    ax.plot(
                        ref["level"].astype(float) * factor, ref["value"], linestyle="none",
                        marker="D", markersize=5, markerfacecolor="none", color=color,
                        label=f"{name} (paper)",
                    )  # fmt: skip
            ax.set_title(f"({_LETTERS[row * len(metrics) + col]}) {_NAMES[ds]}: {metric}")
            ax.set_xlabel(axis_title if not connections else "connections absent %")
            if col == 0:
                ax.set_ylabel("accuracy")
            ax.grid(True, alpha=0.3)
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(label, handle)
    fig.legend(
        legend.values(), legend.keys(), loc="outside lower center", ncols=3, fontsize="small"
    )
    ways = {
        "authors": "median over all epochs × folds (the authors' way)",
        "final": "median over folds of the final epoch; bars: fold range",
        "best": "median over folds of the best-validation epoch; bars: fold range",
    }
    title = f"{experiment}: accuracy against training level, {ways.get(way, way)}"
    if not paper.empty:
        sources = ", ".join(f"{_paper_source(experiment, d)} ({_NAMES[d]})" for d in datasets)
        title += f"; open markers: the paper's {sources}"
    if scale is None:
        caption = table.attrs.get("caption", "")
        scale = caption.split("; ", 1)[1] if "; " in caption else caption
    return _finish(fig, title, scale)
