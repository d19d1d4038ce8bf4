"""The pilot that sized a profile: epochs to plateau, seconds per epoch, the projected cost.

Before a long grid is committed to, its first runs (:func:`lithm.experiments.pilot`: CNN and FCN
at 0 % and 30 % translation, fold 0, each dataset) show how many epochs a run needs before early
stopping ends it and what an epoch costs. This module reads them back from the store, draws their
curves, and projects the cost of the whole grid from them (book appendix *Reproducibility*, "The
pilot").

>>> table = pilot_table("smoke", results="/nonexistent")
>>> list(table.columns)[:4], len(table)
(['dataset', 'model', 'level', 'state'], 0)
"""

from __future__ import annotations

import statistics

import pandas as pd

from lithm import tables
from lithm.config import DATASETS
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.convergence import convergence
from lithm.experiments import expand_all, get_profile, pilot
from lithm.paths import results_dir
from lithm.store import ResultsStore
from lithm.tables import counted

_COLUMNS = (
    "dataset", "model", "level", "state", "epochs_run", "best_epoch", "cap", "best_val_acc",
    "wall_s_per_epoch", "cpu_s_per_epoch",
)  # fmt: skip


def _store(profile: str, results) -> ResultsStore:
    return results if isinstance(results, ResultsStore) else ResultsStore(
        results_dir(profile, results)
    )  # fmt: skip


def pilot_records(profile: str = "book", results=None) -> list[tuple]:
    """``(config, record or None)`` for every pilot run of ``profile`` on both datasets."""
    store = _store(profile, results)
    return [(c, store.load(c)) for ds in DATASETS for c in pilot(profile, ds)]


def _per_epoch(record: dict, key: str) -> float | None:
    """Median of ``key`` over the epochs that recorded it; None when none did.

    >>> _per_epoch({"history": [{"cpu_seconds": None}, {"cpu_seconds": 2.0}, {"cpu_seconds": 4.0}]},
    ...            "cpu_seconds")
    3.0
    """
    # why the recorded epochs only: a run resumed from a checkpoint made before CPU time was
    # recorded has it for its later epochs alone (as lithm.runner.run_cpu_seconds assumes).
    values = [row.get(key) for row in record["history"] if row.get(key) is not None]
    return statistics.median(values) if values else None


def pilot_table(profile: str = "book", results=None) -> pd.DataFrame:
    """One row per stored pilot run: its state (stopped by patience, flat, still learning), epochs
    run, best epoch, epoch cap, best clean validation accuracy, and median wall and CPU seconds per
    epoch. ``attrs["missing"]`` counts the pilot runs not stored yet."""
    rows, missing = [], 0
    for config, record in pilot_records(profile, results):
        if record is None:
            missing += 1
            continue
        summary = record["summary"]
        rows.append(
            {
                "dataset": config.dataset, "model": config.model, "level": config.level,
                "state": convergence(record), "epochs_run": summary["epochs_run"],
                "best_epoch": summary.get("best_epoch"), "cap": config.epochs,
                "best_val_acc": summary["best"]["val_acc"],
                "wall_s_per_epoch": _per_epoch(record, "seconds"),
                "cpu_s_per_epoch": _per_epoch(record, "cpu_seconds"),
            }
        )  # fmt: skip
    table = pd.DataFrame(rows, columns=list(_COLUMNS))
    table.attrs["missing"] = missing
    return table


