"""Has approximate weight sharing emerged? The stored first-layer kernels, with controls (§5.4).

The paper's filter distance (:func:`lithm.metrics.filter_distance`) divides the whole first layer
by one norm, so it falls or rises when some kernel blocks grow more than others, even if no two
blocks become more alike. This module reads the final kernels that the store keeps for fold 0 of
every unmasked FCN run, re-creates the initial kernels from the run's seed, and sets the paper's
measure beside four controls (:data:`lithm.metrics.CONTROLS`): per-block normalised, cosine, the
inner window only, and the prediction from the block sizes alone. :func:`describe_controls` turns
the table into sentences that hold whichever way the numbers come out. :func:`fold_changes` reads
the logged distance curves fold by fold; :func:`lithm.geometry.unread_positions` finds the
first-layer positions that the next layer never reads (their kernels get no gradient).

>>> from lithm.store import ResultsStore
>>> store = ResultsStore("/nonexistent")
>>> controls_table(store).empty, describe_controls(controls_table(store))
(True, ['No stored first-layer kernels yet: the controls need finished fold-0 FCN runs.'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import RunConfig
from lithm.geometry import unread_positions
from lithm.metrics import CONTROLS, block_norms, distance_controls, inner_window
from lithm.models import ARCHITECTURES, build_model
from lithm.tables import AUGMENTATION_NAMES, book_order, by_dataset, levels_text

__all__ = [
    "CONTROL_LABELS",
    "ClassKernels",
    "NOISE_FLOOR",
    "WINDOW_MARGIN",
    "controls_of",
    "controls_table",
    "describe_controls",
    "describe_norms",
    "fold_changes",
    "initial_check",
    "initial_kernels",
    "kernel_pair",
    "kernel_runs",
    "norm_table",
    "plot_controls",
    "readings",
    "train_and_measure",
    "window",
]

#: What each control measures, in the words the book uses.
CONTROL_LABELS = {
    "dist": "paper's measure (one global norm)",
    "block": "per-block normalised",
    "cos": "cosine distance",
    "inner": "inner window only",
    "norm_only": "block sizes alone (prediction)",
}
#: Pixels left out at each image edge by the inner window. Why 4: MNIST digits are size-normalised
#: into a 20×20 box centred in the 28×28 frame, so the outer 4 pixels rarely hold ink; the
#: positions whose receptive field lies inside get gradient from most images. CIFAR-10 images have
#: no blank margin; the same margin there only tests whether the border drives the measure.
WINDOW_MARGIN = 4
#: A relative change smaller than this (1 %) is read as "no change". Why: over independent random
#: initialisations the measure and its controls vary with a standard deviation of 0.1–0.3 % (MNIST,
#: 20 seeds; the chapter prints the spread of the stored runs), so 1 % is at least three of them.
NOISE_FLOOR = 0.01


def window(dataset: str, margin: int = WINDOW_MARGIN) -> tuple[int, int, int, int]:
    """The inner window ``(top, bottom, left, right)`` of ``dataset``'s first-layer grid.

    >>> window("mnist"), window("cifar10")
    ((2, 11, 2, 11), (2, 12, 2, 12))
    """
    arch = ARCHITECTURES[dataset]
    spec = arch.layers[0]
    grid = arch.feature_shapes()[0][-1]
    return inner_window(grid, spec.kernel, spec.stride, arch.input_shape[-1], margin)


def initial_kernels(config: RunConfig) -> np.ndarray:
    """The first-layer kernels before training, re-created exactly as ``lithm.train`` draws them.

    Layout ``(out_h, out_w, out_channels, in_channels, kh, kw)`` as ``FreeConv2d.kernels()``.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.run_seed)
        model = build_model(
            config.dataset, config.model, connection_mode=config.connection_mode,
            connection_prob=config.connection_prob, mask_seed=config.run_seed % (2**31),
            init=config.init,
        )  # fmt: skip
    return model.first_layer.kernels().detach().numpy()


