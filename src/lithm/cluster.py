"""Run a grid's missing runs as Ray tasks on a cluster, and estimate what the full paper costs.

The runs of a grid are independent (paper §4, protocol §2: one run is one fold of one model at one
setting), so :class:`RayExecutor` makes each missing run a Ray task: one GPU per run when the
cluster has GPUs, else one CPU. The record a task returns travels back to the driver, which writes
it to the results store as soon as it arrives (:func:`lithm.runner.run_grid`), so the workers need
no shared file system and a finished run survives the death of the driver or of a worker. A task
whose worker dies is retried by Ray; a task that raises is retried by the driver; both a bounded
number of times, after which the run is reported with its error and the others go on.

The datasets are loaded once by the driver and put once into Ray's object store; every task reads
them from there (no download per task). With ``ship_data=False`` the workers load from their own
data folder instead (``LITHM_DATA`` on each node).

Ray is optional: this module imports it only when an executor is created or run, so the estimates
below work without it.

>>> from lithm.runner import run_grid
>>> run_grid("all", "paper", "all", executor="ray",
...          executor_options={"address": "auto"})  # doctest: +SKIP

How long the paper's grid takes, extrapolated from measured per-epoch times (upper bound: every
run trains all its epochs, no early stopping):

>>> table = estimate_hours({("mnist", "cnn"): 1e-4, ("mnist", "fcn"): 2e-4},
...                        experiments="translation", datasets="mnist")
>>> row = table.iloc[0]
>>> row.experiment, row.dataset, int(row.runs), int(row.epochs), round(float(row.hours), 1)
('translation', 'mnist', 110, 27500, 63.9)
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from lithm.config import DATASETS, MODELS, RunConfig, canonical_dataset
from lithm.data import DataMissingError, ImageData, load_dataset
from lithm.experiments import EXPERIMENTS, expand, get_experiment, get_profile
from lithm.store import ResultsStore

__all__ = [
    "GridProgress",
    "RayExecutor",
    "TaskPlan",
    "estimate_from_store",
    "estimate_hours",
    "measured_seconds_per_image",
    "seconds_per_image_from_steps",
    "task_plan",
]

INSTALL_HINT = "the ray executor needs Ray: pip install -e '.[cluster]' (or pip install ray)"


def _ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return ray


# --------------------------------------------------------------------------------------------------
# What travels to the workers


def _pack(data: ImageData) -> dict:
    """An ImageData as numpy arrays, which Ray's object store shares between the tasks of a node.

    Why numpy and not the tensors: numpy arrays are read from the object store without a copy
    (zero-copy), so the tasks of a node all read one copy of CIFAR-10 (184 MB) instead of each
    unpickling its own.
    """
    return {
        "images": data.images.numpy(),  # (N, C, H, W) uint8
        "labels": data.labels.numpy(),  # (N,) int64
        "name": data.name,
        "classes": tuple(data.classes),
        "n_train": data.n_train,
    }


def _unpack(packed: dict) -> ImageData:
    """The ImageData of :func:`_pack`, its tensors viewing the (read-only) shared arrays."""
    import torch

    with warnings.catch_warnings():
        # why: arrays from the object store are read-only; ImageData tensors are read-only by
        # contract (lithm.data), and training only indexes them (a copy), so this is safe.
        warnings.filterwarnings("ignore", message=".*not writable.*")
        images = torch.from_numpy(packed["images"])
        labels = torch.from_numpy(packed["labels"])
    return ImageData(images, labels, packed["name"], packed["classes"], packed["n_train"])


def _run_on_worker(job, config: RunConfig, packed: dict | None, threads: int) -> dict:
    """The Ray task: train one run on a worker and return its record (with its artifacts).

    ``packed`` is the dataset from the object store (Ray resolves the reference before the call),
    or None to load it from the worker's own data folder.
    """
    import torch

    from lithm.paths import cache_dir

    torch.set_num_threads(threads)  # the CPUs Ray granted this task, not the node's
    data = _unpack(packed) if packed is not None else None
    # Per-epoch checkpoints go to the worker's own cache (LITHM_CACHE on that node): fine to lose
    # with the worker; a retry on the same node resumes from them. No claims: the driver alone
    # decides what runs (claims are for local processes sharing one results folder).
    local = dataclasses.replace(
        job, data=data, store_dir=None, checkpoint_dir=str(cache_dir() / "checkpoints")
    )
    return local(config)


# --------------------------------------------------------------------------------------------------
# Progress


@dataclasses.dataclass
class GridProgress:
    """Where a grid on the cluster stands: runs done, running, failed, retried, and time left.

    ``running`` counts the tasks submitted and not yet finished (at most the concurrency).

    >>> p = GridProgress(total=10, done=4, failed=1, running=2, started=0.0)
    >>> p.eta_seconds(now=50.0)
    50.0
    >>> print(p.line(now=50.0))
    5/10 finished: 4 done, 1 failed, 2 running, 0 retried; elapsed 0:00:50, about 0:00:50 left
    """

    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    retried: int = 0
    started: float = dataclasses.field(default_factory=time.time)

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Seconds left at the rate runs have finished so far; None before the first finishes."""
        finished = self.done + self.failed
        if finished == 0:
            return None
        elapsed = (time.time() if now is None else now) - self.started
        return (self.total - finished) * elapsed / finished

    def line(self, now: float | None = None) -> str:
        """One status line for a log."""
        now = time.time() if now is None else now
        eta = self.eta_seconds(now)
        left = "time left unknown" if eta is None else f"about {_hms(eta)} left"
        return (
            f"{self.done + self.failed}/{self.total} finished: {self.done} done, {self.failed} "
            f"failed, {self.running} running, {self.retried} retried; elapsed "
            f"{_hms(now - self.started)}, {left}"
        )


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# --------------------------------------------------------------------------------------------------
# The executor


