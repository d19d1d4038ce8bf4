"""Tables and curves from the results store: our numbers beside the paper's, aggregated two ways.

Every stored run (one fold of one model at one setting, :mod:`lithm.store`) becomes per-epoch rows
of a tidy table (:func:`load_results`); the first-layer filter distances of free convolutions get
their own long table (:func:`load_distances`, protocol §6). From these:

- :func:`authors_table` aggregates the authors' way: the median over **every epoch of every fold**
  (protocol §9, §10.8). That is how the paper's Tables 1, 2 and B.1–B.3 were made, so it is the way
  to compare with them, but early, poor epochs count as much as late ones.
- :func:`fold_table` aggregates the sound way: one number per fold (its final epoch, or its best
  clean-validation epoch), then the median across folds with the spread (min, max, n_folds).
- :func:`comparison_table` puts either beside the paper's printed values (:mod:`lithm.paper`).
- :func:`curves` gives the per-epoch mean, min, max, std and n over folds behind every figure
  (:mod:`lithm.plots`).
- :func:`scale_label` and :func:`provenance_summary` say at what scale, where and when the numbers
  were computed; every table and figure of the book carries the label.

>>> frame = load_results(demo_records())
>>> authors_table(frame, "translation", "mnist")[["model", "level", "validation"]]
  model  level  validation
0   cnn    0.0        0.97
1   cnn    0.1        0.98
2   fcn    0.0        0.96
3   fcn    0.1        0.97
>>> scale_label(frame).split(" (")[0]
'reduced scale: 2 of 5 folds, 600-image subset, 3 epochs'
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from lithm.config import DISPLAY_NAMES, SCALE_FIELDS, RunConfig, canonical_dataset
from lithm.experiments import PROFILES, get_experiment
from lithm.paper import PROTOCOL, paper_results
from lithm.store import ResultsStore
from lithm.tables import by_dataset

__all__ = [
    "CONFIG_COLUMNS",
    "MixedScaleError",
    "at_scale",
    "check_scale",
    "HISTORY_COLUMNS",
    "METRICS",
    "TABLE_METRICS",
    "WAYS",
    "authors_table",
    "comparison_table",
    "curves",
    "demo_records",
    "distance_curves",
    "fold_table",
    "load_distances",
    "load_results",
    "provenance_summary",
    "runs_of",
    "scale_label",
]

#: The RunConfig fields, one column each in every table built here.
CONFIG_COLUMNS = tuple(f.name for f in fields(RunConfig))
#: Per-epoch values of a record's history (lithm.train), in the authors' CSV names (protocol §9).
HISTORY_COLUMNS = (
    "loss", "acc", "val_loss", "val_acc", "translation", "noise", "rotation", "edge_noise",
    "swap", "dist_1", "dist_4", "cos_1", "cos_4", "seconds",
)  # fmt: skip
_RESULT_COLUMNS = (*CONFIG_COLUMNS, "run_id", "device", "epoch", *HISTORY_COLUMNS)
_DISTANCE_COLUMNS = (*CONFIG_COLUMNS, "run_id", "device", "epoch", "radius", "metric", "value")
#: Table metric names (the paper's) -> history columns. "train" is the running accuracy on the
#: augmented training batches (Keras' "acc"), "validation" the clean held-out fold.
METRICS = {
    "train": "acc",
    "validation": "val_acc",
    "translation": "translation",
    "noise": "noise",
    "rotation": "rotation",
    "edge_noise": "edge_noise",
    "swap": "swap",
}
#: The metrics the paper's tables print (Tables 1–2; B.1–B.3 print the last two).
TABLE_METRICS = ("train", "validation", "translation")
#: The ways of aggregating folds and epochs into one number per cell.
WAYS = {
    "authors": "median over every epoch of every fold (the authors' way, protocol §9)",
    "final": "median over folds of each fold's final-epoch accuracy",
    "best": "median over folds of each fold's accuracy at its best clean-validation epoch",
}
_DISTANCE_METRICS = {"dist": "euclidean", "cos": "cosine"}
_CONNECTION_KEYS = ("connection_mode", "connection_prob", "setting")


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------


def _records(source) -> list[dict]:
    """The records of a store, a folder, a profile name, or an iterable of record dicts."""
    if isinstance(source, ResultsStore):
        return list(source.records())
    if isinstance(source, (str, Path)):
        path = Path(source)
        # why "no JSON files": run from the repository root, "book" is also the book's folder.
        is_store = path.is_dir() and any(path.glob("*.json"))
        if not is_store and isinstance(source, str) and source in PROFILES:
            from lithm.paths import results_dir

            path = results_dir(source)
        if not path.exists():
            warnings.warn(f"no results folder at {path}: the table is empty", stacklevel=3)
            return []
        if not path.is_dir():
            raise ValueError(f"{path} is a file; give the results folder (one JSON file per run)")
        return list(ResultsStore(path).records())
    if isinstance(source, dict):
        raise TypeError("give a list of records, not a single record dict: load_results([record])")
    if isinstance(source, Iterable):
        out = list(source)
        for record in out:
            if not isinstance(record, dict) or "config" not in record:
                raise TypeError("records must be dicts with a 'config' key (see lithm.train.train)")
        return out
    raise TypeError(
        "expected a ResultsStore, a results folder, a profile name or a list of records, "
        f"got {type(source).__name__}"
    )


def _config_row(record: dict) -> dict:
    config = RunConfig.from_dict(record["config"]).to_dict()
    # why: pandas drops None group keys and reads them as NaN; "none" groups, filters and prints.
    config["connection_mode"] = config["connection_mode"] or "none"
    return config


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(columns))
    extra = sorted({k for row in rows for k in row} - set(columns))
    return pd.DataFrame(rows, columns=[*columns, *extra])


def load_results(source) -> pd.DataFrame:
    """Return every stored run as a tidy per-epoch table: one row per (run, epoch).

    Columns: the :class:`~lithm.config.RunConfig` fields (``connection_mode`` is the string
    ``"none"`` for no mask), ``run_id``, ``device`` (from the provenance), ``epoch`` (1, 2, …) and
    the history values (:data:`HISTORY_COLUMNS`: ``acc`` is the running accuracy on augmented
    training batches, ``val_acc`` the clean held-out fold, ``translation`` … ``swap`` the
    transformed held-out fold, protocol §5.6; ``dist_*``/``cos_*`` only for free convolutions). The
    distances before training are not here but in :func:`load_distances`. Unknown history keys are
    kept as extra columns; end-of-training ``probes`` are ignored.

    Args:
        source: a :class:`~lithm.store.ResultsStore`, its folder, a profile name ("book") for the
            project's committed results, or a list of record dicts. An unreadable file in a store
            is reported with a warning, set aside by the store and skipped.

    >>> frame = load_results(demo_records())
    >>> len(frame), int(frame["epoch"].max())
    (24, 3)
    >>> load_results([]).empty
    True
    """
    rows = []
    for record in _records(source):
        config = _config_row(record)
        run_id = record.get("run_id") or RunConfig.from_dict(record["config"]).run_id
        device = (record.get("provenance") or {}).get("device")
        for entry in record.get("history", []):
            rows.append({**config, "run_id": run_id, "device": device, **entry})
    frame = _frame(rows, _RESULT_COLUMNS)
    if not frame.empty:
        frame = frame.sort_values(["run_id", "epoch"], kind="stable").reset_index(drop=True)
    return frame


def load_distances(source) -> pd.DataFrame:
    """Return the first-layer filter distances of every free-convolution run, in long form.

    One row per (run, epoch, radius, metric) with the RunConfig columns, ``run_id``, ``device``,
    ``epoch``,
    ``radius`` (1 or 4), ``metric`` ("euclidean" or "cosine", the latter a cosine *distance*) and
    ``value`` (protocol §6). Epoch 0 is the initial weights; epoch e is after e epochs of training.

    Why it differs from the authors' CSV: there the row of epoch e holds the distance *before* epoch
    e (the last value is dropped, protocol §6), so their epoch 1 is our epoch 0 and their curves
    stop one epoch short.

    >>> d = load_distances(demo_records())
    >>> sorted(d["epoch"].unique().tolist()), sorted(d["metric"].unique().tolist())
    ([0, 1, 2, 3], ['cosine', 'euclidean'])
    """
    rows = []
    for record in _records(source):
        config = _config_row(record)
        run_id = record.get("run_id") or RunConfig.from_dict(record["config"]).run_id
        device = (record.get("provenance") or {}).get("device")
        steps = [(0, record.get("initial") or {})]
        steps += [(entry["epoch"], entry) for entry in record.get("history", [])]
        for epoch, values in steps:
            for prefix, metric in _DISTANCE_METRICS.items():
                for radius in (1, 4):
                    value = values.get(f"{prefix}_{radius}")
                    if value is None or (isinstance(value, float) and math.isnan(value)):
                        continue
                    rows.append(
                        {**config, "run_id": run_id, "device": device, "epoch": int(epoch),
                         "radius": radius, "metric": metric, "value": float(value)}
                    )  # fmt: skip
    frame = _frame(rows, _DISTANCE_COLUMNS)
    if not frame.empty:
        frame = frame.sort_values(["run_id", "metric", "radius", "epoch"], kind="stable")
        frame = frame.reset_index(drop=True)
    return frame


# ------------------------------------------------------------------------------------------------
# Selecting an experiment's runs
# ------------------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame (from load_results), got {type(frame)}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks the columns {missing}; build it with load_results")


def _mode(frame: pd.DataFrame) -> pd.Series:
    return frame["connection_mode"].astype(object).where(frame["connection_mode"].notna(), "none")


def _setting(mode: str, prob: float) -> str:
    return "no mask" if mode == "none" else f"{mode} {prob:.2f}"


def runs_of(frame: pd.DataFrame, experiment: str, *, level: float | None = None) -> pd.DataFrame:
    """Return the rows of ``frame`` that belong to ``experiment`` (a copy).

    - "translation", "noise", "edge-noise", "rotation": both models, training augmentation of that
      kind or "none" (level 0), no connection mask. The level-0 runs are therefore shared by the
      four experiments, as in the authors' analysis (protocol §9).
    - "connections": free convolutions trained with translation at the connection level, with any
      mask; the unmasked FCN at that level is the probability-0 baseline (protocol §8). The level is
      every level at which masked runs exist, or ``level`` when given. A ``setting`` column names
      each mask ("synapse 0.50", "input 0.90", "no mask").

    Works on :func:`load_results` and :func:`load_distances` frames alike.

    >>> frame = load_results(demo_records())
    >>> sorted(runs_of(frame, "noise")["level"].unique().tolist())  # the shared 0 % runs only
    [0.0]
    """
    exp = get_experiment(experiment)
    _require(frame, ("model", "augmentation", "level", "connection_mode", "connection_prob"))
    mode = _mode(frame)
    unmasked = mode == "none"
    # why: the initialisation control (experiment "init") must never pool with the default runs.
    init = frame["init"] == exp.init if "init" in frame else True
    if not exp.connection_modes:
        keep = (
            frame["augmentation"].isin([exp.augmentation, "none"])
            & unmasked
            & frame["model"].isin(exp.models)
            & init
        )
        return frame[keep].copy()
    fcn = (frame["model"] == "fcn") & frame["augmentation"].isin([exp.augmentation, "none"]) & init
    masked = fcn & ~unmasked
    if level is None:
        levels = sorted(set(frame.loc[masked, "level"].round(6)))
    else:
        levels = [round(float(level), 6)]
    at_level = frame["level"].astype(float).round(6).isin(levels)
    out = frame[fcn & at_level].copy()
    out["connection_mode"] = _mode(out)
    out["setting"] = [
        _setting(m, p) for m, p in zip(out["connection_mode"], out["connection_prob"], strict=True)
    ]
    return out


class MixedScaleError(ValueError):
    """Runs of different scales (subset, epochs, patience, lr, batch, …) were about to be pooled."""


def _scale_value(value):
    return None if value is None or _isnan(value) else value


def check_scale(frame: pd.DataFrame, what: str = "these runs") -> pd.DataFrame:
    """Raise :class:`MixedScaleError` when ``frame`` holds runs of more than one scale per dataset.

    A table cell or a figure curve pools runs; pooling runs that trained on different data, for
    different lengths or with different optimiser or evaluation settings
    (:data:`lithm.config.SCALE_FIELDS`) would silently mix scales. The error names every
    differing setting with its values and how to separate them. Returns ``frame`` unchanged.

    >>> frame = load_results(demo_records())
    >>> check_scale(frame) is frame
    True
    >>> mixed = frame.assign(epochs=[3 if r == frame["run_id"][0] else 1 for r in frame["run_id"]])
    >>> check_scale(mixed)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lithm.analysis.MixedScaleError: these runs mix scales on mnist: epochs 1 (7 runs), 3 (1 run)....
    """
    if frame.empty:
        return frame
    columns = [c for c in SCALE_FIELDS if c in frame.columns]
    for ds, sub in by_dataset(frame):
        runs = sub.drop_duplicates("run_id")
        differing = []
        for column in columns:
            counts = Counter(_scale_value(v) for v in runs[column])
            if len(counts) > 1:
                shown = ", ".join(
                    f"{value} ({n} run{'s' if n > 1 else ''})"
                    for value, n in sorted(counts.items(), key=lambda kv: str(kv[0]))
                )
                differing.append((column, shown))
        if differing:
            names = "; ".join(f"{column} {shown}" for column, shown in differing)
            first = differing[0][0]
            raise MixedScaleError(
                f"{what} mix scales on {ds}: {names}. Keep one scale per results folder "
                f"(lithm run --results DIR for other scales), or select one scale first with "
                f"lithm.analysis.at_scale(frame, {first}=...)."
            )
    return frame


def at_scale(frame: pd.DataFrame, **settings) -> pd.DataFrame:
    """The rows of ``frame`` whose scale settings equal ``settings`` (e.g. ``epochs=100``).

    >>> len(at_scale(load_results(demo_records()), epochs=3)) == len(load_results(demo_records()))
    True
    """
    keep = pd.Series(True, index=frame.index)
    for name, value in settings.items():
        if name not in SCALE_FIELDS:
            raise ValueError(f"{name!r} is not a scale setting; valid: {', '.join(SCALE_FIELDS)}")
        column = frame[name].map(_scale_value)
        keep &= column.isna() if value is None else column == value
    return frame[keep]


def _select(frame: pd.DataFrame, experiment: str, dataset: str, level=None) -> pd.DataFrame:
    _require(frame, ("dataset",))
    ds = canonical_dataset(dataset)
    out = runs_of(frame, experiment, level=level)
    return check_scale(out[out["dataset"] == ds], f"the {experiment} runs")


def _keys(experiment: str) -> list[str]:
    if get_experiment(experiment).connection_modes:
        return ["model", "level", *_CONNECTION_KEYS]
    return ["model", "level"]


_MODE_ORDER = ("none", "synapse", "input")


def _ordered(table: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Connection settings in reading order: no mask, then the paper's mask, then the code's."""
    if table.empty or not get_experiment(experiment).connection_modes:
        return table
    rank = table["connection_mode"].map({m: i for i, m in enumerate(_MODE_ORDER)}).fillna(9)
    table = table.assign(_rank=rank).sort_values(["model", "level", "_rank", "connection_prob"])
    return table.drop(columns="_rank").reset_index(drop=True)