def kernel_runs(store, datasets=None) -> list[RunConfig]:
    """The runs in ``store`` whose final first-layer kernels are stored, in a stable order.

    Fold 0 of every unmasked FCN (``lithm.runner.keeps_kernels``), whatever the augmentation or
    initialisation. Read from the store's records, so it works for any profile and any grid.
    """
    found = []
    for record in store.records():
        config = RunConfig.from_dict(record["config"])
        if datasets is not None and config.dataset not in datasets:
            continue
        if config.model != "fcn" or config.connection_mode is not None:
            continue
        if store.artifact_path(config).exists():
            found.append(config)
    return sorted(found, key=lambda c: (c.dataset, c.init, c.augmentation, c.level, c.fold))


def kernel_pair(store, config: RunConfig, cache: dict | None = None) -> dict | None:
    """``{"before": array, "after": array}`` for a run with stored kernels, else None.

    ``cache``: a dict kept by the caller (keyed by run id), so that each run is read once.
    """
    if cache is not None and config.run_id in cache:
        return cache[config.run_id]
    final = store.kernels(config)
    pair = None if final is None else {"before": initial_kernels(config), "after": final}
    if cache is not None:
        cache[config.run_id] = pair
    return pair


def initial_check(store, datasets=None, cache: dict | None = None) -> tuple[int, float | None]:
    """How many runs have stored kernels, and the largest difference between the radius-1
    distance of their re-created initial kernels and the value the run logged before training.
    A difference near 1e-12 shows the seeds re-create the initial weights exactly."""
    from lithm.metrics import filter_distance

    worst, n = None, 0
    for config in kernel_runs(store, datasets):
        logged = ((store.load(config) or {}).get("initial") or {}).get("dist_1")
        if logged is None:
            continue
        before = kernel_pair(store, config, cache)["before"]
        gap = abs(filter_distance(before, 1) - logged)
        worst, n = gap if worst is None else max(worst, gap), n + 1
    return n, worst


def controls_of(before, after, dataset: str, radii=(1, 4)) -> pd.DataFrame:
    """One row per (radius, control): the value before and after training, and the change in %.

    ``before`` and ``after`` are kernel grids (arrays, tensors or layers) of ``dataset``'s FCN.

    >>> g = torch.Generator().manual_seed(0)
    >>> k = torch.randn(13, 13, 32, 1, 3, 3, generator=g)
    >>> t = controls_of(k, 2 * k, "mnist", radii=(1,))
    >>> bool(t["change %"].abs().max() < 1e-5), list(t["control"])
    (True, ['dist', 'block', 'cos', 'inner', 'norm_only'])
    """
    win = window(dataset)
    b = distance_controls(before, radii, win)
    a = distance_controls(after, radii, win)
    rows = []
    for r in radii:
        for control in CONTROLS:
            key = f"{control}_{r}"
            change = 100 * (a[key] / b[key] - 1) if b[key] else math.nan
            rows.append(
                {"radius": r, "control": control, "measure": CONTROL_LABELS[control],
                 "before": b[key], "after": a[key], "change %": change}
            )  # fmt: skip
    return pd.DataFrame(rows)


_COLUMNS = ["dataset", "augmentation", "level", "init", "run_id", "radius", "control", "measure",
            "before", "after", "change %"]  # fmt: skip


def controls_table(store, datasets=None, radii=(1, 4), cache: dict | None = None) -> pd.DataFrame:
    """The paper's measure and its controls for every run with stored kernels (long form).

    Columns: dataset, augmentation ("none" at level 0), level, init, run_id, radius, control
    (a key of :data:`CONTROL_LABELS`), measure (its label), before, after, change %.
    """
    parts = []
    for config in kernel_runs(store, datasets):
        pair = kernel_pair(store, config, cache)
        t = controls_of(pair["before"], pair["after"], config.dataset, radii)
        t.insert(0, "run_id", config.run_id)
        t.insert(0, "init", config.init)
        t.insert(0, "level", config.level)
        t.insert(0, "augmentation", config.augmentation)
        t.insert(0, "dataset", config.dataset)
        parts.append(t)
    if not parts:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(parts, ignore_index=True)[_COLUMNS]


