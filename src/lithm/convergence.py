"""Did a run finish learning? Stopped by patience, flat at its cap, or still learning.

A run is evidence only once it has finished learning (the book's rule; the paper trained up to
250/500 epochs with patience 50/100, book appendix *The authors' protocol*, §3). A stored run
*converged* when early stopping ended it (its clean validation accuracy did not improve for
``patience`` epochs), or when it reached its epoch cap with a flat curve: over its last ``window``
epochs the best clean validation accuracy rose by no more than ``tolerance`` above the best before
them. Anything else was still learning when it stopped.

>>> history = [{"val_acc": v} for v in (0.5, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9)]
>>> convergence({"history": history, "summary": {"stopped_early": False}}, window=4)
'flat'
>>> convergence({"history": history[:3], "summary": {"stopped_early": False}}, window=4)
'still learning'
"""

from __future__ import annotations

from pathlib import Path

from lithm.config import RunConfig, display_name

#: The possible states of a stored run, from best to worst evidence.
STATES = ("stopped by patience", "flat", "still learning")
#: Default: the last 5 epochs may add at most 0.2 points of clean validation accuracy.
WINDOW, TOLERANCE = 5, 0.002


def convergence(record: dict, window: int | None = None, tolerance: float = TOLERANCE) -> str:
    """The state of one stored run: one of :data:`STATES`.

    ``window`` defaults to the run's patience, else :data:`WINDOW`.
    """
    summary = record.get("summary", {})
    if summary.get("stopped_early"):
        return "stopped by patience"
    if window is None:
        patience = (record.get("config") or {}).get("patience")
        window = int(patience) if patience else WINDOW
    values = [row["val_acc"] for row in record.get("history", [])]
    if len(values) <= window:
        return "still learning"
    before, last = max(values[:-window]), max(values[-window:])
    return "flat" if last - before <= tolerance else "still learning"


def convergence_sentences(table) -> list[str]:
    """One sentence per dataset of a :func:`convergence_table`: how many runs finished learning.

    >>> import pandas as pd
    >>> row = {"dataset": "mnist", "runs": 4, "stopped by patience": 3, "flat": 1,
    ...        "still learning": 0, "converged": 4, "percent": 100.0}
    >>> print(convergence_sentences(pd.DataFrame([row]))[0])  # doctest: +NORMALIZE_WHITESPACE
    MNIST: 4 of 4 stored runs finished learning (100 %): 3 stopped by patience, 1 flat at its
    epoch cap, 0 still learning.
    """
    from lithm.tables import book_order

    out = []
    for row in book_order(table).to_dict("records"):
        out.append(
            f"{display_name(row['dataset'])}: {row['converged']} of {row['runs']} "
            f"stored runs finished learning ({row['percent']:g} %): {row['stopped by patience']} "
            f"stopped by patience, {row['flat']} flat at {'its' if row['flat'] == 1 else 'their'}"
            f" epoch cap, {row['still learning']} still learning."
        )
    return out or ["No runs are stored yet."]


def convergence_table(source, window: int | None = None, tolerance: float = TOLERANCE):
    """Per dataset: how many stored runs converged (stopped by patience or flat) and which did not.

    ``source`` is a results folder or :class:`~lithm.store.ResultsStore`. Returns a pandas
    DataFrame with columns dataset, runs, one column per state, ``converged`` and ``percent``, one
    row per dataset in the book's order (MNIST first);
    ``table.attrs["unconverged"]`` lists the run ids still learning.
    """
    import pandas as pd

    from lithm.store import ResultsStore
    from lithm.tables import book_order

    store = source if isinstance(source, ResultsStore) else ResultsStore(Path(source))
    rows, unconverged = {}, []
    for record in store.records():
        config = RunConfig.from_dict(record["config"])
        state = convergence(record, window, tolerance)
        row = rows.setdefault(config.dataset, {"dataset": config.dataset, "runs": 0})
        row["runs"] += 1
        row[state] = row.get(state, 0) + 1
        if state == "still learning":
            unconverged.append(config.run_id)
    table = pd.DataFrame(list(rows.values()), columns=["dataset", "runs", *STATES])
    table = table.fillna(0)
    for state in STATES:
        table[state] = table[state].astype(int)
    table["converged"] = table["stopped by patience"] + table["flat"]
    table["percent"] = (100 * table["converged"] / table["runs"].clip(lower=1)).round(1)
    table = book_order(table).reset_index(drop=True)  # MNIST first, as the paper
    table.attrs["unconverged"] = sorted(unconverged)
    return table