def _metric_columns(metrics) -> dict[str, str]:
    out = {}
    for name in metrics:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}")
        out[name] = METRICS[name]
    return out


def _empty_table(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


# ------------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------------


def authors_table(
    frame: pd.DataFrame, experiment: str, dataset: str, metrics=TABLE_METRICS
) -> pd.DataFrame:
    """Return the authors' table: per (model, level) the median over every epoch of every fold.

    This is exactly how the paper's Tables 1, 2 and B.1–B.3 were computed (protocol §9, §10.8): all
    per-epoch rows of all folds pooled, then one median, so an even number of rows gives the mean
    of the two middle values. Columns: dataset, model, level (plus the connection setting for
    "connections"), one column per metric (``train`` = ``acc``, ``validation`` = ``val_acc``,
    ``translation``, …), ``n_folds`` and ``n_rows`` (epochs × folds pooled).

    >>> t = authors_table(load_results(demo_records()), "translation", "mnist")
    >>> t.attrs["way"], int(t.loc[0, "n_rows"])
    ('authors', 6)
    """
    columns = _metric_columns(metrics)
    keys = _keys(experiment)
    sub = _select(frame, experiment, dataset)
    out_columns = ["dataset", *keys, *columns, "n_folds", "n_rows"]
    if sub.empty:
        table = _empty_table(out_columns)
    else:
        grouped = sub.groupby(keys, sort=True)
        table = grouped[list(columns.values())].median()
        table.columns = list(columns)
        table["n_folds"] = grouped["fold"].nunique()
        table["n_rows"] = grouped.size()
        table = table.reset_index()
        table.insert(0, "dataset", canonical_dataset(dataset))
        table = _ordered(table[out_columns], experiment)
    table.attrs.update(way="authors", caption=f"{WAYS['authors']}; {scale_label(sub)}")
    return table


def _pick(sub: pd.DataFrame, epoch: str) -> pd.DataFrame:
    """One row per run: its final epoch, or its first epoch of highest clean validation accuracy."""
    ordered = sub.sort_values(["run_id", "epoch"], kind="stable")
    if epoch == "final":
        index = ordered.groupby("run_id")["epoch"].idxmax()
    else:
        # why: Keras EarlyStopping counts only strict improvements, so ties keep the first epoch.
        index = ordered.groupby("run_id")["val_acc"].idxmax()
    return ordered.loc[index.to_numpy()]


def fold_table(
    frame: pd.DataFrame,
    experiment: str,
    dataset: str,
    epoch: str = "final",
    metrics=TABLE_METRICS,
) -> pd.DataFrame:
    """Return the per-fold table: each fold's final (or best) epoch, then the median over folds.

    The sound way to summarise cross-validation (protocol §9): one number per fold, then the median
    with its spread. ``epoch="final"`` takes each fold's last epoch; ``epoch="best"`` the epoch of
    highest clean validation accuracy (the first, on ties), which is what early stopping with
    restored weights would keep. Beware that "best" chooses the epoch on the same held-out fold it
    then reports (there is no separate test set, protocol §10.9), so its validation accuracy is
    optimistic.

    Columns: dataset, model, level (plus the connection setting), ``n_folds``, then for each metric
    its median and ``<metric>_min``, ``<metric>_max`` across folds.

    >>> t = fold_table(load_results(demo_records()), "translation", "mnist", epoch="final")
    >>> t.loc[0, ["validation", "validation_min", "validation_max"]].astype(float).tolist()
    [0.98, 0.975, 0.985]
    """
    if epoch not in ("final", "best"):
        raise ValueError(f"unknown epoch choice {epoch!r}; valid values: 'final', 'best'")
    columns = _metric_columns(metrics)
    keys = _keys(experiment)
    sub = _select(frame, experiment, dataset)
    out_columns = ["dataset", *keys, "n_folds"]
    for name in columns:
        out_columns += [name, f"{name}_min", f"{name}_max"]
    if sub.empty:
        table = _empty_table(out_columns)
    else:
        picked = _pick(sub, epoch)
        grouped = picked.groupby(keys, sort=True)
        parts = {"n_folds": grouped["fold"].nunique()}
        for name, column in columns.items():
            parts[name] = grouped[column].median()
            parts[f"{name}_min"] = grouped[column].min()
            parts[f"{name}_max"] = grouped[column].max()
        table = pd.DataFrame(parts).reset_index()
        table.insert(0, "dataset", canonical_dataset(dataset))
        table = _ordered(table[out_columns], experiment)
    table.attrs.update(way=epoch, caption=f"{WAYS[epoch]}; {scale_label(sub)}")
    return table


def comparison_table(
    frame: pd.DataFrame,
    experiment: str,
    datasets=("mnist", "cifar10"),
    way: str = "authors",
    metrics=TABLE_METRICS,
    decimals: int | None = 4,
    wide: bool = False,
) -> pd.DataFrame:
    """Return our numbers beside the paper's, one row per (dataset, model, level, metric).

    Columns: experiment, way, dataset, model, level (plus the connection setting for
    "connections"), metric, ``ours``, ``paper`` (the printed cell of Table 1, 2 or B.1–B.3; NaN
    where the paper prints none, e.g. "train" in B.1–B.3 or "swap"), ``difference`` (ours − paper),
    ``source`` (which table), ``n_folds``; for the fold ways also ``ours_min`` and ``ours_max``.
    The paper states no table values for "connections" (only figure-level statements, App. C), so
    that table holds ours only. Datasets without runs are skipped.

    Args:
        way: "authors" (median over all epochs × folds, as the paper; the fair comparison with the
            printed numbers), "final" or "best" (median over folds of one epoch each, see
            :func:`fold_table`).
        decimals: round ``ours`` (and its spread) to this many decimals; the difference is computed
            from the rounded value, so it always equals ours − paper as printed. None: no rounding.
        wide: pivot to one row per (dataset, level[, setting]) and columns
            (metric, model, quantity).

    >>> t = comparison_table(load_results(demo_records()), "translation", datasets=["mnist"])
    >>> t.query("model == 'cnn' and level == 0.1 and metric == 'validation'")[
    ...     ["ours", "paper", "difference"]].to_numpy().tolist()
    [[0.98, 0.993071, -0.013071]]
    """
    if way not in WAYS:
        raise ValueError(f"unknown way {way!r}; valid ways: {', '.join(WAYS)}")
    if isinstance(datasets, str):
        datasets = (datasets,)
    columns = _metric_columns(metrics)
    keys = _keys(experiment)
    parts = []
    for ds in datasets:
        if way == "authors":
            table = authors_table(frame, experiment, ds, metrics)
        else:
            table = fold_table(frame, experiment, ds, epoch=way, metrics=metrics)
        if table.empty:
            continue
        for name in columns:
            part = table[["dataset", *keys, "n_folds"]].copy()
            part["metric"] = name
            part["ours"] = table[name].astype(float)
            if way != "authors":
                part["ours_min"] = table[f"{name}_min"].astype(float)
                part["ours_max"] = table[f"{name}_max"].astype(float)
            parts.append(part)
    spread = [] if way == "authors" else ["ours_min", "ours_max"]
    has_paper = not get_experiment(experiment).connection_modes
    paper_cols = ["paper", "difference", "source"] if has_paper else []
    out_columns = ["experiment", "way", "dataset", *keys, "metric", "ours", *spread]
    out_columns += [*paper_cols, "n_folds"]
    if not parts:
        out = _empty_table(out_columns)
        out.attrs.update(way=way, caption=WAYS[way])
        return out
    long = pd.concat(parts, ignore_index=True)
    long.insert(0, "way", way)
    long.insert(0, "experiment", experiment)
    if decimals is not None:
        for col in ["ours", *spread]:
            long[col] = long[col].round(decimals)
    if has_paper:
        paper = paper_results()
        paper = paper[paper["experiment"] == experiment]
        paper = paper.assign(level_key=paper["level"].astype(float).round(6))
        paper = paper.rename(columns={"value": "paper"})[
            ["dataset", "model", "level_key", "metric", "paper", "source"]
        ]
        long["level_key"] = long["level"].astype(float).round(6)
        long = long.merge(paper, how="left", on=["dataset", "model", "level_key", "metric"])
        long = long.drop(columns="level_key")
        long["difference"] = long["ours"] - long["paper"]
        if decimals is not None:
            long["difference"] = long["difference"].round(max(decimals, 6))
    long = long[out_columns]
    chosen = runs_of(frame, experiment)
    scale = scale_label(chosen[chosen["dataset"].isin([canonical_dataset(d) for d in datasets])])
    if wide:
        quantities = ["ours", *spread, *paper_cols[:2]]
        index = ["dataset", "level", *(_CONNECTION_KEYS if not has_paper else ())]
        if not has_paper:  # keep the reading order of the settings through the pivot
            mode = pd.Categorical(long["connection_mode"], categories=_MODE_ORDER, ordered=True)
            long = long.assign(connection_mode=mode)
        long = long.set_index([*index, "metric", "model"])[quantities].unstack(["metric", "model"])
        long.columns = long.columns.reorder_levels([1, 2, 0])
        models = [m for m in ("cnn", "fcn") if m in set(long.columns.get_level_values(1))]
        order = pd.MultiIndex.from_product([list(columns), models, quantities])
        long = long.reindex(columns=[c for c in order if c in long.columns])
    long.attrs.update(way=way, caption=f"{WAYS[way]}; {scale}")
    return long


# ------------------------------------------------------------------------------------------------
# Scale and provenance
# ------------------------------------------------------------------------------------------------


def _span(values, fmt="{}") -> str:
    values = sorted({v for v in values if v is not None and not _isnan(v)})
    if not values:
        return "?"
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values[0])}–{fmt.format(values[-1])}"


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def scale_label(frame: pd.DataFrame) -> str:
    """Return a short, honest description of the scale of the runs in ``frame``.

    A frame with both datasets gets one label per dataset ("MNIST: ...; CIFAR-10: ...").

    Says how many folds of how many were run, on how many images, for how many epochs, and what the
    paper used (protocol §2–§3: 5 contiguous folds of train+test, 70,000 MNIST / 60,000 CIFAR-10
    images, up to 250 / 500 epochs with early stopping). "paper scale" only when every one of these
    matches the paper; "CPU scale" when every run was computed on a CPU; else "reduced scale".

    >>> scale_label(load_results(demo_records())).split(" (")[0]
    'reduced scale: 2 of 5 folds, 600-image subset, 3 epochs'
    >>> scale_label(load_results([]))
    'no runs'
    """
    _require(frame, ("dataset",))
    if frame.empty:
        return "no runs"
    datasets = [d for d in ("mnist", "cifar10") if d in set(frame["dataset"])]
    if len(datasets) > 1:
        # why per dataset: the two datasets usually run at different scales (the book profile:
        # MNIST on all images, CIFAR-10 on a subset); one merged label would hide which is which.
        return "; ".join(
            f"{DISPLAY_NAMES[d]}: {scale_label(frame[frame['dataset'] == d])}" for d in datasets
        )
    protocol = [PROTOCOL[d] for d in datasets]
    n_folds = sorted(set(frame["n_folds"].astype(int)))
    used = frame.groupby("dataset")["fold"].nunique()
    # why: folds per setting (a run's configuration but its fold), so that a frame holding the
    # translation runs (2 folds) and a secondary experiment's (1 fold) says "1–2 of 5 folds"
    setting = [c for c in CONFIG_COLUMNS if c in frame.columns and c not in ("fold", "seed")]
    runs = frame.drop_duplicates("run_id") if "run_id" in frame.columns else frame
    per_setting = runs.groupby(setting, dropna=False)["fold"].nunique()
    folds_run = _span(sorted(set(per_setting.tolist())) or used.tolist())
    folds_of = _span(n_folds)
    folds = f"{folds_of} folds" if folds_run == folds_of else f"{folds_run} of {folds_of} folds"
    subsets = {None if _isnan(s) or s is None else int(s) for s in frame["subset"]}
    if subsets == {None}:
        images = "all images"
    elif None in subsets:
        images = "mixed subsets and full data"
    else:
        images = f"{_span(subsets, '{:,}')}-image subset"
    epochs = _span(frame["epochs"].astype(int))
    epochs = f"{epochs} {'epoch' if epochs == '1' else 'epochs'}"
    patience = {None if _isnan(p) or p is None else int(p) for p in frame["patience"]}
    if patience != {None}:
        epochs = f"up to {epochs}, patience {_span(patience)}"
    paper_images = "/".join(f"{p['n_images']:,}" for p in protocol)
    paper_epochs = "/".join(str(p["max_epochs"]) for p in protocol)
    paper = f"paper: 5 folds, {paper_images} images, up to {paper_epochs} epochs"
    is_paper = (
        subsets == {None}
        and n_folds == [5]
        and bool((used == 5).all())
        and all(
            int(frame.loc[frame["dataset"] == d, "epochs"].min()) >= PROTOCOL[d]["max_epochs"]
            for d in datasets
        )
    )
    devices = set(frame["device"].dropna()) if "device" in frame else set()
    if is_paper:
        kind = "paper scale"
    elif devices and all(str(d).startswith("cpu") for d in devices):
        kind = "CPU scale"
    else:
        kind = "reduced scale"
    return f"{kind}: {folds}, {images}, {epochs} ({paper})"


