"""Does only translation teach translation invariance? Tables and a figure for paper App. B.

Paper §5.7 and Appendix B train the CNN and the FCN with edge noise, noise or rotation instead of
translation (Tables B.1–B.3) and score them on the translated held-out fold. Its hypothesis: only
translated training data make a network accurate on translated images. Chapter 8 uses:

- :func:`final_table`: one experiment's final-epoch table with the positive-control column (the
  held-out fold transformed like the training data), cells "median (lowest–highest fold)";
- :func:`translation_after_each_kind`: translated accuracy at 0 %, the best of every other kind,
  and after the smallest translation level, per dataset and model, on the folds of
  :func:`compared_runs`;
- :func:`ordering`: whether the paper's ordering holds in our runs, as one computed sentence per
  dataset and model, and :func:`ordering_verdicts` beside the paper's differences;
- :func:`kind_verdicts`: per kind, what training with it does to translated accuracy, beside the
  paper's Tables B.1–B.3;
- :func:`plot_augmentation_hypothesis`: translated accuracy against the training level for every
  kind, ours beside the paper's printed values;
- :func:`readable`: any of these tables ready to read (display names, three decimals, "–" for a
  missing number).

>>> from lithm.analysis import demo_records, load_results
>>> frame = load_results(demo_records())
>>> t = translation_after_each_kind(frame, {}, ["mnist"])
>>> t.columns.tolist()
['dataset', 'model', '0 %', 'translation 10 %']
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lithm import tables
from lithm.analysis import fold_table, scale_label
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import canonical_dataset
from lithm.paper import paper_results, paper_value

__all__ = [
    "EVAL_METRIC",
    "KINDS",
    "Ordering",
    "compared_runs",
    "compared_scale",
    "final_table",
    "kind_verdicts",
    "ordering",
    "ordering_verdicts",
    "plot_augmentation_hypothesis",
    "readable",
    "translation_after_each_kind",
]

#: The three non-translation experiments, in the paper's order (Tables B.1, B.2, B.3).
KINDS = ("edge-noise", "noise", "rotation")
#: The per-epoch evaluation that matches each kind (the positive control).
EVAL_METRIC = {"edge-noise": "edge_noise", "noise": "noise", "rotation": "rotation"}
_COLORS = {"translation": "#000000", "edge-noise": "#56B4E9", "noise": "#009E73",
           "rotation": "#E69F00"}  # fmt: skip
_MARKERS = {"translation": "o", "edge-noise": "v", "noise": "^", "rotation": "s"}
CHANCE = 0.1
#: Reader's labels of datasets, models and per-epoch evaluations in displayed tables.
_LABELS = {"edge_noise": "edge noise", "val_acc": "validation", "acc": "training"}


def _present(frame: pd.DataFrame, datasets) -> list[str]:
    have = set(frame["dataset"]) if len(frame) else set()
    return [canonical_dataset(d) for d in datasets if canonical_dataset(d) in have]


def _cell(median: float, low: float, high: float) -> str:
    """A table cell: "median (lowest–highest)" to three decimals, the median alone if they agree.

    >>> _cell(0.61234, 0.6, 0.62), _cell(0.61234, 0.61234, 0.61234)
    ('0.612 (0.600–0.620)', '0.612')
    """
    lo, hi = f"{low:.3f}", f"{high:.3f}"
    return f"{median:.3f}" if lo == hi else f"{median:.3f} ({lo}–{hi})"


def final_table(frame: pd.DataFrame, experiment: str, datasets) -> pd.DataFrame | None:
    """One experiment's table at each fold's final epoch, with its own evaluation as a control.

    Rows (dataset, level); columns (metric, model) for clean validation, translation and the
    kind's own evaluation (edge noise σ 0.15, noise σ 0.15 or rotations of ±45°); cells
    "median (lowest–highest fold)", or the median alone where all folds agree to three decimals
    (one fold). None when nothing is stored.

    >>> from lithm.analysis import demo_records, load_results
    >>> t = final_table(load_results(demo_records()), "noise", ["mnist"])
    >>> t.iloc[0][("validation", "cnn")]
    '0.980 (0.975–0.985)'
    """
    metrics = ("validation", "translation", EVAL_METRIC[experiment])
    parts = []
    for ds in _present(frame, datasets):
        t = fold_table(frame, experiment, ds, epoch="final", metrics=metrics)
        for name in metrics:
            cell = [
                _cell(m, lo, hi)
                for m, lo, hi in zip(t[name], t[f"{name}_min"], t[f"{name}_max"], strict=True)
            ]
            parts.append(t[["dataset", "level", "model"]].assign(metric=name, value=cell))
    if not parts:
        return None
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot(index=["dataset", "level"], columns=["metric", "model"], values="value")
    models = [m for m in ("cnn", "fcn") if m in set(long["model"])]
    return wide.reindex(columns=[(m, mod) for m in metrics for mod in models])


def compared_runs(translation: pd.DataFrame, frames: dict, dataset: str) -> pd.DataFrame:
    """The translation runs that :func:`translation_after_each_kind` reads for one dataset.

    Only the folds on which another kind was trained at a non-zero level (all folds when none
    was): the secondary experiments of a reduced profile run fewer folds than translation, and a
    column of fold 0 beside a median over folds 0 and 1 would compare different held-out images.

    >>> from lithm.analysis import demo_records, load_results
    >>> frame = load_results(demo_records())
    >>> sorted(set(compared_runs(frame, {}, "mnist")["fold"]))
    [0, 1]
    """
    ds = canonical_dataset(dataset)
    tr = translation[translation["dataset"] == ds] if len(translation) else translation
    folds = set()
    for frame in frames.values():
        if len(frame):
            trained = frame[(frame["dataset"] == ds) & (frame["level"] > 0)]
            folds |= set(trained["fold"])
    # why: pair by fold, as the verdicts of this module do (see the docstring)
    return tr[tr["fold"].isin(folds)] if folds and len(tr) else tr


def compared_scale(translation: pd.DataFrame, frames: dict, datasets) -> str:
    """The scale label of every run :func:`translation_after_each_kind` reads (its caption).

    >>> from lithm.analysis import demo_records, load_results
    >>> compared_scale(load_results(demo_records()), {}, ["mnist"]).split(",")[0]
    'reduced scale: 2 of 5 folds'
    """
    parts = [compared_runs(translation, frames, ds) for ds in _present(translation, datasets)]
    for frame in frames.values():
        if len(frame):
            parts.append(frame[frame["dataset"].isin(_present(frame, datasets))])
    parts = [p for p in parts if len(p)]
    return scale_label(_pooled(pd.concat(parts), {})) if parts else "no runs"


def translation_after_each_kind(
    translation: pd.DataFrame, frames: dict, datasets, way: str = "final"
) -> pd.DataFrame:
    """Translated accuracy after each kind of training, per dataset and model (median over folds).

    Columns: "0 %" (clean training), "best <kind>" (the highest over the kind's non-zero levels)
    for each kind in ``frames`` with stored runs, and "translation <x> %" for the smallest
    non-zero translation level stored. NaN where runs are missing. The translation columns read
    the folds of :func:`compared_runs`, the folds the other kinds were trained on.
    """
    rows = []
    for ds in _present(translation, datasets):
        runs = compared_runs(translation, frames, ds)
        tr = fold_table(runs, "translation", ds, epoch=way, metrics=("translation",))
        for model in ("cnn", "fcn"):
            t = tr[tr["model"] == model]
            if t.empty:
                continue
            zero = t.loc[t["level"] == 0, "translation"]
            row = {"dataset": _NAMES[ds], "model": model,
                   "0 %": float(zero.iloc[0]) if len(zero) else np.nan}  # fmt: skip
            for kind, frame in frames.items():
                if ds in _present(frame, [ds]):
                    o = fold_table(frame, kind, ds, epoch=way, metrics=("translation",))
                    o = o[(o["model"] == model) & (o["level"] > 0)]
                    row[f"best {kind}"] = float(o["translation"].max()) if len(o) else np.nan
            moved = t[t["level"] > 0]
            if len(moved):
                smallest = float(moved["level"].min())
                row[f"translation {smallest * 100:g} %"] = float(
                    moved.loc[moved["level"] == smallest, "translation"].iloc[0]
                )
            rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else ["dataset", "model", "0 %"])


@dataclass(frozen=True)
class Ordering:
    """Whether the smallest translation level beats every other kind on translated images."""

    dataset: str
    model: str
    level: float | None  # the smallest stored translation level (None: not stored)
    after_translation: float | None
    best_other: float | None  # the best translated accuracy after noise, edge noise or rotation
    best_kind: str | None  # which kind and level gave it, e.g. "rotation 0.1"
    missing: tuple[str, ...]  # kinds without stored runs

    @property
    def holds(self) -> bool | None:
        """True/False once both sides are stored and above chance, else None (cannot tell)."""
        if self.after_translation is None or self.best_other is None:
            return None
        if max(self.after_translation, self.best_other) < CHANCE + 0.05:
            return None
        return self.after_translation > self.best_other

    def sentence(self) -> str:
        """One computed sentence: the two numbers and whether the paper's ordering holds."""
        name = f"{_NAMES[self.dataset]} {self.model.upper()}"
        pending = f" (no runs stored yet for {', '.join(self.missing)})" if self.missing else ""
        if self.after_translation is None:
            return f"{name}: no translated run is stored yet, so the ordering cannot be checked."
        if self.best_other is None:
            kinds = _either(list(self.missing) or ["noise", "edge-noise", "rotation"])
            return (
                f"{name}: translated accuracy {self.after_translation:.3f} after "
                f"{self.level * 100:g} % translation, but no {kinds} run at a non-zero level is "
                "stored yet to compare it with, so the ordering cannot be checked."
            )
        numbers = (
            f"translated accuracy {self.after_translation:.3f} after {self.level * 100:g} % "
            f"translation against {self.best_other:.3f} at best after any other augmentation "
            f"({self.best_kind}){pending}"
        )
        if self.holds is None:
            return f"{name}: {numbers}; both near chance, so the ordering cannot be told."
        verdict = "holds" if self.holds else "does not hold"
        return f"{name}: {numbers}; the paper's ordering {verdict} in our runs."


def ordering(translation: pd.DataFrame, frames: dict, datasets, way: str = "final") -> list:
    """The paper's App. B ordering in our runs, one :class:`Ordering` per dataset and model.

    The ordering: after training with the smallest translation level stored for that dataset and
    model (the column of :func:`translation_after_each_kind` that is not NaN in its row),
    translated accuracy exceeds the best translated accuracy reached after noise, edge noise or
    rotation at any level.

    >>> from lithm.analysis import demo_records, load_results
    >>> frame = load_results(demo_records())
    >>> [o.holds for o in ordering(frame, {"noise": frame}, ["mnist"])]  # no noise at level > 0
    [None, None]
    """
    out = []
    table = translation_after_each_kind(translation, frames, datasets, way)
    moved = sorted((float(c.split()[1]) / 100, c) for c in table.columns
                   if c.startswith("translation "))  # fmt: skip
    for ds in [canonical_dataset(d) for d in datasets]:
        for model in ("cnn", "fcn"):
            rows = table[(table["dataset"] == _NAMES[ds]) & (table["model"] == model)]
            row = rows.iloc[0] if len(rows) else pd.Series(dtype=float)
            after, level = None, None
            stored = [(lv, c) for lv, c in moved if not np.isnan(row.get(c, np.nan))]
            if stored:  # the smallest level stored for this row, as in the table
                level, column = stored[0]
                after = float(row[column])
            best, kind, missing = None, None, []
            for k, frame in frames.items():
                value = row.get(f"best {k}", np.nan)
                if np.isnan(value):
                    missing.append(k)
                elif best is None or value > best:
                    o = fold_table(frame, k, ds, epoch=way, metrics=("translation",))
                    o = o[(o["model"] == model) & (o["level"] > 0)]
                    lv = float(o.loc[o["translation"].idxmax(), "level"])
                    best, kind = float(value), f"{k} {lv:g}"
            out.append(Ordering(ds, model, level, after, best, kind, tuple(missing)))
    return out


def _pooled(translation: pd.DataFrame, frames: dict) -> pd.DataFrame:
    """The translation runs and every other augmentation's in one frame, each epoch row once (the
    0 % runs are shared by all of them)."""
    parts = [f for f in (translation, *frames.values()) if len(f)]
    return pd.concat(parts).drop_duplicates(["run_id", "epoch"]) if parts else translation


def _either(words) -> str:
    """Words joined for a sentence.

    >>> _either(["edge-noise", "noise", "rotation"]), _either(["noise"])
    ('edge-noise, noise or rotation', 'noise')
    """
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def ordering_verdicts(translation: pd.DataFrame, frames: dict, datasets, way: str = "final"):
    """The ordering of :func:`ordering` beside the paper's, as :class:`lithm.verdicts.Verdict`.

    Per dataset and model: translated accuracy after the smallest translation level minus after
    the other augmentation that scored best in our runs (paired by fold), against the paper's
    difference for the same two settings (Tables 1, 2, B.1–B.3), expected to be positive.

    >>> from lithm.analysis import demo_records, load_results
    >>> frame = load_results(demo_records())
    >>> ordering_verdicts(frame, {"noise": frame}, ["mnist"])[0].outcome  # no noise run stored
    'cannot tell'
    """
    from lithm.verdicts import compare

    frame = _pooled(translation, frames)
    out = []
    for o in ordering(translation, frames, datasets, way):
        level = o.level if o.level is not None else 0.1
        kind, other = (o.best_kind or f"{next(iter(frames), 'rotation')} 0.1").split()
        a = {"model": o.model, "augmentation": "translation", "level": level}
        b = {"model": o.model, "augmentation": kind, "level": float(other)}
        paper = paper_value("translation", o.dataset, o.model, level, "translation") - paper_value(
            kind, o.dataset, o.model, float(other), "translation"
        )
        why = (
            "our best other augmentation"
            if o.best_kind
            else f"no {_either(list(frames) or list(KINDS))} run at a non-zero level stored yet"
        )
        statement = (
            f"{_NAMES[o.dataset]} {o.model.upper()}: translated accuracy after {level * 100:g} % "
            f"translation minus after {kind} {float(other):g} ({why})"
        )
        out.append(compare(frame, o.dataset, "translation", a, b, paper=paper,
                           expect="greater", way=way, statement=statement))  # fmt: skip
    return out


def kind_verdicts(
    translation: pd.DataFrame, frames: dict, datasets, model: str = "fcn", way: str = "final"
):
    """What each augmentation does to translated accuracy, ours beside the paper's (App. B).

    Per kind and dataset: translated accuracy after training with the kind at the level where our
    ``model`` scored best on translated images, minus after clean training (paired by fold),
    against the paper's same difference from Tables 1, 2 and B.1–B.3. The paper's hypothesis
    expects little change, so the verdict asks whether ours is close to the paper's (within 5
    points). One :class:`lithm.verdicts.Verdict` each.

    >>> from lithm.analysis import demo_records, load_results
    >>> frame = load_results(demo_records())
    >>> kind_verdicts(frame, {"noise": frame}, ["mnist"])[0].outcome  # no noise run stored
    'cannot tell'
    """
    from lithm.verdicts import compare

    frame = _pooled(translation, frames)
    out = []
    for kind, kind_frame in frames.items():
        for ds in map(canonical_dataset, datasets):
            level = 0.1
            if ds in _present(kind_frame, [ds]):
                t = fold_table(kind_frame, kind, ds, epoch=way, metrics=("translation",))
                t = t[(t["model"] == model) & (t["level"] > 0)]
                if len(t):
                    level = float(t.loc[t["translation"].idxmax(), "level"])
            paper = paper_value(kind, ds, model, level, "translation") - paper_value(
                "translation", ds, model, 0.0, "translation"
            )
            statement = (
                f"{_NAMES[ds]} {model.upper()}: translated accuracy after {kind} {level:g} "
                "minus after clean training"
            )
            a = {"model": model, "augmentation": kind, "level": level}
            out.append(compare(frame, ds, "translation", a, {"model": model, "level": 0.0},
                               paper=paper, expect="close", tolerance=0.05, way=way,
                               statement=statement))  # fmt: skip
    return out


def plot_augmentation_hypothesis(
    translation: pd.DataFrame, frames: dict, datasets, metric: str = "translation"
):
    """Translated accuracy after each kind of training, against the level: ours and the paper's.

    One panel per (dataset, model): lines are our runs (each fold's final epoch, median over
    folds, bars over folds), open markers the paper's Tables 1, 2, B.1–B.3. Returns None when
    nothing is stored.

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_augmentation_hypothesis(load_results(demo_records()), {}, ["mnist"])
    >>> len(fig.axes)
    2
    """
    kinds = {"translation": translation, **frames}
    shown = [ds for ds in map(canonical_dataset, datasets)
             if any(ds in _present(f, [ds]) for f in kinds.values())]  # fmt: skip
    if not shown:
        return None
    paper = paper_results()
    fig, axes = plt.subplots(len(shown), 2, figsize=(10.5, 3.8 * len(shown) + 0.9),
                             squeeze=False, layout="constrained")  # fmt: skip
    for row, ds in enumerate(shown):
        for col, model in enumerate(("cnn", "fcn")):
            ax = axes[row, col]
            for kind, frame in kinds.items():
                color, marker = _COLORS[kind], _MARKERS[kind]
                if ds in _present(frame, [ds]):
                    t = fold_table(frame, kind, ds, epoch="final", metrics=(metric,))
                    t = t[t["model"] == model].sort_values("level")
                    xs = t["level"].astype(float) * 100
                    ax.plot(xs, t[metric], color=color, marker=marker, label=f"{kind} (ours)")
                    ax.vlines(xs, t[f"{metric}_min"], t[f"{metric}_max"], color=color, alpha=0.6)
                ref = paper[(paper["experiment"] == kind) & (paper["dataset"] == ds)
                            & (paper["model"] == model) & (paper["metric"] == metric)]  # fmt: skip
                ref = ref.sort_values("level")
                ax.plot(ref["level"] * 100, ref["value"], linestyle="none", marker=marker,
                        markerfacecolor="none", color=color, alpha=0.8,
                        label=f"{kind} (paper)")  # fmt: skip
            ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1)
            ax.set_title(f"{_NAMES[ds]}, {model.upper()}", fontsize="medium")
            ax.set_xlabel("training level × 100 (% of size, % of 360°, or σ × 100)")
            ax.set_ylabel(f"{metric} accuracy")
            ax.set_ylim(0, 1.02)
            ax.grid(True, alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize="small")
    runs = pd.concat([f for f in kinds.values() if len(f)], ignore_index=True)
    runs = runs.drop_duplicates("run_id")
    runs = runs[runs["dataset"].isin(shown)]
    title = (
        f"{metric.capitalize()} accuracy after training with each augmentation: ours (lines, "
        "final epoch) and the paper's Tables 1, 2, B.1–B.3 (open markers)"
    )
    lines = textwrap.wrap(title, 140) + textwrap.wrap(scale_label(runs), 140)
    fig.suptitle("\n".join(lines), fontsize="medium")
    plt.close(fig)  # shown once by display(), see lithm.plots
    return fig


def readable(table: pd.DataFrame, caption: str | None = None, precision: int = 3):
    """A table of this chapter ready to read, as a pandas Styler.

    Dataset, model and evaluation names as the reader knows them (MNIST, CNN, edge noise) in the
    index, the column labels and the "dataset"/"model" columns; levels as plain numbers; numbers
    to ``precision`` decimals and "–" where one is missing; rows of MNIST before CIFAR-10; a plain
    row index hidden.

    >>> t = pd.DataFrame({"dataset": ["cifar10"], "model": ["fcn"], "0 %": [0.61234],
    ...                   "best noise": [np.nan]})
    >>> html = readable(t).to_html()
    >>> ["CIFAR-10" in html, "FCN" in html, "0.612" in html, "0.6123" in html, "–" in html]
    [True, True, True, False, True]
    """
    return tables.readable(table, _LABELS, level="plain", precision=precision, caption=caption)
