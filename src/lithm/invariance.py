"""Figures, tables and computed sentences of chapter 4, translation invariance (paper §5.2).

The paper tests translation invariance by one number, the accuracy on the held-out fold shifted
at random by up to 25 % (§5.2, Tables 1–2, Figs. 3e–f and 4e–f). Chapter 4 also reads the *shift
curves* that :mod:`lithm.probes` stores with every run: the final model's accuracy on images moved
by a fixed number of pixels. The plumbing behind the chapter lives here:

- :func:`example_images`, :func:`show_image` and :func:`shift_gallery`: held-out images moved by
  the fixed shifts of the curves and by random draws of the ±25 % test;
- :func:`styled`: a table with its caption, rounded for reading;
- :func:`plot_translation_epochs`: translation accuracy against epoch (paper Figs. 3e–f, 4e–f);
- :func:`shift_table` and :func:`load_shift_probes`: the stored shift probes as one row per
  (run, axis, shift);
- :func:`fold_stats`, :func:`folded_curves` and :func:`folded_table`: statistics over folds, and
  the curves folded over the sign and the axis of the shift;
- :func:`plot_shift_curves`, :func:`plot_cnn_vs_fcn`, :func:`plot_one_curve` and
  :func:`curve_explorer`: the curves as figures and as an explorer widget;
- :func:`describe_widening`, :func:`describe_retention`, :func:`retention_table` and
  :func:`describe_clean_accuracy`: computed sentences and tables about the curves.

>>> from lithm.config import RunConfig
>>> config = RunConfig("mnist", "fcn", "translation", level=0.1)
>>> probes = {"shift_x": {"-3": 0.7, "0": 0.9, "3": 0.8},
...           "shift_y": {"-3": 0.6, "0": 0.9, "3": 0.5}}
>>> folded = folded_curves(shift_table([{"config": config.to_dict(), "probes": probes}]))
>>> folded[["size", "mean"]].round(3).values.tolist()  # |shift| 0 and 3 px (10 % of 28 px)
[[0.0, 0.9], [0.1, 0.65]]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from lithm.analysis import curves, runs_of, scale_label
from lithm.augment import EVAL_TRANSLATION, random_translate, translate
from lithm.config import RunConfig
from lithm.data import DataMissingError, load_dataset, synthetic_dataset, to_float
from lithm.experiments import expand
from lithm.models import ARCHITECTURES
from lithm.paper import paper_value
from lithm.paths import results_dir
from lithm.plots import MODEL_COLORS, _band, level_colors
from lithm.probes import SHIFT_FRACTIONS
from lithm.store import ResultsStore
from lithm.tables import by_dataset, readable
from lithm.translation import NAMES

__all__ = [
    "CHANCE",
    "curve_explorer",
    "describe_clean_accuracy",
    "describe_retention",
    "describe_widening",
    "example_images",
    "fold_stats",
    "folded_curves",
    "folded_table",
    "load_shift_probes",
    "plot_cnn_vs_fcn",
    "plot_one_curve",
    "plot_shift_curves",
    "plot_translation_epochs",
    "retention_table",
    "shift_gallery",
    "shift_table",
    "show_image",
    "styled",
]

#: Chance accuracy of the ten classes, drawn as a dotted line in the figures.
CHANCE = 0.1
_SIZE = {ds: arch.input_shape[-1] for ds, arch in ARCHITECTURES.items()}  # image side in pixels
_COLUMNS = ["dataset", "model", "level", "fold", "run_id", "axis", "shift_px", "shift", "accuracy"]


def example_images(dataset: str, n: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """The last ``n`` images of ``dataset`` as floats in [0, 1], with their labels.

    They come from the official test split (the last fold). Without the data, a synthetic
    stand-in is used and a note is printed. Returns ``(images (n, C, H, W), labels (n,))``.
    """
    try:
        data = load_dataset(dataset)
    except DataMissingError:
        print(f"{NAMES[dataset]} is not available here: showing synthetic images instead.")
        data = synthetic_dataset(dataset, n=64)
    index = torch.arange(len(data) - n, len(data))  # from the official test split, the last fold
    return to_float(data.images[index]), data.labels[index]


def show_image(ax, image: torch.Tensor) -> None:
    """Draw one ``(C, H, W)`` image on ``ax``: grey for one channel, RGB for three.

    >>> fig, ax = plt.subplots()
    >>> show_image(ax, torch.zeros(3, 4, 4)); ax.get_images()[0].get_array().shape
    (4, 4, 3)
    >>> plt.close(fig)
    """
    if image.shape[0] == 1:
        ax.imshow(image[0].numpy(), cmap="gray_r", vmin=0, vmax=1)
    else:
        ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())  # (C, H, W) -> (H, W, C)
    ax.set_xticks([])
    ax.set_yticks([])


def shift_gallery(images: dict | None = None):
    """One MNIST and one CIFAR-10 image moved by the fixed shifts of the curves and by the test.

    Per dataset two rows: the image moved along x by each of :data:`lithm.probes.SHIFT_FRACTIONS`
    (whole pixels), and random draws of the ±25 % test (:data:`lithm.augment.EVAL_TRANSLATION`).
    ``images`` maps dataset -> a float ``(1, C, H, W)`` image; by default :func:`example_images`.

    >>> from lithm.data import synthetic_dataset, to_float
    >>> images = {ds: to_float(synthetic_dataset(ds, 1).images) for ds in ("mnist", "cifar10")}
    >>> len(shift_gallery(images).axes)  # 2 datasets x 2 rows x 9 shifts
    36
    """
    shown = ("mnist", "cifar10")
    n = len(SHIFT_FRACTIONS)
    fig, axes = plt.subplots(
        2 * len(shown), n, figsize=(1.15 * n, 2.5 * len(shown)), layout="constrained"
    )
    generator = torch.Generator().manual_seed(0)
    for row, ds in enumerate(shown):
        image = images[ds] if images is not None else example_images(ds)[0]  # (1, C, H, W)
        for col, frac in enumerate(SHIFT_FRACTIONS):
            px = round(frac * _SIZE[ds])
            ax = axes[2 * row, col]
            show_image(ax, translate(image, px, 0)[0])
            ax.set_title(f"{frac:+.0%}\n{px:+d} px", fontsize="small")
        # (1, C, H, W) -> (n, C, H, W): n independent draws of the test's random shift
        draws = random_translate(image.expand(n, -1, -1, -1), EVAL_TRANSLATION, generator)
        for col in range(n):
            show_image(axes[2 * row + 1, col], draws[col])
        axes[2 * row, 0].set_ylabel(f"{NAMES[ds]}\nfixed x shift", fontsize="small")
        axes[2 * row + 1, 0].set_ylabel("random\n±25 % test", fontsize="small")
    fig.suptitle("Fixed shifts (shift curves) and random ±25 % shifts (the paper's test)")
    plt.close(fig)
    return fig


def styled(table: pd.DataFrame, caption: str, precision: int = 3):
    """A table with its caption (the scale of the runs), ready to read: the book's names, levels
    in percent, MNIST first, numbers rounded (:func:`lithm.tables.readable`).

    >>> t = pd.DataFrame({"a": [0.12345]}, index=pd.Index([0.3], name="level"))
    >>> html = styled(t, "demo").to_html()
    >>> html.count("0.123"), "30 %" in html
    (1, True)
    """
    return readable(table, precision=precision, caption=caption)


def plot_translation_epochs(frame: pd.DataFrame, datasets):
    """Translation accuracy against epoch, one line per training level (paper Figs. 3e–f, 4e–f).

    One row per dataset with stored runs, columns FCN and CNN; mean over folds, band from the
    lowest to the highest fold. None (and a printed note) when nothing is stored.

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_translation_epochs(load_results(demo_records()), ["mnist"])
    >>> len(fig.axes), [len(ax.lines) for ax in fig.axes]  # 2 levels and the chance line
    (2, [3, 3])
    """
    shown = [ds for ds in datasets if not curves(frame, "translation", ds, "translation").empty]
    if not shown:
        print("No runs stored yet.")
        return None
    runs = runs_of(frame, "translation")
    fig, axes = plt.subplots(
        len(shown), 2, figsize=(10, 3.3 * len(shown)), squeeze=False, layout="constrained"
    )
    handles = {}
    for row, ds in enumerate(shown):
        data = curves(frame, "translation", ds, "translation")
        colors = level_colors(data["level"].unique())
        for col, model in enumerate(("fcn", "cnn")):
            ax = axes[row, col]
            for level, part in data[data["model"] == model].groupby("level"):
                handles[(ds, level)] = _band(ax, part, colors[level])
            ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1)
            ax.set_ylim(0, 1.02)
            ax.set_title(f"{NAMES[ds]}, {NAMES[model]}", fontsize="medium")
            ax.set_xlabel("epoch")
            ax.grid(True, alpha=0.3)
        axes[row, 0].set_ylabel("translation accuracy\n(held-out fold, ±25 %)")
        levels_here = sorted(data["level"].unique())
        axes[row, 1].legend(
            [handles[(ds, v)] for v in levels_here],
            [f"{v:.0%}" for v in levels_here],
            title="training translation",
            fontsize="small",
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
        )
    lines = ["Translation accuracy over training (cf. paper Figs. 3e–f and 4e–f)"]
    lines += [f"{NAMES[ds]}: {scale_label(runs[runs['dataset'] == ds])}" for ds in shown]
    fig.suptitle("\n".join(lines), fontsize="medium")
    plt.close(fig)
    return fig


def shift_table(records) -> pd.DataFrame:
    """One row per (run, axis, shift) of stored records: the final model's accuracy there.

    Columns: ``dataset``, ``model``, ``level``, ``fold``, ``run_id``, ``axis`` ("x" or "y"),
    ``shift_px`` (whole pixels), ``shift`` (fraction of the image size) and ``accuracy``. Records
    without probes are skipped.

    >>> config = RunConfig("mnist", "cnn")
    >>> probes = {"shift_x": {"3": 0.8}, "shift_y": {"-6": 0.5}}
    >>> table = shift_table([{"config": config.to_dict(), "probes": probes}])
    >>> table[["axis", "shift_px", "shift"]].values.tolist()
    [['x', 3, 0.1], ['y', -6, -0.2]]
    """
    rows = []
    for record in records:
        probes = (record or {}).get("probes")
        if not probes:
            continue
        config = RunConfig.from_dict(record["config"])
        size = _SIZE[config.dataset]
        fraction_of = {round(f * size): f for f in SHIFT_FRACTIONS}
        for axis, key in (("x", "shift_x"), ("y", "shift_y")):
            for px, accuracy in probes[key].items():
                rows.append(
                    {
                        "dataset": config.dataset,
                        "model": config.model,
                        "level": config.level,
                        "fold": config.fold,
                        "run_id": config.run_id,
                        "axis": axis,
                        "shift_px": int(px),
                        "shift": fraction_of.get(int(px), int(px) / size),
                        "accuracy": accuracy,
                    }
                )
    return pd.DataFrame(rows, columns=_COLUMNS)


def load_shift_probes(profile: str, datasets, store: ResultsStore | None = None) -> pd.DataFrame:
    """The shift probes of the translation runs of ``profile`` (:func:`shift_table`'s rows).

    Reads the runs of :func:`lithm.experiments.expand` in order from ``store`` (by default the
    profile's results store); runs not stored yet, or stored without probes, are left out.
    """
    store = ResultsStore(results_dir(profile)) if store is None else store
    records = [
        store.load(config) for ds in datasets for config in expand("translation", profile, ds)
    ]
    return shift_table(records)


def fold_stats(data: pd.DataFrame, keys) -> pd.DataFrame:
    """Mean, lowest and highest ``accuracy`` over folds (the runs), per ``keys``.

    Columns: ``keys``, ``mean``, ``min``, ``max`` and ``folds`` (how many rows were pooled).

    >>> data = pd.DataFrame({"model": ["cnn", "cnn", "fcn"], "accuracy": [0.5, 0.7, 0.4]})
    >>> fold_stats(data, ["model"]).values.tolist()
    [['cnn', 0.6, 0.5, 0.7, 2], ['fcn', 0.4, 0.4, 0.4, 1]]
    """
    out = data.groupby(keys)["accuracy"].agg(["mean", "min", "max", "count"])
    return out.rename(columns={"count": "folds"}).reset_index()


def folded_curves(shifts: pd.DataFrame) -> pd.DataFrame:
    """Per run and |shift|: accuracy averaged over sign and axis; then statistics over folds.

    ``shifts`` is a :func:`shift_table`; the result has :func:`fold_stats`'s columns per
    (``dataset``, ``model``, ``level``, ``size``), where ``size`` is |shift| as a fraction.
    """
    per_run = shifts.assign(size=shifts["shift"].abs().round(3))
    keys = ["dataset", "model", "level", "run_id", "size"]
    per_run = per_run.groupby(keys, as_index=False)["accuracy"].mean()
    return fold_stats(per_run, ["dataset", "model", "level", "size"])


def folded_table(folded: pd.DataFrame) -> pd.DataFrame:
    """The folded curves as a table: one row per (dataset, model, level), one column per |shift|.

    >>> folded = pd.DataFrame({"dataset": "mnist", "model": "cnn", "level": 0.0,
    ...                        "size": [0.0, 0.1], "mean": [0.9, 0.8]})
    >>> folded_table(folded).columns.tolist()
    ['|shift| 0%', '|shift| 10%']
    """
    table = folded.pivot_table(index=["dataset", "model", "level"], columns="size", values="mean")
    table.columns = [f"|shift| {c:.0%}" for c in table.columns]
    return table


def plot_shift_curves(curve: pd.DataFrame, dataset: str, levels, scale: str = ""):
    """Accuracy against a fixed test shift: rows x/y, columns FCN/CNN, one line per level.

    ``curve`` holds :func:`fold_stats` per (dataset, model, level, axis, shift, shift_px); the
    colours of the levels are those of every level in ``curve``. ``scale`` (the scale of the runs)
    ends the title. None (and a printed note) when ``dataset`` has no curves at ``levels``.
    """
    data = curve[(curve["dataset"] == dataset) & curve["level"].isin(levels)]
    if data.empty:
        print(f"No shift curves of {NAMES[dataset]} stored yet.")
        return None
    colors = level_colors(curve["level"].unique())
    fig, axes = plt.subplots(
        2, 2, figsize=(10, 6.6), sharex=True, sharey=True, layout="constrained"
    )
    handles = {}
    for row, axis in enumerate(("x", "y")):
        for col, model in enumerate(("fcn", "cnn")):
            ax = axes[row, col]
            ax.axvspan(-25, 25, color="0.92", zorder=0)
            ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1)
            for level in levels:
                part = data[
                    (data["axis"] == axis) & (data["model"] == model) & (data["level"] == level)
                ].sort_values("shift")
                if part.empty:
                    continue
                x = part["shift"] * 100
                (handles[level],) = ax.plot(
                    x, part["mean"], marker="o", markersize=3, color=colors[level]
                )
                ax.fill_between(x, part["min"], part["max"], color=colors[level], alpha=0.18, lw=0)
            direction = "across (x)" if axis == "x" else "down (y)"
            ax.set_title(f"{NAMES[model]}, shift {direction}", fontsize="medium")
            ax.set_ylim(0, 1.02)
            ax.grid(True, alpha=0.3)
            if row == 1:
                ax.set_xlabel(f"test shift, % of the image size ({_SIZE[dataset]} px = 100 %)")
        axes[row, 0].set_ylabel("accuracy")
    shown = [v for v in levels if v in handles]
    fig.legend(
        [handles[v] for v in shown],
        [f"{v:.0%}" for v in shown],
        title="training\ntranslation",
        loc="outside right upper",
    )
    fig.suptitle(
        f"{NAMES[dataset]}: accuracy of the final models on images shifted by a fixed amount "
        f"(grey: the ±25 % test range)\n{scale}",
        fontsize="medium",
    )
    plt.close(fig)
    return fig


def describe_widening(folded: pd.DataFrame, size: float = 0.2) -> list[str]:
    """One sentence per dataset and model: accuracy at a given shift size across training levels.

    ``folded`` is :func:`folded_curves`; a dataset and model stored at fewer than two levels gets
    no sentence.

    >>> folded = pd.DataFrame({"dataset": "mnist", "model": "cnn", "level": [0.0, 0.3],
    ...                        "size": 0.2, "mean": [0.4, 0.7]})
    >>> describe_widening(folded)[0].split(". ")[1]
    'From the lowest level it rises, up to 0.70 at 30%.'
    """
    out = []
    at_size = folded[np.isclose(folded["size"], size)]
    pairs = [(ds, m, p) for ds, rows in by_dataset(at_size) for m, p in rows.groupby("model")]
    for ds, model, part in pairs:  # MNIST first, as the book orders datasets
        part = part.sort_values("level")
        if len(part) < 2:
            continue
        steps = ", ".join(
            f"{a:.2f} ({lv:.0%})" for lv, a in zip(part["level"], part["mean"], strict=True)
        )
        lowest, highest = part.iloc[0], part.loc[part["mean"].idxmax()]
        trend = (
            "rises"
            if highest["mean"] > lowest["mean"] + 0.02
            else "does not rise by more than 2 points"
        )
        out.append(
            f"{NAMES[ds]} {NAMES[model]}: accuracy at a {size:.0%} shift, by training level: "
            f"{steps}. From the lowest level it {trend}"
            + (
                f", up to {highest['mean']:.2f} at {highest['level']:.0%}."
                if trend == "rises"
                else "."
            )
        )
    return out


def plot_cnn_vs_fcn(shifts: pd.DataFrame, dataset: str, levels, scale: str = "", ncols: int = 3):
    """One panel per training level: CNN and FCN curves of ``dataset``, x and y averaged.

    ``shifts`` is a :func:`shift_table`; each run's x and y curves are averaged, then the folds
    (mean line, band from the lowest to the highest fold). ``scale`` ends the title. None (and a
    printed note) when ``dataset`` has no curves at ``levels``.
    """
    per_run = shifts.groupby(["dataset", "model", "level", "run_id", "shift"], as_index=False)[
        "accuracy"
    ].mean()
    data = fold_stats(per_run, ["dataset", "model", "level", "shift"])
    data = data[(data["dataset"] == dataset) & data["level"].isin(levels)]
    shown = [v for v in levels if v in set(data["level"])]
    if not shown:
        print(f"No shift curves of {NAMES[dataset]} stored yet.")
        return None
    ncols = min(ncols, len(shown))
    nrows = -(-len(shown) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.2 * ncols + 1.2, 2.7 * nrows + 0.8),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[len(shown) :]:
        ax.set_visible(False)
    for ax, level in zip(axes.flat, shown, strict=False):
        ax.axvspan(-25, 25, color="0.92", zorder=0)
        ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1)
        for model in ("cnn", "fcn"):
            part = data[(data["model"] == model) & (data["level"] == level)].sort_values("shift")
            if part.empty:
                continue
            x = part["shift"] * 100
            color = MODEL_COLORS[model]
            ax.plot(x, part["mean"], marker="o", markersize=3, color=color, label=NAMES[model])
            ax.fill_between(x, part["min"], part["max"], color=color, alpha=0.18, lw=0)
        ax.set_title(f"trained with {level:.0%} translation", fontsize="small")
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("test shift %")
        ax.xaxis.set_tick_params(labelbottom=True)
    for row in range(nrows):
        axes[row, 0].set_ylabel("accuracy\n(x and y averaged)")
    handles = [plt.Line2D([], [], color=MODEL_COLORS[m], marker="o") for m in ("cnn", "fcn")]
    axes[0, 0].legend(handles, ["CNN", "FCN"], fontsize="small", loc="lower center")
    fig.suptitle(
        f"{NAMES[dataset]}: CNN against FCN, accuracy against a fixed test shift\n{scale}",
        fontsize="medium",
    )
    plt.close(fig)
    return fig


def _retention(folded: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Mean retention per (dataset, level) and model, and the |shift| sizes it averages."""
    clean = folded[folded["size"] == 0].set_index(["dataset", "model", "level"])["mean"]
    inside = folded[(folded["size"] > 0) & (folded["size"] <= EVAL_TRANSLATION + 1e-9)]
    retention = inside.groupby(["dataset", "model", "level"])["mean"].mean() / clean
    return retention.dropna().unstack("model"), inside["size"]


def describe_retention(folded: pd.DataFrame) -> list[str]:
    """One sentence per dataset: how often and by how much the CNN keeps more than the FCN.

    The retention of a model is its accuracy under shift as a fraction of its clean accuracy,
    averaged over the folded curve's (:func:`folded_curves`) sizes with 0 < |shift| <= 25 %.

    >>> folded = pd.DataFrame({"dataset": "mnist", "model": ["cnn", "cnn", "fcn", "fcn"],
    ...                        "level": 0.0, "size": [0.0, 0.1] * 2, "mean": [0.8, 0.4, 0.8, 0.2]})
    >>> describe_retention(folded)[0].split(";")[1]  # 0.4 / 0.8 - 0.2 / 0.8
    ' the mean difference in retention is +0.250 (CNN − FCN'
    """
    retention, sizes = _retention(folded)
    if not {"cnn", "fcn"} <= set(retention.columns):
        return ["Both models are needed for the comparison; not enough runs stored yet."]
    retention = retention.dropna()
    sizes = " and ".join(f"{v:.0%}" for v in sorted(sizes.unique()))
    out = []
    for ds, part in by_dataset(retention.reset_index()):  # MNIST first
        part = part.set_index("level")
        diff = part["cnn"] - part["fcn"]
        above = int((diff > 0).sum())
        out.append(
            f"{NAMES[ds]}: the CNN keeps a larger share of its clean accuracy than the FCN at "
            f"{above} of {len(diff)} training levels; the mean difference in retention is "
            f"{diff.mean():+.3f} (CNN − FCN; retention = accuracy under shift / clean accuracy, "
            f"averaged over the shifts of {sizes})."
        )
    return out


def retention_table(folded: pd.DataFrame) -> pd.DataFrame:
    """Mean retention (see :func:`describe_retention`) per (dataset, level), one column per model.

    With both models, levels where one of them is missing are left out and the columns read
    "retention, CNN" and "retention, FCN"; otherwise the models stored are shown as they are.
    """
    retention, _ = _retention(folded)
    if not {"cnn", "fcn"} <= set(retention.columns):
        return retention
    retention = retention.dropna()
    retention.columns = [f"retention, {NAMES[m]}" for m in retention.columns]
    return retention


def plot_one_curve(curve: pd.DataFrame, dataset: str, model: str, level: float):
    """The x and y shift curves of one (dataset, model, training level), for the explorer.

    ``curve`` is as in :func:`plot_shift_curves`; without stored runs the panel says so.

    >>> curve = pd.DataFrame({"dataset": "mnist", "model": "fcn", "level": 0.0, "axis": ["x", "y"],
    ...                       "shift": 0.0, "mean": 0.9, "min": 0.9, "max": 0.9})
    >>> [line.get_label() for line in plot_one_curve(curve, "mnist", "fcn", 0.0).axes[0].lines]
    ['chance', 'shift x', 'shift y']
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    part = curve[
        (curve["dataset"] == dataset)
        & (curve["model"] == model)
        & np.isclose(curve["level"], level)
    ]
    ax.axvspan(-25, 25, color="0.92", zorder=0)
    ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1, label="chance")
    if part.empty:
        ax.text(0, 0.5, "no stored runs for this choice", ha="center")
    for axis, style in (("x", "-"), ("y", "--")):
        p = part[part["axis"] == axis].sort_values("shift")
        if p.empty:
            continue
        x = p["shift"] * 100
        ax.plot(x, p["mean"], style, marker="o", color=MODEL_COLORS[model], label=f"shift {axis}")
        ax.fill_between(x, p["min"], p["max"], color=MODEL_COLORS[model], alpha=0.15, lw=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(-42, 42)
    ax.set_xlabel("test shift, % of the image size")
    ax.set_ylabel("accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"{NAMES[dataset]} {NAMES[model]}, trained with {level:.0%} translation")
    plt.close(fig)
    return fig


def curve_explorer(curve: pd.DataFrame, datasets, levels):
    """An explorer widget (:func:`lithm.widgets.explorer`): dataset, model and level -> curves.

    Draws :func:`plot_one_curve` of ``curve`` for the chosen dataset (of ``datasets``), model and
    training level (of ``levels``).
    """
    import ipywidgets as widgets

    from lithm.widgets import explorer

    # why lithm.widgets.explorer and not widgets.interactive: it draws without capturing kernel
    # output into the widget, which can stall an executing notebook (see lithm/widgets.py).
    return explorer(
        plot_one_curve,
        curve=curve,
        dataset=widgets.Dropdown(options=[(NAMES[d], d) for d in datasets], description="dataset"),
        model=widgets.ToggleButtons(options=[("FCN", "fcn"), ("CNN", "cnn")], description="model"),
        level=widgets.SelectionSlider(
            options=[(f"{v:.0%}", v) for v in levels], description="trained at"
        ),
    )


def describe_clean_accuracy(folded: pd.DataFrame, datasets) -> list[str]:
    """One sentence per dataset: clean probe accuracy at the highest level stored for both models.

    Beside it the clean accuracy at 0 % and the paper's clean validation accuracy at that level
    (the 0 % column of :func:`folded_table`).

    >>> folded = pd.DataFrame({"dataset": "mnist", "model": ["cnn", "fcn"], "level": 0.0,
    ...                        "size": 0.0, "mean": [0.99, 0.98]})
    >>> describe_clean_accuracy(folded, ["mnist"])[0].split(";")[0]
    'MNIST, trained at 0%: clean accuracy CNN 0.990, FCN 0.980 (at 0 %: CNN 0.990, FCN 0.980)'
    """
    clean_probe = folded[folded["size"] == 0]
    out = []
    for ds in datasets:
        part = clean_probe[clean_probe["dataset"] == ds]
        if part.empty or not {"cnn", "fcn"} <= set(part["model"]):
            out.append(f"{NAMES[ds]}: the probes of both models are not stored yet.")
            continue
        top = float(part.groupby("level")["model"].nunique().loc[lambda n: n == 2].index.max())
        at = part[np.isclose(part["level"], top)].set_index("model")["mean"]
        base = part[np.isclose(part["level"], 0.0)].set_index("model")["mean"]
        paper = {m: paper_value("translation", ds, m, top, "validation") for m in ("cnn", "fcn")}
        out.append(
            f"{NAMES[ds]}, trained at {top:.0%}: clean accuracy CNN {at['cnn']:.3f}, FCN "
            f"{at['fcn']:.3f} (at 0 %: CNN {base.get('cnn', np.nan):.3f}, FCN "
            f"{base.get('fcn', np.nan):.3f}); the paper's clean validation at {top:.0%}: CNN "
            f"{paper['cnn']:.3f}, FCN {paper['fcn']:.3f}."
        )
    return out