@dataclasses.dataclass(frozen=True)
class TaskPlan:
    """What each run's task asks of Ray, how many run at once, and the device the task trains on."""

    gpus: float
    cpus: int
    concurrency: int
    device: str


def task_plan(
    resources: Mapping[str, float],
    *,
    device: str | None = None,
    gpus_per_run: float | None = None,
    cpus_per_run: int = 1,
    concurrency: int | None = None,
) -> TaskPlan:
    """One GPU per run when the cluster has GPUs, else one CPU; concurrency = cluster capacity.

    ``resources`` is ``ray.cluster_resources()``; the other arguments are those of
    :class:`RayExecutor` and the grid's device ("auto", "cpu", "cuda").

    >>> task_plan({"CPU": 16.0, "GPU": 4.0})
    TaskPlan(gpus=1, cpus=1, concurrency=4, device='cuda')
    >>> task_plan({"CPU": 2.0}, concurrency=8)
    TaskPlan(gpus=0, cpus=1, concurrency=8, device='cpu')
    >>> task_plan({"CPU": 16.0, "GPU": 4.0}, device="cpu", cpus_per_run=2).concurrency
    8
    """
    cluster_cpus = float(resources.get("CPU", 0.0))
    cluster_gpus = float(resources.get("GPU", 0.0))
    device = "auto" if device in (None, "") else str(device)
    wants_cpu = device == "cpu"
    if gpus_per_run is not None:
        gpus = gpus_per_run
    else:
        gpus = 1 if cluster_gpus >= 1 and not wants_cpu else 0
    if gpus > 0 and wants_cpu:
        raise ValueError(f"gpus_per_run={gpus} contradicts device 'cpu'; use device 'auto'")
    if device.startswith("cuda") and gpus == 0:
        raise ValueError(
            f"device {device!r} needs GPUs but the Ray cluster has none "
            f"(resources: CPU {cluster_cpus:g}, GPU {cluster_gpus:g}); use device 'auto' or 'cpu'"
        )
    if gpus > 0:
        capacity = min(cluster_gpus / gpus, cluster_cpus / cpus_per_run)
        # why: Ray shows a task only the GPU(s) it granted, always numbered from cuda:0.
        task_device = "cuda"
    else:
        capacity = cluster_cpus / cpus_per_run
        # why: "auto" on a GPU node would take a GPU that Ray did not grant this task.
        task_device = "cpu"
    return TaskPlan(
        gpus=gpus, cpus=cpus_per_run, concurrency=concurrency or max(int(capacity), 1),
        device=task_device,
    )  # fmt: skip


