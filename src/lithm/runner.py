"""Run the missing runs of a grid, store each as soon as it finishes, resume after interruption.

The runs of a grid are independent, so *where* they run is an executor's business: the local
executor trains them one after another in this process; a cluster executor (``executor="ray"``, see
:mod:`lithm.cluster`) fans them out. Whatever the executor, the driver (this process) writes each
finished run to the results store at once, so a grid killed half-way loses no finished run, and an
unfinished run resumes from its last per-epoch checkpoint. A file ``.stop`` in the results folder
(``lithm stop``) asks every local process of the grid to finish its current run and return: the
way to end a sitting without losing a run half-trained.

>>> import tempfile
>>> from lithm.data import synthetic_dataset
>>> table = run_grid("translation", "smoke", "mnist", results=tempfile.mkdtemp(),
...                  data=synthetic_dataset("mnist", 480), progress=False)
>>> len(table), sorted(table["model"].unique())
(4, ['cnn', 'fcn'])
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from lithm.config import DATASETS, RunConfig, canonical_dataset
from lithm.data import DataMissingError, ImageData, load_dataset
from lithm.experiments import expand, get_experiment, get_profile
from lithm.paths import cache_dir, results_dir
from lithm.store import ResultsStore
from lithm.train import train

EXECUTORS = ("local", "ray")
#: the file in a results folder that asks the grid's local processes to stop between runs.
STOP_FILE = ".stop"


def stop_file(store_dir: str | Path) -> Path:
    """The stop file of a results folder (see :func:`request_stop`)."""
    return Path(store_dir) / STOP_FILE


def request_stop(store_dir: str | Path) -> Path:
    """Ask the local processes of a grid to return after their current run; return the file.

    Each process looks for the file before it starts a run, so a run already training
    finishes and is stored. Delete the file (or run the grid with a new sitting's clone, where it
    is not committed) to go on.

    >>> import tempfile
    >>> request_stop(tempfile.mkdtemp()).name
    '.stop'
    """
    path = stop_file(store_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"stop requested at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    return path


@dataclass
class RunJob:
    """What an executor needs to train one configuration: where the data is, which device.

    Picklable, so that cluster executors can ship it to workers.
    """

    data_dir: str | None = None
    device: str | None = None
    checkpoint_dir: str | None = None
    data: ImageData | None = None
    #: the results folder, for claims: several local processes can then share one grid.
    store_dir: str | None = None

    def stop_requested(self) -> bool:
        """Whether the results folder holds a stop file (checked before each run)."""
        return self.store_dir is not None and stop_file(self.store_dir).exists()

    def __call__(self, config: RunConfig) -> dict:
        data = self.data if self.data is not None and self.data.name == config.dataset else None
        if self.store_dir is None:
            return self._train(config, data)
        claim = Claim(Path(self.store_dir), config)
        if not claim.acquire():
            raise RunningElsewhere(f"{config.run_id} is being trained by process {claim.owner()}")
        try:
            if ResultsStore(self.store_dir).load(config) is not None:
                raise RunningElsewhere(f"{config.run_id} was finished by another process")
            return self._train(config, data)
        finally:
            claim.release()

    def _train(self, config: RunConfig, data) -> dict:
        return train(
            config, data=data, data_dir=self.data_dir, device=self.device, progress=False,
            checkpoint_dir=self.checkpoint_dir, keep_kernels=keeps_kernels(config),
            keep_model=keeps_model(config),
        )  # fmt: skip


class RunningElsewhere(RuntimeError):
    """Another process on this machine is training (or has just stored) this run."""


class Claim:
    """An exclusive claim on a run, a file ``.claims/<run_id>`` holding the owner's pid.

    Lets two ``lithm run`` processes share one grid (e.g. one per CPU core) without training a run
    twice. A claim whose process is gone is stale and is taken over.
    """

    def __init__(self, store_dir: Path, config: RunConfig):
        self.path = store_dir / ".claims" / config.run_id

    def owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pid = self.owner()
                if pid is not None and _alive(pid):
                    return False
                self.path.unlink(missing_ok=True)  # stale: its process died
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return True
        return False

    def release(self) -> None:
        if self.owner() == os.getpid():
            self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def keeps_kernels(config: RunConfig) -> bool:
    """Whether a run's final first-layer kernels are kept: FCNs without masks, first fold only.

    They are what the book's kernel grids show (§5.4); the initial kernels need not be kept since
    they follow from the run's seed.
    """
    return config.model == "fcn" and config.connection_mode is None and config.fold == 0


def keeps_model(config: RunConfig) -> bool:
    """Whether a run's final weights are kept (float16, ``models/<run_id>.pt`` in the store).

    The MNIST CNN and FCN at 0 % and 30 % translation on the first fold, unmasked and with the
    default initialisation: the networks the chapters and exercises probe without retraining
    (:func:`lithm.load_model`). MNIST only, to keep the repository small (about 25 MB).
    """
    return (
        config.dataset == "mnist"
        and config.fold == 0
        and config.connection_mode is None
        and config.init == "keras"
        and config.augmentation in ("none", "translation")
        and config.level in (0.0, 0.3)
    )


class LocalExecutor:
    """Train the runs one after another in this process.

    ``run`` yields ``(config, record)`` as each finishes, or ``(config, exception)`` when one fails;
    a missing dataset stops the grid at once (every other run would fail the same way). A stop
    file in the results folder ends the loop before the next run (see :func:`request_stop`).
    """

    name = "local"

    def run(self, configs: list[RunConfig], job: RunJob) -> Iterator[tuple[RunConfig, object]]:
        for config in configs:
            if job.stop_requested():
                return
            try:
                yield config, job(config)
            except (DataMissingError, KeyboardInterrupt):
                raise
            except Exception as exc:  # noqa: BLE001 - reported per run, the grid goes on
                yield config, exc


def make_executor(executor, **options):
    """An executor object from a name ("local", "ray") or an object with a ``run`` method."""
    if hasattr(executor, "run"):
        return executor
    if executor == "local":
        return LocalExecutor()
    if executor == "ray":
        try:
            from lithm.cluster import RayExecutor
        except ImportError as exc:
            raise ImportError(
                "the ray executor needs Ray: pip install -e '.[cluster]' (or pip install ray)"
            ) from exc
        return RayExecutor(**options)
    raise ValueError(f"unknown executor {executor!r}; valid executors: {', '.join(EXECUTORS)}")


def _datasets(dataset) -> tuple[str, ...]:
    if dataset in (None, "all"):
        return DATASETS
    if isinstance(dataset, str):
        return (canonical_dataset(dataset),)
    return tuple(canonical_dataset(d) for d in dataset)


def grid(experiment: str, profile: str, dataset="all", **overrides) -> list[RunConfig]:
    """The configurations of one experiment (or ``"all"``) on one or more datasets, deduplicated.

    ``"pilot"`` is the profile's pilot (:func:`lithm.experiments.pilot`); ``"all"`` trains the
    pilot's runs first, so that a new grid can be judged from them before the rest is trained.
    """
    from lithm.experiments import pilot

    seen, out = set(), []
    if experiment in ("pilot", "all"):
        for ds in _datasets(dataset):
            for cfg in pilot(profile, ds, **dict(overrides)):
                if cfg.run_id not in seen:
                    seen.add(cfg.run_id)
                    out.append(cfg)
        if experiment == "pilot":
            return out
    names = list(get_experiment_names(experiment))
    for name in names:  # experiment-major: a grid's first experiment completes first
        for ds in _datasets(dataset):
            for cfg in expand(name, profile, ds, **dict(overrides)):
                if cfg.run_id not in seen:
                    seen.add(cfg.run_id)
                    out.append(cfg)
    return out


def get_experiment_names(experiment) -> Iterable[str]:
    from lithm.experiments import EXPERIMENTS

    if experiment in (None, "all"):
        return tuple(EXPERIMENTS)
    if isinstance(experiment, str):
        return (get_experiment(experiment).name,)
    return tuple(get_experiment(e).name for e in experiment)


class GridFailed(RuntimeError):
    """Some runs of a grid failed; the others were stored. ``failures`` maps run id to error."""

    def __init__(self, failures: dict[str, str]):
        self.failures = failures
        lines = "\n".join(f"  {k}: {v}" for k, v in failures.items())
        super().__init__(f"{len(failures)} run(s) failed (the others are stored):\n{lines}")


def run_grid(
    experiment: str,
    profile: str = "smoke",
    dataset="all",
    *,
    results: str | Path | ResultsStore | None = None,
    executor="local",
    executor_options: dict | None = None,
    device: str | None = None,
    data_dir: str | None = None,
    data: ImageData | None = None,
    progress: bool = True,
    max_runs: int | None = None,
    **overrides,
):
    """Train the runs of ``experiment`` at ``profile`` scale that the store lacks; return a table.

    Args:
        experiment: a name of :data:`lithm.experiments.EXPERIMENTS`, a list of them, or "all".
        profile: "smoke", "book" or "paper" (see :data:`lithm.experiments.PROFILES`).
        dataset: "mnist", "cifar10", a list, or "all".
        results: the store or its folder; default ``results/<profile>`` of the project.
        executor: "local" (sequential, this process), "ray", or an executor object.
        device: "auto" (default: CUDA when present), "cpu", "cuda".
        data: an in-memory dataset to use instead of loading (tests, synthetic data).
        max_runs: train at most this many missing runs, then return (for slicing a long grid).
        overrides: passed to :func:`lithm.experiments.expand` (e.g. ``epochs=3``,
            ``levels=(0, .3)``).

    Returns:
        A pandas DataFrame with one row per run of the grid that is stored (see
        :func:`summary_table`). Raises :class:`GridFailed` after storing the others if runs failed.
    """
    get_profile(profile)
    store = results if isinstance(results, ResultsStore) else ResultsStore(
        results or results_dir(profile)
    )  # fmt: skip
    configs = grid(experiment, profile, dataset, **overrides)
    todo = store.missing(configs)
    if max_runs is not None:
        todo = todo[:max_runs]
    runner = make_executor(executor, **(executor_options or {}))
    # why the check is skipped without shipping: workers then read their own data folders.
    if todo and data is None and getattr(runner, "ship_data", True):
        for ds in sorted({c.dataset for c in todo}):
            load_dataset(ds, data_dir)  # fail fast, with the clear message, before any training
    local = isinstance(runner, LocalExecutor)
    job = RunJob(
        data_dir=None if data_dir is None else str(data_dir), device=device,
        checkpoint_dir=str(cache_dir() / "checkpoints"), data=data,
        store_dir=str(store.root) if local else None,
    )  # fmt: skip
    failures: dict[str, str] = {}
    elsewhere = 0
    bar = tqdm(total=len(todo), disable=not progress, desc=f"{experiment} [{profile}]", unit="run")
    t0 = time.time()
    for config, outcome in runner.run(todo, job):
        if isinstance(outcome, RunningElsewhere):
            elsewhere += 1
        elif isinstance(outcome, BaseException):
            failures[config.run_id] = f"{type(outcome).__name__}: {outcome}"
        else:
            store.write(outcome)
        bar.update(1)
        bar.set_postfix(
            failed=len(failures), elsewhere=elsewhere, elapsed=f"{time.time() - t0:.0f}s"
        )
    bar.close()
    if local and job.stop_requested():
        left = len(store.missing(configs))
        print(
            f"stopped between runs: {stop_file(store.root)} exists ({left} run(s) of this grid "
            "missing); delete it to go on"
        )
    if failures:
        raise GridFailed(failures)
    return summary_table(store, configs)


def summary_table(store: ResultsStore, configs: list[RunConfig]):
    """One row per stored run of ``configs``: its configuration and final/best accuracies."""
    import pandas as pd

    rows = []
    for config in configs:
        record = store.load(config)
        if record is None:
            continue
        row = config.to_dict()
        row["run_id"] = config.run_id
        summary = record["summary"]
        row["epochs_run"] = summary.get("epochs_run")
        row["seconds"] = summary.get("seconds")
        for key, value in summary.get("final", {}).items():
            row[f"final_{key}"] = value
        for key, value in summary.get("best", {}).items():
            row[f"best_{key}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def run_seconds(record: dict) -> float:
    """Wall-clock seconds of a stored run: its epochs, evaluations and probes.

    A resumed run's provenance covers only the part after resuming; its epochs' own times cover
    the rest, so the larger of the two is taken.
    """
    wall = record.get("provenance", {}).get("wall_seconds", 0.0)
    return max(wall, record["summary"].get("seconds", 0.0))


def run_core_seconds(record: dict) -> float:
    """Core-seconds of a stored run: its wall-clock seconds times the torch threads it ran with,
    the measure of the book profile's budget (a run without a recorded thread count counts one).

    >>> run_core_seconds({"summary": {"seconds": 100.0}, "provenance": {"threads": 2}})
    200.0
    """
    threads = (record.get("provenance") or {}).get("threads") or 1
    return run_seconds(record) * threads


def run_cpu_seconds(record: dict) -> float | None:
    """CPU seconds of a stored run (all epochs, from its history); None for records made before
    lithm recorded CPU time, extrapolated from the recorded epochs when only some have it."""
    values = [row.get("cpu_seconds") for row in record.get("history", [])]
    known = [v for v in values if v is not None]
    if not known:
        return None
    # why: a run resumed from a checkpoint made before CPU time was recorded has it only for its
    # later epochs; their mean stands for the earlier ones.
    return float(sum(known) / len(known) * len(values))


def _cost(record: dict) -> float:
    cpu = run_cpu_seconds(record)
    return run_seconds(record) if cpu is None else cpu


def estimate_seconds(finished: list[tuple[RunConfig, dict]], config: RunConfig) -> float | None:
    """A guess of a missing run's seconds: the median of the most similar finished runs.

    Similar means, in turn: the same dataset, model, mask state and augmentation at the nearest
    stored level on the same side of 0 (the median of the runs at that level); then the same
    without the augmentation, again at the nearest level; then the same dataset, model and mask
    state; then the same dataset and model; then the dataset. None without any finished run. A
    run's CPU time is used when it was recorded, else its wall-clock time.

    >>> from lithm.config import RunConfig
    >>> done = [(RunConfig("mnist", "cnn", level=0.0), {"summary": {"seconds": 100.0}}),
    ...         (RunConfig("mnist", "cnn", "translation", 0.1), {"summary": {"seconds": 200.0}}),
    ...         (RunConfig("mnist", "cnn", "translation", 0.3), {"summary": {"seconds": 300.0}})]
    >>> estimate_seconds(done, RunConfig("mnist", "cnn", "translation", 0.9))  # nearest: 0.3
    300.0
    >>> estimate_seconds(done, RunConfig("mnist", "cnn", "noise", 0.1))  # nearest level, any kind
    200.0
    """
    import statistics

    def nearest(similar):
        # why the nearest level: a translated run needs more epochs the larger its level (the
        # book profile's CIFAR-10 CNN: 15 epochs at 0 %, 44 at 10 %, 62 at 40 %), so the median
        # over every level would underestimate the high levels that run last.
        gap = min(abs(c.level - config.level) for c, _ in similar)
        return [r for c, r in similar if abs(abs(c.level - config.level) - gap) < 1e-9]

    for key, by_level in (
        (lambda c: (c.dataset, c.model, c.connection_mode is not None, c.augmentation,
                    c.level > 0), True),
        (lambda c: (c.dataset, c.model, c.connection_mode is not None, c.level > 0), True),
        (lambda c: (c.dataset, c.model, c.connection_mode is not None), False),
        (lambda c: (c.dataset, c.model), False),
        (lambda c: c.dataset, False),
    ):  # fmt: skip
        similar = [(c, r) for c, r in finished if key(c) == key(config)]
        if similar:
            # why CPU time first: wall time grows when other work shares the machine.
            return statistics.median(_cost(r) for r in (nearest(similar) if by_level else
                                                        [r for _, r in similar]))  # fmt: skip
    return None


def _cpu_hours(records) -> float | None:
    values = [run_cpu_seconds(r) for r in records]
    return None if any(v is None for v in values) else sum(values) / 3600


def projected_cpu_hours(total: dict) -> float | None:
    """The grid's CPU-hours in all: those computed plus the estimate for the runs still missing
    (``total`` from :func:`grid_status`); None while either is unknown.

    >>> projected_cpu_hours({"cpu_hours": 20.0, "hours_left": 6.5})
    26.5
    >>> projected_cpu_hours({"cpu_hours": 20.0, "hours_left": None}) is None
    True
    """
    if total["cpu_hours"] is None or total["hours_left"] is None:
        return None
    return total["cpu_hours"] + total["hours_left"]


def projected_core_hours(total: dict) -> float | None:
    """The grid's core-hours (wall-clock x threads) in all: those computed plus the estimate for
    the runs still missing, which assumes one single-threaded process per idle core (``total``
    from :func:`grid_status`); None while the estimate is unknown.

    >>> projected_core_hours({"core_hours": 21.0, "hours_left": 6.5})
    27.5
    """
    if total["hours_left"] is None:
        return None
    return total["core_hours"] + total["hours_left"]


def against_budget(hours: float, budget: float | None) -> str:
    """``hours`` against a profile's ``budget_core_hours``, in words ('' without a budget).

    >>> against_budget(28.1, 30), against_budget(30.7, 30), against_budget(5.0, None)
    ('within the budget of 30', 'over the budget of 30', '')
    """
    if budget is None:
        return ""
    return f"{'within' if hours <= budget else 'over'} the budget of {budget:g}"


#: Reader's labels for the columns of :func:`status` (the book's cost table).
STATUS_LABELS = {
    "runs": "runs in grid", "done": "runs stored", "running": "running", "missing": "missing",
    "hours": "wall-clock hours", "cpu_hours": "CPU-hours",
    "hours_left": "CPU-hours left (estimate)",
}  # fmt: skip


def grid_status(profile: str, results: str | Path | None = None) -> tuple[list[dict], dict]:
    """The rows of :func:`status` and the totals of :func:`status_totals`, loading every stored
    record of the grid once (what ``lithm status`` prints)."""
    from lithm.experiments import EXPERIMENTS

    store = ResultsStore(results or results_dir(profile))
    per = {
        (name, ds): expand(name, profile, ds) for name in EXPERIMENTS for ds in DATASETS
    }  # fmt: skip
    # each distinct run once (the 0 % runs are shared by several experiments)
    configs = list({c.run_id: c for cs in per.values() for c in cs}.values())
    records = {c.run_id: store.load(c) for c in configs}  # run_id -> record or None
    finished = [(c, records[c.run_id]) for c in configs if records[c.run_id] is not None]
    return _status_rows(store, per, records, finished), _totals(store, configs, records, finished)


def _status_rows(store, per, records, finished) -> list[dict]:
    rows = []
    for (name, ds), configs in per.items():
        if not configs:  # the profile trains nothing of this kind here (e.g. a budget cut)
            continue
        done = [records[c.run_id] for c in configs if records[c.run_id] is not None]
        missing = [c for c in configs if records[c.run_id] is None]
        owners = [Claim(store.root, c).owner() for c in missing]
        running = sum(1 for pid in owners if pid not in (None, os.getpid()) and _alive(pid))
        guesses = [estimate_seconds(finished, c) for c in missing]
        left = None if any(g is None for g in guesses) else sum(guesses) / 3600
        rows.append(
            {
                "experiment": name, "dataset": ds, "runs": len(configs),
                "done": len(done), "running": running, "missing": len(missing),
                "hours": sum(run_seconds(r) for r in done) / 3600,
                "cpu_hours": _cpu_hours(done),
                "hours_left": left,
            }
        )  # fmt: skip
    return rows


def _totals(store, configs, records, finished) -> dict:
    grid_ids = {c.run_id for c in configs}
    missing = [c for c in configs if records[c.run_id] is None]
    guesses = [estimate_seconds(finished, c) for c in missing]
    return {
        "runs": len(configs),
        "done": len(finished),
        "missing": len(missing),
        "hours": sum(run_seconds(r) for _, r in finished) / 3600,
        "core_hours": sum(run_core_seconds(r) for _, r in finished) / 3600,
        "cpu_hours": _cpu_hours([r for _, r in finished]),
        "hours_left": None if any(g is None for g in guesses) else sum(guesses) / 3600,
        "outside": [run_id for run_id in store.run_ids() if run_id not in grid_ids],
    }


def status(profile: str, results: str | Path | None = None) -> list[dict]:
    """Per experiment and dataset of ``profile``: runs done, running and missing, their hours, and
    an estimate of the hours left (one process; medians of finished runs of the same kind).

    A run shared by several experiments (the 0 % runs) is counted in each; an experiment the
    profile does not train on a dataset has no row.
    """
    return grid_status(profile, results)[0]


def status_totals(profile: str, results: str | Path | None = None) -> dict:
    """The whole grid of ``profile``, each distinct run once: runs, done, hours, hours left, and
    ``outside``: the ids of stored runs that are not runs of the grid (another scale, ad hoc)."""
    return grid_status(profile, results)[1]
