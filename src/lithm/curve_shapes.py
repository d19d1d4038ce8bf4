"""The shape of the logged filter-distance curves: start, lowest point, end (paper §5.4, Fig. 5).

The paper reads Fig. 5 by where each curve ends against where it started: the untranslated curve
"rises", the translated ones "fall". A curve can do both: fall in its first epochs and rise
afterwards. Where it ends against its start then depends on how long it ran. This module reads
every fold's curve at three points, before training (epoch 0), at its lowest value and at its
last epoch, and says in one computed sentence per dataset which curves fell first and which rose
again, so that a reader of a verdict "last epoch against epoch 0" also sees the path in between.

>>> from lithm.analysis import demo_records, load_distances
>>> table = curve_shapes(load_distances(demo_records()), "translation", "mnist")
>>> list(table.columns)
['level', 'epoch 0', 'lowest', 'lowest epoch', 'last', 'last epoch', 'rise', 'folds']
"""

from __future__ import annotations

import pandas as pd

from lithm.config import display_name
from lithm.sharing import NOISE_FLOOR
from lithm.tables import levels_text

__all__ = ["SHAPE_FLOOR", "curve_shapes", "describe_shapes"]

#: A move smaller than this share of the starting value (1 %) is read as "no move": the floor of
#: the controls in :mod:`lithm.sharing` (the measure's spread over initialisations is 0.1–0.3 %).
SHAPE_FLOOR = NOISE_FLOOR

_COLUMNS = ["level", "epoch 0", "lowest", "lowest epoch", "last", "last epoch", "rise", "folds"]


def curve_shapes(distances: pd.DataFrame, experiment: str, dataset: str, radius: int = 1,
                 metric: str = "euclidean") -> pd.DataFrame:  # fmt: skip
    """Per training level: the FCN's distance before training, at its lowest and at its end.

    ``distances`` is :func:`lithm.analysis.load_distances` output. Every fold is read on its own
    curve (its epoch 0, its lowest value after training began and the epoch of it, its last
    epoch); the table gives the means over folds, the median lowest epoch, the mean last epoch
    and ``rise`` = mean of (last − lowest) per fold. Levels without an epoch-0 value are left out.
    """
    from lithm.analysis import runs_of

    if distances is None or distances.empty:
        return pd.DataFrame(columns=_COLUMNS)
    sub = runs_of(distances, experiment)
    sub = sub[(sub["dataset"] == dataset) & (sub["model"] == "fcn") & (sub["metric"] == metric)
              & (sub["radius"] == radius)]  # fmt: skip
    folds = []
    for (level, _fold), curve in sub.groupby(["level", "fold"]):
        curve = curve.sort_values("epoch")
        trained = curve[curve["epoch"] > 0]
        if curve["epoch"].iloc[0] != 0 or trained.empty:
            continue  # no value before training, or no epoch after it
        low = trained.loc[trained["value"].idxmin()]
        folds.append({
            "level": round(float(level), 6), "epoch 0": float(curve["value"].iloc[0]),
            "lowest": float(low["value"]), "lowest epoch": int(low["epoch"]),
            "last": float(trained["value"].iloc[-1]), "last epoch": int(trained["epoch"].iloc[-1]),
        })  # fmt: skip
    if not folds:
        return pd.DataFrame(columns=_COLUMNS)
    per_fold = pd.DataFrame(folds)
    per_fold["rise"] = per_fold["last"] - per_fold["lowest"]
    table = per_fold.groupby("level").agg(
        **{
            "epoch 0": ("epoch 0", "mean"),
            "lowest": ("lowest", "mean"),
            "lowest epoch": ("lowest epoch", "median"),
            "last": ("last", "mean"),
            "last epoch": ("last epoch", "mean"),
            "rise": ("rise", "mean"),
            "folds": ("rise", "size"),
        }  # fmt: skip
    )
    return table.reset_index()[_COLUMNS]


def _span(values, fmt="{:.3f}") -> str:
    """'0.109' when every value prints the same, else 'low–high'."""
    low, high = fmt.format(min(values)), fmt.format(max(values))
    return low if low == high else f"{low}–{high}"


def describe_shapes(table: pd.DataFrame, dataset: str, radius: int = 1) -> str:
    """One sentence on a :func:`curve_shapes` table: which curves fell first, which rose again.

    >>> t = pd.DataFrame({"level": [0.0, 0.5], "epoch 0": [0.109, 0.109], "lowest": [0.099, 0.085],
    ...                   "lowest epoch": [1, 24], "last": [0.108, 0.085], "last epoch": [40, 24],
    ...                   "rise": [0.009, 0.0], "folds": [2, 2]})
    >>> print(describe_shapes(t, "mnist"))  # doctest: +NORMALIZE_WHITESPACE
    MNIST, radius 1 (means over folds): 2 of 2 curves fall more than 1 % below their start
    (0.109) to a lowest value of 0.085–0.099 by epoch 1–24 (median over folds). After it, the
    curve at 0 % rises again, by 0.009 from its lowest point to its last epoch; the curve at
    50 % ends within 1 % of its lowest value. The untranslated curve thus falls and then rises,
    and ends 0.9 % below its start (0.1080 against 0.1090).
    """
    name = display_name(dataset)
    if table is None or table.empty:
        return f"{name}, radius {radius}: no stored FCN curve with a value before training yet."
    floor = 100 * SHAPE_FLOOR
    rows = table.sort_values("level").to_dict("records")
    fell = [r for r in rows if r["lowest"] < r["epoch 0"] * (1 - SHAPE_FLOOR)]
    head = f"{name}, radius {radius} (means over folds): "
    if not fell:
        return head + f"no curve falls more than {floor:g} % below its start."
    n = len(rows)
    first = (
        f"{len(fell)} of {n} curve{'s' if n != 1 else ''} fall{'s' if len(fell) == 1 else ''} "
        f"more than {floor:g} % below {'its' if len(fell) == 1 else 'their'} start "
        f"({_span([r['epoch 0'] for r in fell])}) to a lowest value of "
        f"{_span([r['lowest'] for r in fell])} by epoch "
        f"{_span([r['lowest epoch'] for r in fell], '{:g}')} (median over folds)."
    )
    rose = [r for r in fell if r["rise"] > r["epoch 0"] * SHAPE_FLOOR]
    stayed = [r for r in fell if r not in rose]
    parts = []
    if rose:
        k = len(rose)
        parts.append(
            f"the curve{'s' if k != 1 else ''} at {levels_text([r['level'] for r in rose])} "
            f"rise{'s' if k == 1 else ''} again, by {_span([r['rise'] for r in rose])} from "
            f"{'its' if k == 1 else 'their'} lowest point to {'its' if k == 1 else 'their'} "
            "last epoch"
        )
    if stayed:
        k = len(stayed)
        parts.append(
            f"the curve{'s' if k != 1 else ''} at {levels_text([r['level'] for r in stayed])} "
            f"end{'s' if k == 1 else ''} within {floor:g} % of {'its' if k == 1 else 'their'} "
            "lowest value"
        )
    text = f"{head}{first} After it, {'; '.join(parts)}."
    zero = [r for r in rows if r["level"] == 0]
    if zero and zero[0] in rose:  # the verdict reads this curve's end against its start
        r = zero[0]
        end = 100 * (r["last"] / r["epoch 0"] - 1)
        where = f"{abs(end):.1f} % {'below' if end < 0 else 'above'}" if abs(end) >= 0.05 else "at"
        text += (
            f" The untranslated curve thus falls and then rises, and ends {where} its start "
            f"({r['last']:.4f} against {r['epoch 0']:.4f})."
        )
    return text