def provenance_summary(source) -> dict:
    """Return where, when and with what the stored runs were computed.

    Keys: ``runs``, ``compute_hours`` (sum of wall-clock times; the epoch times when a record has
    no provenance), ``devices`` (device → number of runs), ``torch``, ``lithm`` and ``python``
    versions,
    ``git_commits`` (a ``+dirty`` suffix marks uncommitted changes), ``first_started`` and
    ``last_ended`` (UTC, ISO 8601).

    >>> provenance_summary(demo_records())["runs"]
    8
    """
    records = _records(source)
    devices: Counter = Counter()
    versions = {"torch": set(), "lithm": set(), "python": set(), "git_commits": set()}
    seconds, starts, ends = 0.0, [], []
    for record in records:
        prov = record.get("provenance") or {}
        if "wall_seconds" in prov:
            seconds += float(prov["wall_seconds"])
        else:
            seconds += float((record.get("summary") or {}).get("seconds", 0.0) or 0.0)
        device = prov.get("device", "unknown")
        name = prov.get("device_name")
        devices[f"{device} ({name})" if name else device] += 1
        for key, field in (("torch", "torch"), ("lithm", "lithm"), ("python", "python")):
            if prov.get(field):
                versions[key].add(str(prov[field]))
        if prov.get("git_commit"):
            versions["git_commits"].add(str(prov["git_commit"]))
        starts += [prov["started"]] if prov.get("started") else []
        ends += [prov["ended"]] if prov.get("ended") else []
    return {
        "runs": len(records),
        "compute_hours": round(seconds / 3600, 3),
        "devices": dict(sorted(devices.items())),
        **{key: sorted(values) for key, values in versions.items()},
        "first_started": min(starts) if starts else None,
        "last_ended": max(ends) if ends else None,
    }


