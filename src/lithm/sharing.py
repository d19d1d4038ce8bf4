"""Has approximate weight sharing emerged? The stored first-layer kernels, with controls (§5.4).

The paper's filter distance (:func:`lithm.metrics.filter_distance`) divides the whole first layer
by one norm, so it falls or rises when some kernel blocks grow more than others, even if no two
blocks become more alike. This module reads the final kernels that the store keeps for fold 0 of
every unmasked FCN run, re-creates the initial kernels from the run's seed, and sets the paper's
measure beside four controls (:data:`lithm.metrics.CONTROLS`): per-block normalised, cosine, the
inner window only, and the prediction from the block sizes alone. :func:`describe_controls` turns
the table into sentences that hold whichever way the numbers come out.

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

from lithm.config import RunConfig
from lithm.metrics import CONTROLS, block_norms, distance_controls, inner_window
from lithm.models import ARCHITECTURES, build_model

__all__ = [
    "CONTROL_LABELS",
    "ClassKernels",
    "NOISE_FLOOR",
    "WINDOW_MARGIN",
    "controls_of",
    "controls_table",
    "describe_controls",
    "describe_norms",
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
    and after training, and how many positions did not move (relative change below 1e-3, the
    float16 rounding of the stored kernels)."""
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
        row["positions unchanged"] = int((moved < 1e-3).sum())
        row["positions"] = int(moved.size)
        rows.append(row)
    return pd.DataFrame(rows)


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
    names = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
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


def _direction(c) -> str:
    """What the per-block distance says about one run's change, in one clause."""
    floor = 100 * NOISE_FLOOR
    if c["block"] <= -floor:
        return "By direction, the kernels became more alike."
    if c["block"] >= floor:
        return "By direction, the kernels became less alike."
    if abs(c["dist"]) >= floor:
        return "By direction they did not change: the measure moved with the block sizes."
    return f"Neither the measure nor the per-block distance moved by more than {floor:g} %."


def describe_norms(norms: pd.DataFrame) -> list[str]:
    """Sentences, per dataset, on how the first-layer block norms changed in training (§5.4).

    From :func:`norm_table`: how many positions did not move, and how much the mean block norm
    grew inside and outside the inner window, over the stored runs.

    >>> table = pd.DataFrame({"dataset": ["mnist"], "positions unchanged": [0], "positions": [169],
    ...     "inner norm, before": [0.3], "inner norm, after": [1.2],
    ...     "outer norm, before": [0.3], "outer norm, after": [0.9]})
    >>> describe_norms(table)[0][:60]
    'MNIST (1 run): 0 of 169 positions per run kept their initial'
    """
    out = []
    for ds, g in norms.groupby("dataset", sort=False):
        name = {"mnist": "MNIST", "cifar10": "CIFAR-10"}.get(ds, ds)
        unchanged = g["positions unchanged"]
        kept = f"{unchanged.min()}" if unchanged.min() == unchanged.max() else (
            f"{unchanged.min()}–{unchanged.max()}")  # fmt: skip
        inner = g["inner norm, after"] / g["inner norm, before"]
        outer = g["outer norm, after"] / g["outer norm, before"]
        more = int((outer > inner).sum())
        out.append(
            f"{name} ({len(g)} run{'s' if len(g) != 1 else ''}): {kept} of "
            f"{int(g['positions'].iloc[0])} positions per run kept their initial kernels; the mean "
            f"block norm grew {inner.min():.1f}–{inner.max():.1f}× inside the inner window and "
            f"{outer.min():.1f}–{outer.max():.1f}× outside it, more outside than inside in {more} "
            f"of {len(g)} run{'s' if len(g) != 1 else ''}."
        )
    return out