def norm_table(store, datasets=None, cache: dict | None = None) -> pd.DataFrame:
    """Per run with stored kernels: mean block norm inside and outside the inner window, before
    and after training, how many positions did not move (relative change below 1e-3, the float16
    rounding of the stored kernels), and how many of those the next layer never reads
    (:func:`lithm.geometry.unread_positions`)."""
    rows = []
    for config in kernel_runs(store, datasets):
        pair = kernel_pair(store, config, cache)
        top, bottom, left, right = window(config.dataset)
        row = {"dataset": config.dataset, "augmentation": config.augmentation,
               "level": config.level, "init": config.init}  # fmt: skip
        for when in ("before", "after"):
            n = block_norms(pair[when]).numpy()  # (d_h, d_w)
            inside = np.zeros(n.shape, dtype=bool)
            inside[top:bottom, left:right] = True
            row[f"inner norm, {when}"] = float(n[inside].mean())
            row[f"outer norm, {when}"] = float(n[~inside].mean())
        before = pair["before"].reshape(*pair["before"].shape[:2], -1)
        after = pair["after"].reshape(*pair["after"].shape[:2], -1)
        moved = np.linalg.norm(after - before, axis=-1) / np.linalg.norm(before, axis=-1)
        still = moved < 1e-3
        row["positions unchanged"] = int(still.sum())
        row["unchanged, never read"] = int(
            sum(bool(still[i, j]) for i, j in unread_positions(config.dataset))
        )
        row["positions"] = int(moved.size)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # the book's order: MNIST first; untranslated, translation, then App. B's edge noise, noise,
    # rotation; levels ascending (the store lists runs by the alphabet of their ids)
    order = list(AUGMENTATION_NAMES)
    rank = table["augmentation"].map({a: i for i, a in enumerate(order)})
    table = table.assign(_rank=rank.fillna(len(order)))
    table = table.sort_values(["_rank", "level", "init"], kind="stable").drop(columns="_rank")
    return book_order(table).reset_index(drop=True)