#: Errors of the input that a retry would only repeat: not retried.
NOT_RETRIED = (DataMissingError, ValueError, TypeError)


class RayExecutor:
    """Train a grid's runs as Ray tasks; yield ``(config, record or exception)`` as each ends.

    Implements the executor protocol of :mod:`lithm.runner` (``executor="ray"``), issue #5.

    Args:
        address: the cluster to join: ``"auto"`` (the cluster ``ray start`` made on this
            machine; an error if there is none), ``"host:6379"``, ``"ray://host:10001"`` (Ray
            Client), or None: the Ray of this process if it is initialised, else Ray's own
            lookup (``$RAY_ADDRESS``, then a cluster started on this machine), else a new Ray on
            this machine alone. A Ray this executor starts, it also shuts down.
        concurrency: at most this many runs at once; default the cluster's capacity (GPUs per
            run, or CPUs per run on a cluster without GPUs) when the grid starts.
        gpus_per_run: GPUs each task asks for; default 1 when the cluster has GPUs (and the
            device is not "cpu"), else 0. A fraction (0.5) packs several small runs on one GPU.
        cpus_per_run: CPUs each task asks for; the task sets torch's threads to this number.
        max_retries: times Ray re-runs a task whose worker process or node died.
        retry_exceptions: times the driver re-submits a task that raised (except errors of the
            input, :data:`NOT_RETRIED`); then the run is reported with its error.
        ship_data: put each dataset the driver loads into the object store once for all tasks
            (default). False: workers load from their own data folder (``LITHM_DATA`` or the
            ``data_dir`` of the grid, which must then be valid on every node). A dataset given
            in memory (``run_grid(data=...)``) is always shipped: it exists nowhere else.
        progress: True prints a status line (done, running, failed, time left) to stderr when a
            run finishes (at most every ``status_every`` seconds) and whenever one fails or is
            retried; a callable is called with the :class:`GridProgress` instead; False: silent.
        init_options: extra keyword arguments of ``ray.init`` (e.g. ``runtime_env``), used only
            when this executor connects.

    Needs Ray and a cluster, hence not run as a doctest:

    >>> from lithm.runner import run_grid
    >>> ex = RayExecutor(address="auto", max_retries=2, retry_exceptions=2)  # doctest: +SKIP
    >>> run_grid("translation", "paper", "mnist", executor=ex)  # doctest: +SKIP
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        concurrency: int | None = None,
        *,
        gpus_per_run: float | None = None,
        cpus_per_run: int = 1,
        max_retries: int = 2,
        retry_exceptions: int = 2,
        ship_data: bool = True,
        progress: bool | Callable[[GridProgress], None] = True,
        status_every: float = 30.0,
        init_options: Mapping | None = None,
    ):
        _ray()  # fail here, with the install hint, rather than when the grid starts
        if address is not None and not isinstance(address, str):
            raise TypeError(f"address must be a string such as 'auto' or None, got {address!r}")
        if concurrency is not None and not (_is_int(concurrency) and concurrency >= 1):
            raise ValueError(f"concurrency must be a positive integer or None, got {concurrency!r}")
        if not (_is_int(cpus_per_run) and cpus_per_run >= 1):
            raise ValueError(f"cpus_per_run must be a positive integer, got {cpus_per_run!r}")
        if gpus_per_run is not None and not (
            isinstance(gpus_per_run, int | float) and not isinstance(gpus_per_run, bool)
            and gpus_per_run >= 0
        ):  # fmt: skip
            raise ValueError(f"gpus_per_run must be a number >= 0 or None, got {gpus_per_run!r}")
        for what, value in (("max_retries", max_retries), ("retry_exceptions", retry_exceptions)):
            if not (_is_int(value) and value >= 0):
                raise ValueError(f"{what} must be an integer >= 0, got {value!r}")
        if not (isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"progress must be True, False or a callable, got {progress!r}")
        self.address = address
        self.concurrency = concurrency
        self.gpus_per_run = gpus_per_run
        self.cpus_per_run = int(cpus_per_run)
        self.max_retries = int(max_retries)
        self.retry_exceptions = int(retry_exceptions)
        self.ship_data = bool(ship_data)
        self.progress = progress
        self.status_every = float(status_every)
        self.init_options = dict(init_options or {})
        #: the progress of the current (or last) grid.
        self.status: GridProgress | None = None

    def __repr__(self) -> str:
        return (
            f"RayExecutor(address={self.address!r}, concurrency={self.concurrency!r}, "
            f"gpus_per_run={self.gpus_per_run!r}, cpus_per_run={self.cpus_per_run}, "
            f"max_retries={self.max_retries}, retry_exceptions={self.retry_exceptions}, "
            f"ship_data={self.ship_data})"
        )

    # -- running --------------------------------------------------------------------------------

    def run(self, configs: Iterable[RunConfig], job) -> Iterator[tuple[RunConfig, object]]:
        """Train ``configs`` on the cluster; yield ``(config, record)`` or ``(config, exception)``.

        ``job`` is the grid's :class:`lithm.runner.RunJob` (a dataclass: its data, data folder
        and device reach the workers; claims and the checkpoint folder are the workers' own).
        Closing the generator early (the driver stops) cancels the runs still in flight.
        """
        configs = list(configs)
        if not configs:
            return
        ray = _ray()
        owns = not ray.is_initialized()
        if owns:
            ray.init(address=self.address, **self.init_options)
        pending: dict = {}  # ObjectRef -> (config, attempt)
        try:
            plan = task_plan(
                ray.cluster_resources(), device=job.device, gpus_per_run=self.gpus_per_run,
                cpus_per_run=self.cpus_per_run, concurrency=self.concurrency,
            )  # fmt: skip
            task = ray.remote(_run_on_worker)
            # The data travels through the object store, not inside every task's job.
            worker_job = dataclasses.replace(job, data=None, store_dir=None, device=plan.device)
            shipped: dict[str, object] = {}

            def data_ref(dataset: str):
                if dataset not in shipped:
                    shipped[dataset] = self._put_data(ray, dataset, job)
                return shipped[dataset]

            def submit(config: RunConfig, attempt: int) -> None:
                ref = task.options(
                    num_cpus=plan.cpus, num_gpus=plan.gpus, max_retries=self.max_retries,
                    name=f"lithm:{config.label}",
                ).remote(worker_job, config, data_ref(config.dataset), plan.cpus)  # fmt: skip
                pending[ref] = (config, attempt)

            status = self.status = GridProgress(total=len(configs))
            queue = deque((config, 0) for config in configs)
            last_report = -math.inf
            while queue or pending:
                while queue and len(pending) < plan.concurrency:
                    submit(*queue.popleft())
                status.running = len(pending)
                ready, _ = ray.wait(list(pending), num_returns=1)
                config, attempt = pending.pop(ready[0])
                outcome = _outcome(ray, ready[0])
                failed = isinstance(outcome, BaseException)
                if failed and attempt < self.retry_exceptions and _retryable(ray, outcome):
                    queue.appendleft((config, attempt + 1))
                    status.retried += 1
                    status.running = len(pending)
                    self._report(f"retrying {config.label} ({_describe(outcome)})")
                    continue
                if failed:
                    status.failed += 1
                else:
                    status.done += 1
                status.running = len(pending)
                if failed:
                    self._report(f"failed {config.label}: {_describe(outcome)}")
                elif time.time() - last_report >= self.status_every or not (queue or pending):
                    last_report = time.time()
                    self._report()
                yield config, outcome
        finally:
            for ref in pending:  # the driver stopped: do not leave orphan runs on the cluster
                try:
                    ray.cancel(ref)
                except Exception:  # noqa: BLE001 - best effort; Ray ends a dead driver's tasks
                    pass
            if owns:
                ray.shutdown()

    def _put_data(self, ray, dataset: str, job):
        """The object-store reference of ``dataset`` for the tasks, or None (workers load it)."""
        if job.data is not None and job.data.name == dataset:
            return ray.put(_pack(job.data))
        if not self.ship_data:
            return None
        # load_dataset caches per process: the grid's fail-fast check has loaded it already.
        return ray.put(_pack(load_dataset(dataset, job.data_dir)))

    def _report(self, event: str | None = None) -> None:
        if self.status is None or not self.progress:
            return
        if callable(self.progress) and not isinstance(self.progress, bool):
            self.progress(self.status)
            return
        from tqdm.auto import tqdm

        line = self.status.line() if event is None else f"{event}; {self.status.line()}"
        tqdm.write(f"[ray] {line}", file=sys.stderr)  # tqdm.write keeps run_grid's bar intact


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _outcome(ray, ref):
    """A finished task's record, or the exception it ended with (the original one if it raised)."""
    from ray.exceptions import RayError, RayTaskError

    try:
        return ray.get(ref)
    except RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        return cause if isinstance(cause, BaseException) else exc
    except RayError as exc:  # the worker or node died more often than max_retries, or similar
        return exc