def describe_controls(table: pd.DataFrame, radius: int = 1, init: str = "keras") -> list[str]:
    """Computed sentences: what the paper's measure and the controls say, per dataset.

    For the untranslated run and the highest translation level, the change of each measure;
    then, across translation levels, how many translated runs end below the untranslated one
    by the paper's measure and by the per-block distance; last, which reading the numbers fit:
    kernels alike in direction (the paper's), or uneven block sizes (the confound).
    """
    if table.empty:
        return ["No stored first-layer kernels yet: the controls need finished fold-0 FCN runs."]
    names = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
    out = []
    sub = table[(table["radius"] == radius) & (table["init"] == init)]
    sub = sub[sub["augmentation"].isin(["none", "translation"])]
    for ds, part in sub.groupby("dataset", sort=False):
        wide = part.pivot_table(index="level", columns="control", values=["after", "change %"])
        levels = sorted(wide.index)
        name = names.get(ds, ds)
        for level in sorted({levels[0], levels[-1]}):
            c = wide["change %"].loc[level]
            out.append(
                f"{name}, {_level(level)} translation, radius {radius}: the paper's measure "
                f"{_verb(c['dist'])}; the per-block normalised distance {_verb(c['block'])} and "
                f"the cosine distance {_verb(c['cos'])}; the inner window alone "
                f"{_verb(c['inner']) if not math.isnan(c['inner']) else 'is undefined'}; the "
                f"block sizes alone predict a change of {_pct(c['norm_only'])}. "
                f"{_direction(c)}"
            )
        if 0.0 not in levels or len(levels) < 2:
            out.append(f"{name}: the untranslated run and a translated one are both needed to "
                       "compare levels; not stored yet.")  # fmt: skip
            continue
        zero = wide["after"].loc[0.0]
        translated = [lv for lv in levels if lv > 0]
        cut = {k: zero[k] * (1 - NOISE_FLOOR) for k in zero.index}
        below = {k: sum(wide["after"].loc[lv, k] < cut[k] for lv in translated)
                 for k in ("dist", "block", "cos")}  # fmt: skip
        out.append(
            f"{name}: translated runs that end more than {100 * NOISE_FLOOR:g} % below the "
            f"untranslated run (radius {radius}): "
            f"{below['dist']} of {len(translated)} by the paper's measure, {below['block']} by "
            f"the per-block distance, {below['cos']} by the cosine distance."
        )
        out.append(f"{name}: {_reading(wide, translated)}")
    return out


def readings(table: pd.DataFrame, radius: int = 1, init: str = "keras") -> dict[str, str]:
    """Per dataset, the one sentence of :func:`describe_controls` that names the reading the
    numbers fit (datasets without both an untranslated and a translated run are left out)."""
    out = {}
    sub = table[(table["radius"] == radius) & (table["init"] == init)]
    sub = sub[sub["augmentation"].isin(["none", "translation"])]
    for ds, part in sub.groupby("dataset", sort=False):
        wide = part.pivot_table(index="level", columns="control", values=["after", "change %"])
        translated = [lv for lv in sorted(wide.index) if lv > 0]
        if 0.0 in wide.index and translated:
            out[ds] = _reading(wide, translated)
    return out


def _reading(wide: pd.DataFrame, translated: list[float]) -> str:
    """Which reading the numbers fit, from the highest translation level against 0 %."""
    top = translated[-1]
    change = wide["change %"]
    after = wide["after"]
    direction_gap = 100 * (after.loc[top, "block"] / after.loc[0.0, "block"] - 1)
    global_gap = 100 * (after.loc[top, "dist"] / after.loc[0.0, "dist"] - 1)
    sizes = change.loc[top, "norm_only"]
    alike = direction_gap < -100 * NOISE_FLOOR
    separated = global_gap < -100 * NOISE_FLOOR
    facts = (
        f"at {_level(top)} translation the paper's measure ends {global_gap:+.1f} % from the "
        f"untranslated run and the per-block distance {direction_gap:+.1f} %, while the block "
        f"sizes alone predict a change of {sizes:+.1f} % from the start"
    )
    if alike:
        return (
            f"{facts[0].upper()}{facts[1:]}. The per-block distance, which ignores block sizes, "
            "is lower after translation than without it: the kernels became more alike in "
            "direction, the reading the paper gives."
        )
    if separated:
        return (
            f"{facts[0].upper()}{facts[1:]}. Only the paper's measure separates translation "
            "from no translation; the per-block distance does not: the separation comes from "
            "uneven block sizes, not from kernels becoming alike."
        )
    return (
        f"{facts[0].upper()}{facts[1:]}. Neither the paper's measure nor the per-block distance "
        "is lower after translation than without it: these runs show no emerging sharing."
    )


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