def fold_changes(distances: pd.DataFrame, experiment: str, dataset: str,
                 metric: str = "euclidean") -> pd.DataFrame:  # fmt: skip
    """The FCN's first-layer distance before training and at the end, fold by fold, per level.

    ``distances`` is :func:`lithm.analysis.load_distances` output. For each (level, radius): the
    mean over folds of epoch 0 (the initial weights) and of each fold's *own* last epoch, the mean
    per-fold change (last − epoch 0, absolute and in %), the last epochs, the number of folds, and
    ``vs 0 %``: the mean over the folds shared with the untranslated run of (last − its last), NaN
    at level 0 or without a shared fold. Folds that stopped at different epochs are never mixed.

    >>> from lithm.analysis import demo_records, load_distances
    >>> t = fold_changes(load_distances(demo_records()), "translation", "mnist")
    >>> list(t.columns[:4]), sorted(t["folds"].unique().tolist())
    (['level', 'radius', 'epoch 0', 'last'], [2])
    """
    from lithm.analysis import check_scale, runs_of

    columns = ["level", "radius", "epoch 0", "last", "change", "change %", "last epochs", "folds",
               "vs 0 %"]  # fmt: skip
    if distances is None or distances.empty:
        return pd.DataFrame(columns=columns)
    sub = runs_of(distances, experiment)
    sub = sub[(sub["dataset"] == dataset) & (sub["model"] == "fcn") & (sub["metric"] == metric)]
    if sub.empty:
        return pd.DataFrame(columns=columns)
    check_scale(sub, f"the {experiment} runs")
    per_fold = []
    for (level, radius, fold), g in sub.groupby(["level", "radius", "fold"]):
        g = g.sort_values("epoch")
        first, last = g.iloc[0], g.iloc[-1]
        if int(first["epoch"]) != 0:
            continue  # no value before training: no change to compute
        per_fold.append({"level": round(float(level), 6), "radius": int(radius), "fold": int(fold),
                         "first": float(first["value"]), "last": float(last["value"]),
                         "epoch": int(last["epoch"])})  # fmt: skip
    folds = pd.DataFrame(per_fold)
    if folds.empty:
        return pd.DataFrame(columns=columns)
    folds["change"] = folds["last"] - folds["first"]
    folds["change %"] = 100 * (folds["last"] / folds["first"] - 1)
    zero = folds[folds["level"] == 0].set_index(["radius", "fold"])["last"]
    rows = []
    for (level, radius), g in folds.groupby(["level", "radius"]):
        paired = [row["last"] - zero[(radius, row["fold"])] for _, row in g.iterrows()
                  if (radius, row["fold"]) in zero.index]  # fmt: skip
        rows.append({
            "level": level, "radius": radius, "epoch 0": g["first"].mean(),
            "last": g["last"].mean(), "change": g["change"].mean(),
            "change %": g["change %"].mean(), "last epochs": _range(g["epoch"]),
            "folds": len(g),
            "vs 0 %": math.nan if level == 0 or not paired else float(np.mean(paired)),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


_STYLES = {"dist": ("-", "o"), "block": ("-", "s"), "cos": ("--", "^"), "inner": (":", "D"),
           "norm_only": ("-.", "x")}  # fmt: skip


def plot_controls(table: pd.DataFrame, radius: int = 1, init: str = "keras", title: str = ""):
    """Change of the paper's measure and of each control, before → after training, by level.

    One panel per dataset (translation runs and the untranslated run, initialisation ``init``);
    returns a closed matplotlib figure, or None when the table has no such runs.

    >>> from lithm.store import ResultsStore
    >>> plot_controls(controls_table(ResultsStore("/nonexistent"))) is None
    True
    """
    import matplotlib.pyplot as plt

    from lithm.plots import OKABE_ITO

    sub = table[(table["radius"] == radius) & (table["init"] == init)]
    sub = sub[sub["augmentation"].isin(["none", "translation"])]
    if sub.empty:
        return None
    shown = list(dict.fromkeys(sub["dataset"]))
    fig, axes = plt.subplots(1, len(shown), figsize=(5.4 * len(shown) + 1.8, 3.8), squeeze=False,
                             layout="constrained", sharey=True)  # fmt: skip
    names = _NAMES
    for ax, ds in zip(axes[0], shown, strict=True):
        part = sub[sub["dataset"] == ds]
        for i, control in enumerate(CONTROLS):
            c = part[part["control"] == control].sort_values("level")
            if c["change %"].notna().any():
                line, marker = _STYLES[control]
                ax.plot(100 * c["level"], c["change %"], line, marker=marker,
                        color=OKABE_ITO[i], label=CONTROL_LABELS[control])  # fmt: skip
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.axhspan(-100 * NOISE_FLOOR, 100 * NOISE_FLOOR, color="0.9", zorder=0)
        ax.set_title(f"{names.get(ds, ds)}, radius {radius}", fontsize="medium")
        ax.set_xlabel("training translation (%)")
        ax.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel("change, before → after training (%)")
    axes[0, -1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.suptitle(title or "First layer, fold 0: the paper's measure and its controls "
                 "(grey band: within 1 %)", fontsize="medium")  # fmt: skip
    plt.close(fig)
    return fig


def _level(level: float) -> str:
    return f"{100 * level:g} %"


def _pct(value: float) -> str:
    return f"{value:+.1f} %"


def _verb(change: float) -> str:
    """'falls by 3.2 %', 'rises by 1.5 %' or 'stays within 1 %' for a change in percent."""
    if abs(change) < 100 * NOISE_FLOOR:
        return f"stays within {100 * NOISE_FLOOR:g} % ({_pct(change)})"
    return f"{'falls' if change < 0 else 'rises'} by {abs(change):.1f} %"


def _direction(c, gap: float | None = None) -> str:
    """What the per-block distance says about one run, in one sentence: its change from the start
    and, for a translated run (``gap``: its final per-block distance relative to the untranslated
    run's, in %), whether it ends more alike than the untranslated run."""
    floor = 100 * NOISE_FLOOR
    if c["block"] <= -floor:
        start = "By direction, the kernels became more alike than they started"
    elif c["block"] >= floor:
        start = "By direction, the kernels became less alike than they started"
    elif abs(c["dist"]) >= floor:
        start = "By direction they did not change: the measure moved with the block sizes"
    else:
        start = f"Neither the measure nor the per-block distance moved by more than {floor:g} %"
    if gap is None or math.isnan(gap):
        return f"{start}."
    if gap <= -floor:
        end = "they end more alike than in the untranslated run"
    elif gap >= floor:
        end = "they end less alike than in the untranslated run"
    else:
        end = (
            f"they end within {floor:g} % of the untranslated run, no more alike than without "
            "translation"
        )
    return f"{start}; by the per-block distance {end} ({_pct(gap)})."


def _range(values) -> str:
    """'3' when all values are 3, else 'low–high'."""
    low, high = int(min(values)), int(max(values))
    return f"{low}" if low == high else f"{low}–{high}"


def describe_norms(norms: pd.DataFrame) -> list[str]:
    """Sentences, per dataset, on how the first-layer block norms changed in training (§5.4).

    From :func:`norm_table`: how many positions did not move (and, when the table has the column
    "unchanged, never read", how many of them the next layer never reads), and how much the mean
    block norm grew inside and outside the inner window, over the stored runs.

    >>> table = pd.DataFrame({"dataset": ["mnist"], "positions unchanged": [0], "positions": [169],
    ...     "inner norm, before": [0.3], "inner norm, after": [1.2],
    ...     "outer norm, before": [0.3], "outer norm, after": [0.9]})
    >>> describe_norms(table)[0][:60]
    'MNIST (1 run): 0 of 169 positions per run kept their initial'
    """
    out = []
    for ds, g in by_dataset(norms):
        name = _NAMES.get(ds, ds)
        unchanged = g["positions unchanged"]
        kept = _range(unchanged)
        cause = ""
        if "unchanged, never read" in g and unchanged.max() > 0:
            never = g["unchanged, never read"]
            if never.max() == 0:
                cause = ", none of them a position that the next layer never reads"
            elif (never == unchanged).all():
                cause = ", every one of them a position that the next layer never reads"
            else:
                cause = f", {_range(never)} of them positions that the next layer never reads"
        inner = g["inner norm, after"] / g["inner norm, before"]
        outer = g["outer norm, after"] / g["outer norm, before"]
        more = int((outer > inner).sum())
        out.append(
            f"{name} ({len(g)} run{'s' if len(g) != 1 else ''}): {kept} of "
            f"{int(g['positions'].iloc[0])} positions per run kept their initial kernels{cause}; "
            "the mean "
            f"block norm grew {inner.min():.1f}–{inner.max():.1f}× inside the inner window and "
            f"{outer.min():.1f}–{outer.max():.1f}× outside it, more outside than inside in {more} "
            f"of {len(g)} run{'s' if len(g) != 1 else ''}."
        )
    return out


def _wide(table: pd.DataFrame, radius: int, init: str):
    """Per dataset: the pivoted before/after/change table of the untranslated and translation
    runs at ``radius`` and ``init`` (levels as index, controls as columns)."""
    sub = table[(table["radius"] == radius) & (table["init"] == init)]
    sub = sub[sub["augmentation"].isin(["none", "translation"])]
    order = [*(ds for ds in _NAMES if ds in set(sub["dataset"])),
             *(ds for ds in dict.fromkeys(sub["dataset"]) if ds not in _NAMES)]  # fmt: skip
    for ds in order:
        part = sub[sub["dataset"] == ds]
        yield ds, part.pivot_table(index="level", columns="control", values=["after", "change %"])


def _gap(wide: pd.DataFrame, level: float, control: str) -> float:
    """Final value of ``control`` at ``level`` relative to the untranslated run's, in %."""
    if 0.0 not in wide.index:
        return math.nan
    after = wide["after"]
    return 100 * (after.loc[level, control] / after.loc[0.0, control] - 1)


def describe_controls(table: pd.DataFrame, radius: int = 1, init: str = "keras") -> list[str]:
    """Computed sentences: what the paper's measure and the controls say, per dataset.

    For the untranslated run and the highest translation level, the change of each measure (and,
    for the translated run, whether it ends more alike than the untranslated run); then, across
    translation levels, how many translated runs end below the untranslated one by the paper's
    measure and by the per-block distance; last, which reading the numbers fit at each level:
    kernels alike in direction (the paper's), or uneven block sizes (the confound).

    >>> describe_controls(pd.DataFrame(columns=_COLUMNS))[0][:34]
    'No stored first-layer kernels yet:'
    """
    if table.empty:
        return ["No stored first-layer kernels yet: the controls need finished fold-0 FCN runs."]
    out = []
    for ds, wide in _wide(table, radius, init):
        levels = sorted(wide.index)
        name = _NAMES.get(ds, ds)
        for level in sorted({levels[0], levels[-1]}):
            c = wide["change %"].loc[level]
            gap = _gap(wide, level, "block") if level > 0 else None
            out.append(
                f"{name}, {_level(level)} translation, radius {radius}: the paper's measure "
                f"{_verb(c['dist'])}; the per-block normalised distance {_verb(c['block'])} and "
                f"the cosine distance {_verb(c['cos'])}; the inner window alone "
                f"{_verb(c['inner']) if not math.isnan(c['inner']) else 'is undefined'}; the "
                f"block sizes alone predict a change of {_pct(c['norm_only'])}. "
                f"{_direction(c, gap)}"
            )
        if 0.0 not in levels or len(levels) < 2:
            out.append(f"{name}: the untranslated run and a translated one are both needed to "
                       "compare levels; not stored yet.")  # fmt: skip
            continue
        translated = [lv for lv in levels if lv > 0]
        below = {k: sum(_gap(wide, lv, k) < -100 * NOISE_FLOOR for lv in translated)
                 for k in ("dist", "block", "cos")}  # fmt: skip
        out.append(
            f"{name}: translated runs that end more than {100 * NOISE_FLOOR:g} % below the "
            f"untranslated run (radius {radius}): "
            f"{below['dist']} of {len(translated)} by the paper's measure, {below['block']} by "
            f"the per-block distance, {below['cos']} by the cosine distance."
        )
        out.append(f"{name}: {_reading(wide, translated, radius)}")
    return out


def readings(table: pd.DataFrame, radius: int = 1, init: str = "keras") -> dict[str, str]:
    """Per dataset, the one sentence of :func:`describe_controls` that names the reading the
    numbers fit, over every stored translation level at ``radius`` (datasets without both an
    untranslated and a translated run are left out).

    >>> readings(pd.DataFrame(columns=_COLUMNS))
    {}
    """
    out = {}
    for ds, wide in _wide(table, radius, init):
        translated = [lv for lv in sorted(wide.index) if lv > 0]
        if 0.0 in wide.index and translated:
            out[ds] = _reading(wide, translated, radius)
    return out


def _reading(wide: pd.DataFrame, translated: list[float], radius: int = 1) -> str:
    """Which reading the numbers fit, level by level: every translated level against 0 %.

    A level where the per-block distance ends more than :data:`NOISE_FLOOR` below the untranslated
    run reads "more alike in direction"; one where only the paper's measure does reads "uneven
    block sizes"; the rest "neither".
    """
    floor = 100 * NOISE_FLOOR
    dist = {lv: _gap(wide, lv, "dist") for lv in translated}
    block = {lv: _gap(wide, lv, "block") for lv in translated}
    alike = [lv for lv in translated if block[lv] <= -floor]
    sizes = [lv for lv in translated if block[lv] > -floor and dist[lv] <= -floor]
    neither = [lv for lv in translated if lv not in alike and lv not in sizes]
    separated = [lv for lv in translated if dist[lv] <= -floor]
    n = len(translated)
    of = f"of {n} translated level{'s' if n != 1 else ''}"

    def where(levels, gaps):
        low, high = min(gaps.values()), max(gaps.values())
        if len(gaps) == 1:
            gap = f"gap {_pct(low)}"
        else:
            lowest = min(gaps, key=gaps.get)
            # why "at all": the range spans every level, also those not counted before it
            span = "" if len(levels) == len(gaps) else f" at all {len(gaps)} levels"
            gap = f"gaps{span} from {_pct(low)} to {_pct(high)}, lowest at {_level(lowest)}"
        named = f"{levels_text(levels)}; " if levels else ""
        return f"{len(levels)} {of} ({named}{gap})"

    facts = (
        f"Against the untranslated run (radius {radius}, fold 0, final kernels), the paper's "
        f"measure ends more than {floor:g} % lower at {where(separated, dist)}; the per-block "
        f"distance, which ignores block sizes, at {where(alike, block)}."
    )
    trend = ""
    # why the floor: a highest level within 1 % of the lowest gap is not "less alike" there
    if alike and n > 1 and block[translated[-1]] > min(block.values()) + floor:
        trend = (
            f" The per-block distance is lowest at {_level(min(block, key=block.get))}, not at the "
            f"highest level ({_level(translated[-1])}), whereas in the paper's reading sharing "
            "grows with translation."
        )
    if len(alike) == n:
        return (f"{facts} At every stored level the kernels became more alike in direction than "
                f"without translation, the reading the paper gives.{trend}")  # fmt: skip
    if not alike and not sizes:
        return (f"{facts} Neither the paper's measure nor the per-block distance is lower after "
                "translation than without it: these runs show no emerging sharing.")  # fmt: skip
    if not alike:
        return (f"{facts} Only the paper's measure separates translation from no translation; the "
                "per-block distance does not at any stored level: the separation comes from "
                "uneven block sizes, not from kernels becoming alike.")  # fmt: skip
    parts = [f"At {levels_text(alike)} the kernels became more alike in direction than without "
             "translation, the reading the paper gives."]  # fmt: skip
    if sizes:
        parts.append(f"At {levels_text(sizes)} only the paper's measure separates translation "
                     "from no translation: there the separation comes from uneven block sizes, "
                     "not from kernels becoming alike.")  # fmt: skip
    if neither:
        parts.append(f"At {levels_text(neither)} neither measure ends more than {floor:g} % "
                     "below the untranslated run.")  # fmt: skip
    return " ".join([facts, *parts]) + trend


@dataclass
class ClassKernels:
    """FCNs trained in class at several levels: their controls and the class runs themselves.

    ``table`` has the columns of :func:`controls_table` (``run_id`` "class"); ``results`` maps each
    level to its :class:`lithm.classroom.ClassResult`; ``label`` is the scale in words.
    """

    table: pd.DataFrame
    results: dict = field(default_factory=dict)
    label: str = ""

    def sentences(self, radius: int = 1) -> list[str]:
        """:func:`describe_controls` on the class runs."""
        return describe_controls(self.table, radius=radius, init=self.table["init"].iloc[0])


def train_and_measure(
    levels=(0.0, 0.5), dataset: str = "mnist", init: str = "keras", scale: str | None = None,
    radii=(1, 4), **options,
) -> ClassKernels:  # fmt: skip
    """Train an FCN in class at each translation level and measure its kernels with the controls.

    One :func:`lithm.classroom.train_in_class` run per level (FCN only); the initial kernels are
    captured when the model is built, the final ones read from the trained model. ``options`` go
    to ``train_in_class`` (e.g. ``epochs``, ``images``, ``progress``, ``data``, ``threads``).

    >>> from lithm.data import synthetic_dataset
    >>> k = train_and_measure((0.0,), data=synthetic_dataset("mnist", 200), scale="build",
    ...                       epochs=1, progress=False, radii=(1,))
    >>> sorted(set(k.table["control"])) == sorted(CONTROLS), list(k.results)
    (True, [0.0])
    """
    from lithm.classroom import train_in_class

    parts, results = [], {}
    for level in levels:
        start = {}

        def build(ds, name, start=start):
            model = build_model(ds, name, init=init)
            start[name] = model.first_layer.kernels().detach().clone()  # (oh, ow, F, C, kh, kw)
            return model

        aug = "translation" if level else "none"
        result = train_in_class(dataset=dataset, models=("fcn",), augmentation=aug, level=level,
                                scale=scale, init=init, build=build, **options)  # fmt: skip
        after = result.models["fcn"].first_layer.kernels().detach().cpu()
        t = controls_of(start["fcn"], after, result.settings["dataset"], radii)
        for column, value in (
            ("run_id", "class"),
            ("init", init),
            ("level", float(level)),
            ("augmentation", aug),
            ("dataset", result.settings["dataset"]),
        ):
            t.insert(0, column, value)  # fmt: skip
        parts.append(t[_COLUMNS])
        results[float(level)] = result
    # the scale words of the highest level's run (the other levels differ only in the level)
    label = results[max(results)].label if results else ""
    return ClassKernels(pd.concat(parts, ignore_index=True), results, label)