def _retryable(ray, exc: BaseException) -> bool:
    from ray.exceptions import RayError

    # RayErrors arrive after Ray's own retries (max_retries); input errors would only repeat.
    return not isinstance(exc, (RayError, KeyboardInterrupt, *NOT_RETRIED))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


# --------------------------------------------------------------------------------------------------
# How long the paper takes


def _full_size(dataset: str) -> int:
    from lithm.paper import PROTOCOL

    return PROTOCOL[dataset]["n_images"]  # train + test (protocol §2)


def _images_per_epoch(config: RunConfig) -> int:
    """Training images one epoch of ``config`` sees: ⌊N_train / batch⌋ batches (protocol §3)."""
    from lithm.train import estimate_steps

    return estimate_steps(config, _full_size(config.dataset)) * config.batch_size


def measured_seconds_per_image(measured: str | Path | ResultsStore) -> dict:
    """Measured seconds per training image of an epoch, per (dataset, model), from stored runs.

    Each stored epoch's ``seconds`` (training and the six evaluations, :mod:`lithm.train`) is
    divided by the training images of that epoch; the median over all epochs of all runs is
    robust to a busy machine. Since evaluation scores the held-out fold, its cost per training
    image is the same at any scale with the same number of folds (5 in ``book`` and ``paper``).

    Returns:
        ``{(dataset, model): {"seconds_per_image": float, "epochs": int, "device": str,
        "threads": int}}``; device and threads are the most common of the measured runs.
    """
    import statistics

    store = measured if isinstance(measured, ResultsStore) else ResultsStore(measured)
    samples: dict[tuple[str, str], list[float]] = {}
    where: dict[tuple[str, str], Counter] = {}
    for record in store.records():
        config = RunConfig.from_dict(record["config"])
        key = (config.dataset, config.model)
        images = _images_per_epoch(config)
        seconds = [row["seconds"] for row in record["history"] if row.get("seconds")]
        samples.setdefault(key, []).extend(s / images for s in seconds)
        prov = record.get("provenance", {})
        where.setdefault(key, Counter())[
            (str(prov.get("device_name") or prov.get("device", "?")), prov.get("threads"))
        ] += len(seconds)
    out = {}
    for key, values in sorted(samples.items()):
        if values:
            (device, threads), _ = where[key].most_common(1)[0]
            out[key] = {
                "seconds_per_image": statistics.median(values), "epochs": len(values),
                "device": device, "threads": threads,
            }  # fmt: skip
    return out