# ------------------------------------------------------------------------------------------------
# Curves
# ------------------------------------------------------------------------------------------------


def _describe(sub: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    out_columns = [*keys, "mean", "min", "max", "std", "n"]
    if sub.empty:
        return _empty_table(out_columns)
    grouped = sub.groupby(keys, sort=True)[column]
    out = grouped.agg(["mean", "min", "max", "std", "count"]).rename(columns={"count": "n"})
    return out.reset_index()[out_columns]


def curves(
    frame: pd.DataFrame, experiment: str, dataset: str, metric: str, *, level=None
) -> pd.DataFrame:
    """Return the data behind a figure: per (model, level[, setting], epoch) statistics over folds.

    Columns: the keys, ``epoch``, ``mean``, ``min``, ``max``, ``std`` (NaN for one fold) and ``n``
    (folds that reached that epoch: with early stopping, late epochs have fewer). The authors'
    figures show the mean with a 95 % bootstrap band (protocol §9); with 2–5 folds a bootstrap band
    is not meaningful, so our figures draw the min–max range.

    Args:
        metric: a history column ("acc", "val_acc", "translation", "swap", …) or a table name
            ("train", "validation").
        level: for "connections", the translation level (default: every level with masked runs).

    >>> c = curves(load_results(demo_records()), "translation", "mnist", "validation")
    >>> c.query("model == 'cnn' and level == 0.0")[["epoch", "mean", "n"]].to_numpy().tolist()
    [[1.0, 0.96, 2.0], [2.0, 0.97, 2.0], [3.0, 0.98, 2.0]]
    """
    column = METRICS.get(metric, metric)
    if column not in frame.columns or column in CONFIG_COLUMNS:
        valid = sorted({*METRICS, *HISTORY_COLUMNS} - {"seconds"})
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(valid)}")
    sub = _select(frame, experiment, dataset, level=level)
    sub = sub[sub[column].notna()]
    return _describe(sub, [*_keys(experiment), "epoch"], column)


