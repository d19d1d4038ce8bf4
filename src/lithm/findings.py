"""What our runs show beyond the paper's claims: numbers plus sentences computed from the store.

The paper reports accuracies at the end of training (Ott et al. 2020, §5.1–§5.3, App. C);
three questions it leaves open are answered here from our runs, whichever way they come out:

- :func:`steps_to_reach`: how many more epochs (and optimiser steps) an FCN needs than a CNN to
  reach the same accuracy under heavy translation (the cost of not sharing, in training time);
- :func:`init_ablation`: whether the FCN's deficit is the free convolution or its smaller Keras
  initialisation (the ``init`` experiment: FCN with ``init="conv"``, a control not in the paper);
- :func:`connection_threshold`: where accuracy starts to fall as connections are removed
  (the ``connections`` experiment, App. C), per mask mode.

Each returns a :class:`Finding`: ``value`` (the headline number, None when it cannot be computed),
``sentence`` (true whatever the data say; "cannot tell" when runs are missing) and ``table`` (the
per-fold evidence). :func:`all_findings` returns them all.

>>> from lithm.analysis import demo_records, load_results
>>> f = steps_to_reach(load_results(demo_records()), levels=(0.1,))
>>> f.value
0.0
>>> f.sentence.startswith("MNIST, 10% translation: the FCN reached")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import canonical_dataset
from lithm.experiments import get_profile
from lithm.paper import PROTOCOL
from lithm.tables import counted, levels_text
from lithm.verdicts import FLOOR_MARGIN, compare

__all__ = [
    "Finding",
    "all_findings",
    "connection_threshold",
    "init_ablation",
    "steps_per_epoch",
    "steps_to_reach",
]


@dataclass(frozen=True)
class Finding:
    """One computed finding: its headline value, a sentence that states it, and the evidence."""

    key: str
    value: float | None
    sentence: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)
    #: a few words with the headline value, for summaries (key takeaways)
    short: str = ""
    #: the sentence in parts (one per setting) where it is long, for a list; else empty
    parts: tuple = field(default=(), compare=False)

    def __str__(self) -> str:
        return self.sentence


def _points(x: float) -> str:
    return f"{abs(x) * 100:.1f} point{'s' if round(abs(x) * 100, 1) != 1 else ''}"


def _runs(frame: pd.DataFrame, dataset: str, **where) -> pd.DataFrame:
    if frame.empty:
        return frame
    keep = frame["dataset"] == canonical_dataset(dataset)
    keep &= frame["augmentation"].isin(["translation", "none"])  # translation runs only
    for name, value in where.items():
        if name in ("level", "connection_prob"):
            keep &= frame[name].astype(float).round(6) == round(float(value), 6)
        elif name == "connection_mode":
            column = frame[name].astype(object).where(frame[name].notna(), "none")
            keep &= column == value
        else:
            keep &= frame[name] == value
    return frame[keep]


def steps_per_epoch(config_row) -> int:
    """Optimiser steps in one epoch of a run: ⌊training images / batch size⌋ (paper App. A).

    Training images are the run's images (its subset, or the paper's train + test) minus the
    held-out fold (contiguous blocks as scikit-learn's ``KFold``: the first ``n % k`` are longer).

    >>> steps_per_epoch({"dataset": "mnist", "subset": None, "n_folds": 5, "fold": 0,
    ...                  "batch_size": 256})
    218
    """
    ds = canonical_dataset(config_row["dataset"])
    subset = config_row["subset"]
    n = PROTOCOL[ds]["n_images"] if subset is None or subset != subset else int(subset)
    k, fold = int(config_row["n_folds"]), int(config_row["fold"])
    held = n // k + (1 if fold < n % k else 0)
    return (n - held) // int(config_row["batch_size"])


def _first_epoch(run: pd.DataFrame, target: float) -> int | None:
    reached = run.loc[run["val_acc"] >= target, "epoch"]
    return int(reached.min()) if len(reached) else None


def steps_to_reach(
    frame: pd.DataFrame,
    dataset: str = "mnist",
    levels=(0.5, 0.9),
    fraction: float = 0.95,
) -> Finding:
    """How many more epochs and steps the FCN needs than the CNN to reach the same accuracy.

    Per level and fold: the target is ``fraction`` of the CNN's best clean validation accuracy;
    each model's epochs to reach it are its first epoch at or above the target (None: never within
    its run), steps = epochs × :func:`steps_per_epoch`. ``value`` is the median over levels and
    folds of the FCN's extra epochs (None when no pair is stored or the FCN never got there).

    >>> from lithm.analysis import demo_records, load_results
    >>> steps_to_reach(load_results([])).sentence.startswith("Cannot tell")
    True
    """
    ds = canonical_dataset(dataset)
    rows, parts = [], []
    for level in levels:
        for fold in sorted(set(_runs(frame, ds, level=level)["fold"])) if len(frame) else []:
            pair = {}
            for model in ("cnn", "fcn"):
                run = _runs(frame, ds, model=model, level=level, fold=fold, init="keras",
                            connection_mode="none")  # fmt: skip
                if run["run_id"].nunique() == 1:
                    pair[model] = run.sort_values("epoch")
            if len(pair) < 2:
                continue
            best = float(pair["cnn"]["val_acc"].max())
            target = fraction * best
            row = {"level": level, "fold": int(fold), "target": target, "cnn_best": best}
            for model, run in pair.items():
                epoch = _first_epoch(run, target)
                per = steps_per_epoch(run.iloc[0])
                row[f"{model}_epochs"] = epoch
                row[f"{model}_steps"] = None if epoch is None else epoch * per
                row[f"{model}_epochs_run"] = int(run["epoch"].max())
            rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        wanted = ", ".join(f"{x:.0%}" for x in levels)
        return Finding("steps-to-reach", None, f"Cannot tell yet how much longer an FCN needs "
                       f"than a CNN on {_NAMES[ds]} under {wanted} translation: no CNN/FCN pair "
                       "of these runs is stored.", table,
                       "extra epochs of the FCN: cannot tell yet (runs missing)")  # fmt: skip
    extras, extra_levels, nevers = [], [], 0
    for level, sub in table.groupby("level", sort=True):
        head = f"{_NAMES[ds]}, {level:.0%} translation"
        chance = 1.0 / PROTOCOL[ds]["n_classes"]
        if sub["cnn_best"].median() < chance + FLOOR_MARGIN:
            parts.append(f"{head}: cannot tell, the CNN itself is near chance "
                         f"({sub['cnn_best'].median():.3f})")  # fmt: skip
            continue
        never = sub[sub["fcn_epochs"].isna()]
        nevers += len(never)
        if len(never):
            parts.append(
                f"{head}: the FCN never reached {fraction:.0%} of the CNN's best clean accuracy "
                f"(target {sub['target'].median():.3f}) within its "
                f"{int(never['fcn_epochs_run'].max())} epochs in {len(never)} of {len(sub)} "
                "fold(s)"
            )
            continue
        extra_e = (sub["fcn_epochs"] - sub["cnn_epochs"]).astype(float)
        extra_s = (sub["fcn_steps"] - sub["cnn_steps"]).astype(float)
        extras += extra_e.tolist()
        extra_levels.append(level)
        median_e, median_s = float(extra_e.median()), float(extra_s.median())
        if median_e > 0:
            how = f"{counted(median_e, 'epoch')} ({median_s:,.0f} steps) later than the CNN"
        elif median_e < 0:
            how = f"{counted(-median_e, 'epoch')} ({-median_s:,.0f} steps) earlier than the CNN"
        else:
            how = "in the same epoch as the CNN"
        spread = "" if len(sub) == 1 else f" (median of {len(sub)} folds, range "
        if spread:
            spread += f"{extra_e.min():g} to {extra_e.max():g} epochs)"
        parts.append(
            f"{head}: the FCN reached {fraction:.0%} of the CNN's best clean accuracy "
            f"(target {sub['target'].median():.3f}) {how}{spread}"
        )
    value = float(np.median(extras)) if extras else None
    short = (
        f"the FCN needed {_more_or_fewer(value)} to reach {fraction:.0%} of the "
        f"CNN's best clean accuracy on {_NAMES[ds]} (median over "
        f"{counted(len(extras), 'level-and-fold pair')} at {levels_text(extra_levels)} translation)"
        if value is not None
        else f"the FCN did not reach {fraction:.0%} of the CNN's best clean accuracy"
        if nevers
        else "extra epochs of the FCN: cannot tell (the CNN is near chance)"
    )
    return Finding("steps-to-reach", value, "; ".join(parts) + ".", table, short)


def _more_or_fewer(epochs: float) -> str:
    """``3`` → ``"3 more epochs than the CNN"``; negative → fewer; zero → as many."""
    if epochs == 0:
        return "as many epochs as the CNN"
    return f"{abs(epochs):g} {'more' if epochs > 0 else 'fewer'} epochs than the CNN"


def _direction(v, what: str) -> str:
    """Words for a paired difference from its verdict (the interval decides, not the sign)."""
    if v.ours is None:
        return f"{what}: cannot tell ({v.reason})"
    if v.low is None:
        return f"{what}: {v.ours:+.3f} ({counted(v.n_folds, 'fold')}), cannot tell: {v.reason}"
    interval = f" (95 % interval {v.low:+.3f} to {v.high:+.3f}, {counted(v.n_folds, 'fold')})"
    if "chance" in v.reason or "ceiling" in v.reason or "mixed" in v.reason:
        return f"{what}: {v.ours:+.3f}{interval}, cannot tell: {v.reason}"
    if v.outcome == "reproduces":
        word = "higher"
    elif v.outcome == "does not reproduce":
        word = "lower"
    else:
        word = "not distinguishable from zero at this scale"
    return f"{what}: {v.ours:+.3f}{interval}, {word}"


def init_ablation(frame: pd.DataFrame, datasets=("mnist", "cifar10"), metric="validation"):
    """What the initialisation control says: FCN(conv init) vs FCN(Keras init) vs CNN.

    For every dataset and level with stored ``init="conv"`` runs, three paired per-fold
    differences of the best-epoch accuracy (``metric``) on the folds of those runs, each with
    its 95 % interval
    (:func:`lithm.verdicts.compare`): conv − Keras FCN, conv FCN − CNN, Keras FCN − CNN. ``value``
    is the median of the conv − Keras differences where the FCNs learned (None when there are
    none).

    >>> from lithm.analysis import load_results
    >>> init_ablation(load_results([])).value is None
    True
    """
    rows, parts = [], []
    conv = {"model": "fcn", "init": "conv"}
    keras = {"model": "fcn", "init": "keras"}
    cnn = {"model": "cnn"}
    for ds in datasets:
        ds = canonical_dataset(ds)
        stored = _runs(frame, ds, init="conv") if len(frame) else frame
        levels = sorted(set(stored["level"].astype(float).round(6))) if len(stored) else []
        for level in levels:
            # why: the three differences read the same folds (those of the conv-init runs), so
            # that conv − CNN = (conv − Keras) + (Keras − CNN) holds for the numbers shown
            at = stored[stored["level"].astype(float).round(6) == level]
            paired = frame[frame["fold"].isin(set(at["fold"]))]
            pairs = {
                "conv − Keras FCN": (conv, keras),
                "conv FCN − CNN": (conv, cnn),
                "Keras FCN − CNN": (keras, cnn),
            }
            said = []
            for name, (a, b) in pairs.items():
                v = compare(paired, ds, metric, {**a, "level": level}, {**b, "level": level},
                            expect="greater")  # fmt: skip
                rows.append({"dataset": ds, "level": level, "difference": name, "ours": v.ours,
                             "low": v.low, "high": v.high, "n_folds": v.n_folds,
                             "outcome": v.outcome, "reason": v.reason})  # fmt: skip
                said.append(_direction(v, name))
            parts.append(f"{_NAMES[ds]} at {level:.0%} translation, {metric} accuracy: "
                         + "; ".join(said))  # fmt: skip
    table = pd.DataFrame(rows)
    if table.empty:
        return Finding("init-ablation", None, "Cannot tell yet what the initialisation control "
                       "says: no FCN initialised with the convolution's fans (init='conv') is "
                       "stored.", table,
                       "the initialisation control: cannot tell yet (runs missing)")  # fmt: skip
    # why: a difference between networks near chance says nothing; leave those out of the value
    usable = table[(table["difference"] == "conv − Keras FCN") & table["ours"].notna()
                   & ~table["reason"].str.contains("near chance")]  # fmt: skip
    value = float(usable["ours"].median()) if len(usable) else None
    higher = int((usable["outcome"] == "reproduces").sum())
    lower = int((usable["outcome"] == "does not reproduce").sum())
    short = (
        f"the conv-init FCN minus the authors' FCN: {value:+.3f} (median over {len(usable)} "
        f"settings; decided higher in {higher} and lower in {lower} of them)"
        if value is not None
        else "the initialisation control: cannot tell yet (no setting where the FCNs learned)"
    )
    sentences = tuple(f"{part}." for part in parts)
    return Finding("init-ablation", value, " ".join(sentences), table, short, sentences)


def connection_threshold(
    frame: pd.DataFrame,
    datasets=("mnist", "cifar10"),
    tolerance: float = 0.01,
    metric: str = "validation",
    profile: str | None = None,
) -> Finding:
    """Where accuracy starts to fall as connections are removed (App. C), per mask mode.

    Per dataset and mask mode ("synapse": the paper's per-weight mask; "input": the code's), the
    paired per-fold difference masked − unmasked FCN (same translation level) at each stored
    probability. The answer is the largest probability up to which every stored probability stays
    within ``tolerance`` of the unmasked FCN. ``value`` is that probability for the first dataset
    and the synapse mask (0.0 when the smallest probability already falls; None: cannot tell).
    With ``profile``, a mask mode that profile does not train on a dataset is named as such
    instead of as missing runs (the ``book`` profile trains only the synapse mask on CIFAR-10).

    >>> from lithm.analysis import demo_records, load_results
    >>> f = connection_threshold(load_results(demo_records(connections=True)), datasets=["mnist"])
    >>> f.value
    0.0
    """
    rows, parts, value = [], [], None
    for i, ds in enumerate(datasets):
        ds = canonical_dataset(ds)
        sub = frame if frame.empty else frame[frame["dataset"] == ds]
        masked = sub if sub.empty else sub[sub["connection_mode"].astype(str) != "none"]
        if masked.empty:
            parts.append(f"{_NAMES[ds]}: cannot tell, no run with absent connections is stored")
            continue
        level = float(sorted(set(masked["level"].astype(float).round(6)))[0])
        base = {"model": "fcn", "level": level}
        chance = 1.0 / PROTOCOL[ds]["n_classes"]
        trained = ("synapse", "input")
        if profile is not None:
            trained = get_profile(profile).dataset_connection_modes(ds, trained)
        for mode in ("synapse", "input"):
            if mode not in trained:
                parts.append(f"{_NAMES[ds]}, {mode} mask: not trained in the {profile} profile")
                continue
            probs = sorted(set(masked.loc[masked["connection_mode"] == mode, "connection_prob"]
                               .astype(float).round(6)))  # fmt: skip
            if not probs:
                parts.append(f"{_NAMES[ds]}, {mode} mask: cannot tell, no run stored")
                continue
            verdicts = []
            for p in probs:
                v = compare(frame, ds, metric, {**base, "connection_mode": mode,
                            "connection_prob": p}, base, expect="greater")  # fmt: skip
                # why: the masked side may sit at chance (that is the finding); the floor that
                # matters is the unmasked FCN's, checked below.
                verdicts.append((p, v))
                rows.append({"dataset": ds, "mode": mode, "level": level, "prob": p,
                             "difference": v.ours, "low": v.low, "high": v.high,
                             "n_folds": v.n_folds})  # fmt: skip
            head = f"{_NAMES[ds]}, {mode} mask ({level:.0%} translation)"
            baseline = compare(frame, ds, metric, base, paper=None, expect="close")
            if baseline.ours is None:
                parts.append(f"{head}: cannot tell, the unmasked FCN is not stored")
                continue
            if baseline.ours < chance + FLOOR_MARGIN:
                parts.append(f"{head}: cannot tell, the unmasked FCN is near chance "
                             f"({baseline.ours:.3f})")  # fmt: skip
                continue
            within = [(p, v) for p, v in verdicts if v.ours is not None]
            if not within:
                parts.append(f"{head}: cannot tell, no masked run pairs with the unmasked FCN")
                continue
            fall = next(((p, v) for p, v in within if v.ours < -tolerance), None)
            keep = [p for p, v in within if fall is None or p < fall[0]]
            stored = ", ".join(f"{p:g}" for p, _ in within)
            if fall is None:
                text = (
                    f"{head}: accuracy stays within {_points(tolerance)} of the unmasked FCN "
                    f"({baseline.ours:.3f} at its best epoch) at every stored probability "
                    f"({stored})"
                )
                found = within[-1][0]
            else:
                p, v = fall
                lead = (
                    f"stays within {_points(tolerance)} up to p = {keep[-1]:g}"
                    if keep
                    else "falls already at the smallest stored probability"
                )
                text = (
                    f"{head}: accuracy {lead} and is {_points(v.ours)} "
                    f"{'below' if v.ours < 0 else 'above'} the unmasked FCN "
                    f"({baseline.ours:.3f} at its best epoch) at p = {p:g} (stored: {stored})"
                )
                found = keep[-1] if keep else 0.0
            parts.append(text)
            if i == 0 and mode == "synapse":
                value = found
    table = pd.DataFrame(rows)
    first = _NAMES[canonical_dataset(datasets[0])] if len(datasets) else ""
    short = (
        f"{first} FCNs with the paper's mask stay within {_points(tolerance)} of the unmasked FCN "
        f"up to p = {value:g}"
        if value
        else f"{first} FCNs with the paper's mask lose more than {_points(tolerance)} already at "
        "the smallest stored p"
        if value == 0.0
        else "where accuracy falls with absent connections: cannot tell yet"
    )
    return Finding("connection-threshold", value, "; ".join(parts) + ".", table, short)


def all_findings(frame: pd.DataFrame, profile: str | None = None) -> list[Finding]:
    """The three findings on one frame, in the order of the module docstring (``profile``: see
    :func:`connection_threshold`)."""
    return [
        steps_to_reach(frame),
        init_ablation(frame),
        connection_threshold(frame, profile=profile),
    ]