def seconds_per_image_from_steps(step_seconds: Mapping, profile: str = "paper") -> dict:
    """Seconds per training image from measured seconds per training step at ``profile``'s batch.

    For a GPU: time steps with ``python benchmarks/step_time.py --device cuda`` (the paper's
    batch sizes) and pass the medians here. Step times cover training only, not the per-epoch
    evaluations, so an estimate from them is a lower bound on each epoch's time.

    >>> seconds_per_image_from_steps({("mnist", "cnn"): 0.0256})
    {('mnist', 'cnn'): 0.0001}
    """
    prof = get_profile(profile)
    out = {}
    for (dataset, model), seconds in step_seconds.items():
        dataset = canonical_dataset(dataset)
        if model not in MODELS:
            raise ValueError(f"unknown model kind {model!r}; valid values: {', '.join(MODELS)}")
        if not seconds > 0:
            raise ValueError(f"step time of {dataset}/{model} must be positive, got {seconds}")
        out[(dataset, model)] = seconds / prof.scale(dataset).batch_size
    return out


def _names(value, valid, what) -> tuple[str, ...]:
    if value in (None, "all"):
        return tuple(valid)
    values = (value,) if isinstance(value, str) else tuple(value)
    for v in values:
        if v not in valid:
            raise ValueError(f"unknown {what} {v!r}; valid values: {', '.join(valid)}, all")
    return values