def distance_curves(
    distances: pd.DataFrame, experiment: str, dataset: str, metric: str = "euclidean"
) -> pd.DataFrame:
    """Return per (model, level, radius, epoch) statistics over folds of the filter distances.

    ``distances`` comes from :func:`load_distances`; epoch 0 is before training (protocol §6).

    >>> d = distance_curves(load_distances(demo_records()), "translation", "mnist")
    >>> sorted(d["radius"].unique().tolist()), int(d["epoch"].min())
    ([1, 4], 0)
    """
    if metric not in _DISTANCE_METRICS.values():
        raise ValueError(f"unknown distance metric {metric!r}; valid: 'euclidean', 'cosine'")
    _require(distances, ("radius", "metric", "value"))
    sub = _select(distances, experiment, dataset)
    sub = sub[sub["metric"] == metric]
    return _describe(sub, [*_keys(experiment), "radius", "epoch"], "value")


# ------------------------------------------------------------------------------------------------
# A tiny hand-made example
# ------------------------------------------------------------------------------------------------


_DEMO_INITIAL = {"dist_1": 0.1, "dist_4": 0.11, "cos_1": 1.0, "cos_4": 1.0}


def demo_records(epochs: int = 3, folds: int = 2, connections: bool = False) -> list[dict]:
    """Return a few hand-made records with simple numbers, for examples and tests (not results).

    MNIST, CNN and FCN, translation levels 0 and 0.1, ``folds`` of 5 folds, ``epochs`` epochs, a
    600-image subset. Clean validation accuracy is 0.95 + 0.01·epoch + level·0.1 − 0.01·[fcn],
    plus 0.005·(−1)^fold at the last epoch; FCN records carry filter distances. With
    ``connections=True`` only FCNs at translation level 0.3 are made: unmasked, and with synapse and
    input masks at probability 0.5.

    >>> len(demo_records()), demo_records()[0]["config"]["model"]
    (8, 'cnn')
    >>> len(demo_records(connections=True))
    6
    """
    if connections:
        grid = [("fcn", 0.3, mode, 0.5 if mode else 0.0) for mode in (None, "synapse", "input")]
    else:
        grid = [(model, level, None, 0.0) for model in ("cnn", "fcn") for level in (0.0, 0.1)]
    records = []
    for model, level, mode, prob in grid:
        for fold in range(folds):
            config = RunConfig(
                dataset="mnist", model=model, augmentation="translation", level=level,
                connection_mode=mode, connection_prob=prob, fold=fold, subset=600,
                epochs=epochs, patience=None,
            )  # fmt: skip
            history = []
            for epoch in range(1, epochs + 1):
                val = 0.95 + 0.01 * epoch + 0.1 * level - 0.01 * (model == "fcn") - 0.1 * prob
                if epoch == epochs:
                    val += 0.005 * (-1) ** fold
                row = {
                    "epoch": epoch, "loss": 1.0 / epoch, "acc": round(val + 0.004, 6),
                    "val_loss": 1.0 / epoch, "val_acc": round(val, 6),
                    "translation": round(val - 0.5 + level, 6), "noise": round(val - 0.1, 6),
                    "rotation": round(val - 0.3, 6), "edge_noise": round(val - 0.1, 6),
                    "swap": round(val - 0.5, 6), "seconds": 1.0,
                }  # fmt: skip
                if model == "fcn":
                    dist = 0.1 + 0.01 * epoch * (0.5 - level * 5)
                    row.update(dist_1=dist, dist_4=dist + 0.01, cos_1=1.0, cos_4=1.0)
                history.append(row)
            prov = {
                "device": "demo", "torch": "demo", "wall_seconds": 1.0 * epochs,
                "started": "2020-01-01T00:00:00Z", "ended": "2020-01-01T00:01:00Z",
            }  # fmt: skip
            records.append(
                {
                    "config": config.to_dict(), "run_id": config.run_id, "history": history,
                    "initial": dict(_DEMO_INITIAL) if model == "fcn" else {},
                    "summary": {"epochs_run": epochs, "finished": True}, "provenance": prov,
                }
            )  # fmt: skip
    return records