def projected_cost(profile: str = "book", results=None) -> pd.DataFrame:
    """The grid's projected cost from the pilot: per dataset and model, the runs of the grid, the
    pilot's mean epochs run and CPU seconds per epoch, and their product in CPU-hours.

    A rough projection: runs at high translation levels or with masks may need more or fewer
    epochs than the pilot's 0 % and 30 % runs. Rows without a stored pilot run are NaN.
    """
    table = pilot_table(profile, results)
    counts: dict[tuple, int] = {}
    for config in expand_all(profile):
        key = (config.dataset, config.model)
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for (ds, model), n in sorted(counts.items()):
        sub = table[(table["dataset"] == ds) & (table["model"] == model)]
        epochs = float(sub["epochs_run"].mean()) if len(sub) else float("nan")
        # why the wall-clock fallback: runs stored before lithm recorded CPU time have only it.
        cpu = sub["cpu_s_per_epoch"].fillna(sub["wall_s_per_epoch"]).dropna()
        per_epoch = float(cpu.mean()) if len(cpu) else float("nan")
        rows.append(
            {
                "dataset": ds, "model": model, "runs": n, "pilot_epochs": epochs,
                "cpu_s_per_epoch": per_epoch, "cpu_hours": n * epochs * per_epoch / 3600,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


#: Reader's labels for the columns of :func:`pilot_table` and :func:`projected_cost`.
LABELS = {
    "dataset": "dataset", "model": "model", "level": "translation", "state": "state",
    "epochs_run": "epochs run", "best_epoch": "best epoch", "cap": "epoch cap",
    "best_val_acc": "best clean validation accuracy", "wall_s_per_epoch": "wall s / epoch",
    "cpu_s_per_epoch": "CPU s / epoch", "runs": "runs in the grid",
    "pilot_epochs": "pilot's mean epochs", "cpu_hours": "CPU-hours",
}  # fmt: skip


def readable(table: pd.DataFrame):
    """A pilot or cost table ready to read (a pandas Styler): names in words, levels in percent,
    accuracies to 4 decimals, seconds and hours to 1–2, no row numbers.

    >>> html = readable(pd.DataFrame({"dataset": ["mnist"], "level": [0.3], "cpu_hours": [1.234]}))
    >>> "MNIST" in html.to_html() and "30 %" in html.to_html() and "1.23" in html.to_html()
    True
    """
    digits = {"best clean validation accuracy": 4, "wall s / epoch": 1, "CPU s / epoch": 1,
              "pilot's mean epochs": 1, "CPU-hours": 2}  # fmt: skip
    return tables.readable(table, LABELS, digits=digits)


def pilot_summary(profile: str = "book", results=None) -> str:
    """Sentences, computed from the store, saying what the pilot showed."""
    table = pilot_table(profile, results)
    missing = table.attrs["missing"]
    if table.empty:
        return f"No pilot run of the {profile} profile is stored yet ({missing} pending)."
    parts = []
    for ds, sub in tables.by_dataset(table):
        stopped = int((sub["state"] != "still learning").sum())
        capped = int((sub["epochs_run"] >= sub["cap"]).sum())
        name = _NAMES[ds]
        parts.append(
            f"On {name}, {stopped} of {len(sub)} pilot runs finished learning (stopped by patience "
            f"or flat); they ran {sub['epochs_run'].min()}–{sub['epochs_run'].max()} epochs, "
            f"their best epochs were {sub['best_epoch'].min()}–{sub['best_epoch'].max()}, and "
            f"{capped} reached the cap of {int(sub['cap'].max())} epochs."
        )
    cost = projected_cost(profile, results)
    total = cost["cpu_hours"].sum(min_count=len(cost))
    if pd.notna(total):
        parts.append(
            f"Projected from the pilot, the whole grid costs about {total:.0f} CPU-hours "
            f"({len(expand_all(profile))} distinct runs)."
        )
    if missing:
        parts.append(f"{counted(missing, 'pilot run')} {'is' if missing == 1 else 'are'} not "
                     "stored yet.")  # fmt: skip
    return " ".join(parts)


def projection_check(profile: str = "book", results=None, budget: float | None = None) -> str:
    """Sentences, computed from the store: the pilot's projection against what the runs took.

    For every stored run of the grid the pilot projects its dataset's and model's mean epochs ×
    CPU seconds per epoch (:func:`projected_cost`); the sentence sets their sum beside the CPU
    time the same runs took, then sets the grid's core-hours (wall-clock x threads, plus the
    estimate of ``lithm status`` for the missing runs) against ``budget`` (default: the
    profile's ``budget_core_hours``, 30 for the book grid; the book appendix *Reproducibility*
    says how it is counted).

    >>> projection_check("book", results="/nonexistent")
    'No run of the grid is stored yet: nothing to set beside the projection.'
    """
    from lithm.runner import against_budget, grid_status, projected_core_hours, run_cpu_seconds

    budget = get_profile(profile).budget_core_hours if budget is None else budget
    cost = projected_cost(profile, results)
    per_run = {(r.dataset, r.model): r.pilot_epochs * r.cpu_s_per_epoch
               for r in cost.itertuples()}  # fmt: skip
    store = _store(profile, results)
    measured = projected = 0.0
    compared = 0
    for config in expand_all(profile):
        record = store.load(config)
        guess = per_run.get((config.dataset, config.model), float("nan"))
        cpu = None if record is None else run_cpu_seconds(record)
        if cpu is None or pd.isna(guess):
            continue
        measured, projected, compared = measured + cpu, projected + guess, compared + 1
    totals = grid_status(profile, _store(profile, results).root)[1]
    if not totals["done"]:
        return "No run of the grid is stored yet: nothing to set beside the projection."
    parts = []
    if compared and projected > 0:
        parts.append(
            f"Measured: the {compared} stored runs of the grid took {measured / 3600:.1f} "
            f"CPU-hours, {measured / projected:.2f} times the {projected / 3600:.1f} that the "
            "pilot projects for the same runs."
        )
    done = totals["core_hours"]
    if totals["missing"] == 0:
        verdict = against_budget(done, budget)
        cpu = totals["cpu_hours"]
        cpu = "" if cpu is None else f"; {cpu:.1f} CPU-hours"
        parts.append(
            f"The whole grid took {done:.1f} core-hours (wall-clock × threads{cpu})"
            f"{verdict and ', '}{verdict}."
        )
    elif (total := projected_core_hours(totals)) is not None:
        verdict = against_budget(total, budget)
        parts.append(
            f"With {totals['missing']} of {totals['runs']} runs still missing, `lithm status` "
            f"estimates {totals['hours_left']:.1f} hours more, {total:.1f} core-hours in all"
            f"{verdict and ': '}{verdict}."
        )
    return " ".join(parts)


def plot_pilot(profile: str = "book", results=None):
    """The pilot's clean validation accuracy against epoch, one panel per dataset; a dot marks
    each run's best epoch (where early stopping's patience starts counting)."""
    import matplotlib.pyplot as plt

    from lithm.plots import MODEL_COLORS

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for ax, ds in zip(axes, DATASETS, strict=True):
        for config, record in pilot_records(profile, results):
            if config.dataset != ds or record is None:
                continue
            epochs = [row["epoch"] for row in record["history"]]
            values = [row["val_acc"] for row in record["history"]]
            style = "-" if config.level == 0 else "--"
            label = f"{config.model.upper()}, {config.level:.0%} translation"
            ax.plot(epochs, values, style, color=MODEL_COLORS[config.model], label=label)
            best = record["summary"].get("best_epoch")
            if best:
                ax.plot(best, values[best - 1], "o", color=MODEL_COLORS[config.model])
        ax.set_title(_NAMES[ds])
        ax.set_xlabel("epoch")
        ax.set_ylabel("clean validation accuracy")
        if ax.lines:
            ax.legend(fontsize="small", loc="lower right")
        else:
            ax.text(0.5, 0.5, "pilot runs pending", ha="center", transform=ax.transAxes)
    fig.suptitle(f"The pilot of the {profile} profile (fold 0)")
    plt.close(fig)  # why: the caller displays it; an open figure would be drawn twice inline
    return fig