def estimate_hours(
    seconds_per_image: Mapping, profile: str = "paper", experiments="all", datasets="all"
):
    """Hours of one device per experiment and dataset at ``profile``, for given per-image times.

    An upper bound on epochs: every run trains all its epochs (no early stopping), each epoch
    ⌊N_train / batch⌋ batches of the full dataset (protocol §2–§3). Hours assume one run per device.

    Args:
        seconds_per_image: ``{(dataset, model): seconds}`` per training image of an epoch (see
            :func:`measured_seconds_per_image`, :func:`seconds_per_image_from_steps`); a value
            may also be the dict :func:`measured_seconds_per_image` returns.
        profile: the profile to estimate, default the paper's.
        experiments, datasets: names, lists of names, or "all".

    Returns:
        A DataFrame with columns experiment, dataset, runs, epochs (their sum) and hours; the
        hours are NaN where a (dataset, model) was not measured. Rows ``all (distinct runs)``
        count runs shared by several experiments (the 0 % runs) once.
    """
    import pandas as pd

    get_profile(profile)
    exps = _names(experiments, tuple(EXPERIMENTS), "experiment")
    if datasets in (None, "all"):
        dsets = DATASETS
    else:
        dsets = tuple(
            canonical_dataset(d) for d in ((datasets,) if isinstance(datasets, str) else datasets)
        )
    per_image = {
        (canonical_dataset(d), m): (v["seconds_per_image"] if isinstance(v, Mapping) else v)
        for (d, m), v in seconds_per_image.items()
    }

    def row(name: str, dataset: str, configs: list[RunConfig]) -> dict:
        seconds = 0.0
        for c in configs:
            rate = per_image.get((c.dataset, c.model), math.nan)
            seconds += c.epochs * _images_per_epoch(c) * rate
        return {
            "experiment": name, "dataset": dataset, "runs": len(configs),
            "epochs": sum(c.epochs for c in configs), "hours": seconds / 3600,
        }  # fmt: skip

    rows, every = [], {}
    for dataset in dsets:
        for name in exps:
            configs = expand(get_experiment(name).name, profile, dataset)
            every.update((c.run_id, c) for c in configs)
            rows.append(row(name, dataset, configs))
    if len(exps) > 1:
        for dataset in dsets:
            distinct = [c for c in every.values() if c.dataset == dataset]
            rows.append(row("all (distinct runs)", dataset, distinct))
        if len(dsets) > 1:
            rows.append(row("all (distinct runs)", "all", list(every.values())))
    return pd.DataFrame(rows)


def estimate_from_store(
    measured: str | Path | ResultsStore, target_profile: str = "paper", **kwargs
):
    """Hours per experiment at ``target_profile``, from the per-epoch times of a measured store.

    ``measured`` is typically ``results/book`` (CPU here); on a GPU, train a few runs of the book
    profile there (``lithm run translation --profile book --device cuda --max-runs 4``) and
    point this at that store. ``kwargs`` go to :func:`estimate_hours`.
    """
    return estimate_hours(measured_seconds_per_image(measured), target_profile, **kwargs)


# --------------------------------------------------------------------------------------------------
# python -m lithm.cluster estimate ...


def _parse_step_ms(items: list[str]) -> dict:
    out = {}
    for item in items:
        try:
            key, ms = item.split("=")
            dataset, model = key.split(":")
            out[(dataset, model)] = float(ms) / 1000
        except ValueError:
            raise ValueError(
                f"--step-ms takes DATASET:MODEL=MILLISECONDS (e.g. mnist:fcn=4.2), got {item!r}"
            ) from None
    return out


def _format(frame) -> str:
    shown = frame.copy()
    shown["hours"] = shown["hours"].map(lambda h: "not measured" if math.isnan(h) else f"{h:,.1f}")
    shown["epochs"] = shown["epochs"].map(lambda e: f"{e:,}")
    return shown.to_string(index=False)


def main(argv=None) -> int:
    """``python -m lithm.cluster estimate``: print the estimated hours of a profile's grid."""
    parser = argparse.ArgumentParser(prog="python -m lithm.cluster")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    est = sub.add_parser("estimate", help="hours per experiment, from measured times")
    src = est.add_mutually_exclusive_group(required=True)
    src.add_argument("--measured", help="a results store with measured runs (e.g. results/book)")
    src.add_argument(
        "--step-ms", nargs="+", metavar="DATASET:MODEL=MS",
        help="median step times from benchmarks/step_time.py, e.g. mnist:cnn=1.9 mnist:fcn=3.1",
    )  # fmt: skip
    est.add_argument("--profile", default="paper", help="the profile to estimate (default paper)")
    est.add_argument("--experiment", default="all", help="an experiment name or all")
    est.add_argument("--dataset", default="all", help="mnist, cifar10 or all")
    args = parser.parse_args(argv)
    try:
        if args.measured:
            if not Path(args.measured).is_dir():
                raise ValueError(f"no results store at {args.measured}")
            rates = measured_seconds_per_image(args.measured)
            basis = "per-epoch times (training and evaluation) measured in " + args.measured
        else:
            rates = seconds_per_image_from_steps(_parse_step_ms(args.step_ms), args.profile)
            basis = "training-step times only (evaluation not included: a lower bound per epoch)"
        table = estimate_hours(rates, args.profile, args.experiment, args.dataset)
    except ValueError as exc:
        print(f"python -m lithm.cluster estimate: error: {exc}", file=sys.stderr)
        return 2
    print(f"Estimated hours at the {args.profile} profile, one run per device, every run to its")
    print(f"last epoch (no early stopping: an upper bound on epochs). Basis: {basis}.\n")
    for (dataset, model), rate in sorted(rates.items()):
        if isinstance(rate, Mapping):
            print(
                f"  {dataset}/{model}: {rate['seconds_per_image'] * 1e3:.3f} ms per training "
                f"image, median of {rate['epochs']} epochs on {rate['device']}, "
                f"{rate['threads']} thread(s)"
            )
        else:
            print(f"  {dataset}/{model}: {rate * 1e3:.3f} ms per training image")
    print()
    print(_format(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
