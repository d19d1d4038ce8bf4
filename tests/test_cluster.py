"""The Ray executor on a real (tiny) local Ray cluster, and the estimates of the paper's cost.

The cluster is started once for the module: 2 CPUs, a 100 MB object store, no dashboard. The grids
are the smoke profile on synthetic data with a small evaluation set, so each run takes seconds.
"""

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip(
    "ray", reason="the Ray executor tests need Ray: pip install -e '.[cluster]'"
)

from lithm.cluster import (  # noqa: E402
    RayExecutor,
    estimate_from_store,
    estimate_hours,
    main,
    seconds_per_image_from_steps,
    task_plan,
)
from lithm.config import RunConfig  # noqa: E402
from lithm.data import DataMissingError, synthetic_dataset  # noqa: E402
from lithm.runner import GridFailed, RunJob, grid, make_executor, run_grid  # noqa: E402
from lithm.store import ResultsStore  # noqa: E402

GRID = ("translation", "smoke", "mnist")
# Two runs (CNN and FCN, fold 0, clean) and a small held-out set: the per-epoch evaluations and
# the probes would dominate a smoke run otherwise.
FAST = {"eval_size": 48, "levels": (0.0,)}
# Four runs: two levels.
FOUR = {**FAST, "levels": (0.0, 0.5)}


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset("mnist", 480)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray of 2 CPUs for this module; the workers' checkpoints go to a temporary cache."""
    cache = tmp_path_factory.mktemp("worker-cache")
    # The job classes below live in this test module, which the workers cannot import by name.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LITHM_CACHE", str(cache))  # inherited by the workers Ray starts
        mp.delenv("RAY_ADDRESS", raising=False)
        mp.setenv("RAY_AUTH_MODE", "disabled")  # a throw-away local cluster needs no token
        ray.init(
            address="local",  # a new cluster, even if another runs on this machine
            num_cpus=2, num_gpus=0, include_dashboard=False, object_store_memory=100 * 2**20,
            log_to_driver=False,
        )  # fmt: skip
        try:
            yield cache
        finally:
            ray.shutdown()
            ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _numbers(record) -> dict:
    """Every number of a record's history and probes except timings, flattened by key path."""
    flat = {}

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*path, str(k)))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, (*path, str(i)))
        elif path[-1] not in ("seconds", "cpu_seconds"):
            flat["/".join(path)] = value

    walk({"history": record["history"], "probes": record["probes"]}, ())
    return flat


def test_ray_grid_matches_the_local_grid(tmp_path, data, cluster):
    shifted = {**FAST, "levels": (0.5,)}  # translated training: the augmentation's RNG too
    table = run_grid(*GRID, results=tmp_path / "ray", data=data, executor="ray", **shifted)
    local = run_grid(*GRID, results=tmp_path / "local", data=data, progress=False, **shifted)
    assert len(table) == len(local) == 2
    ray_store, local_store = ResultsStore(tmp_path / "ray"), ResultsStore(tmp_path / "local")
    for config in grid(*GRID, **shifted):
        got, want = ray_store.load(config), local_store.load(config)
        # Same seeds, same data: the same training, up to float rounding of other thread counts.
        assert len(got["history"]) == len(want["history"]) == 1
        assert _numbers(got) == pytest.approx(_numbers(want), rel=1e-4, abs=1e-6)
        assert got["provenance"]["device"] == "cpu"
        assert got["provenance"]["threads"] == 1, "torch threads = the task's CPUs"
    fcn = grid(*GRID, **shifted)[1]
    assert fcn.model == "fcn" and fcn.fold == 0
    np.testing.assert_allclose(ray_store.kernels(fcn), local_store.kernels(fcn), atol=1e-3)
    assert not list(Path(cluster).rglob("*.pt")), "finished runs leave no checkpoint"


@dataclasses.dataclass
class CrashOnce(RunJob):
    """Kills its own worker process on the first attempt at one run (a dying node)."""

    marker: str = ""
    victim: str = ""

    def __call__(self, config):
        if config.run_id == self.victim and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)
        return super().__call__(config)


class CrashingExecutor(RayExecutor):
    def __init__(self, marker, victim, **options):
        super().__init__(**options)
        self.marker, self.victim = marker, victim

    def run(self, configs, job):
        job = CrashOnce(**vars(job), marker=str(self.marker), victim=self.victim)
        return super().run(configs, job)


def test_a_dead_worker_is_retried_and_loses_no_run(tmp_path, data, cluster):
    victim = grid(*GRID, **FAST)[1]
    executor = CrashingExecutor(
        tmp_path / "crashed", victim.run_id, max_retries=1, retry_exceptions=0, progress=False
    )
    table = run_grid(*GRID, results=tmp_path / "r", data=data, executor=executor, **FAST)
    assert (tmp_path / "crashed").exists(), "the worker was killed once"
    assert len(table) == 2 and ResultsStore(tmp_path / "r").has(victim)
    assert executor.status.done == 2 and executor.status.failed == 0


@dataclasses.dataclass
class Failing(RunJob):
    """Always raises for two runs (a bug, and a missing dataset), logging every attempt."""

    log: str = ""
    buggy: str = ""
    no_data: str = ""

    def __call__(self, config):
        if config.run_id in (self.buggy, self.no_data):
            with open(self.log, "a") as fh:
                fh.write(config.run_id + "\n")
            if config.run_id == self.buggy:
                raise RuntimeError("boom")
            raise DataMissingError("MNIST not found on this node")
        return super().__call__(config)


class FailingExecutor(RayExecutor):
    def __init__(self, failing, **options):
        super().__init__(**options)
        self.failing = failing

    def run(self, configs, job):
        return super().run(configs, Failing(**vars(job), **self.failing))


def test_a_failing_run_is_reported_after_bounded_retries(tmp_path, data, cluster):
    configs = grid(*GRID, **FOUR)
    buggy, no_data = configs[0], configs[3]
    seen = []
    executor = FailingExecutor(
        {"log": str(tmp_path / "attempts"), "buggy": buggy.run_id, "no_data": no_data.run_id},
        retry_exceptions=2,
        progress=lambda status: seen.append(dataclasses.replace(status)),
    )
    with pytest.raises(GridFailed) as info:
        run_grid(*GRID, results=tmp_path / "r", data=data, executor=executor, **FOUR)
    assert set(info.value.failures) == {buggy.run_id, no_data.run_id}
    assert info.value.failures[buggy.run_id] == "RuntimeError: boom"
    assert "MNIST not found" in info.value.failures[no_data.run_id]
    attempts = (tmp_path / "attempts").read_text().split()
    assert attempts.count(buggy.run_id) == 3, "1 attempt + retry_exceptions=2"
    assert attempts.count(no_data.run_id) == 1, "a missing dataset is not retried"
    store = ResultsStore(tmp_path / "r")
    assert len(store) == 2 and store.has(configs[1]) and store.has(configs[2])
    last = seen[-1]
    assert (last.done, last.failed, last.retried, last.running) == (2, 2, 2, 0)


class StopsAfter(RayExecutor):
    """The driver 'dies' after receiving ``after`` results."""

    def __init__(self, after, **options):
        super().__init__(**options)
        self.after = after

    def run(self, configs, job):
        for i, item in enumerate(super().run(configs, job)):
            if i == self.after:
                raise KeyboardInterrupt
            yield item


def test_a_stopped_driver_loses_no_run_and_the_grid_resumes(tmp_path, data, cluster):
    with pytest.raises(KeyboardInterrupt):
        run_grid(*GRID, results=tmp_path, data=data, executor=StopsAfter(1, progress=False), **FAST)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    assert len(before) == 1
    again = RayExecutor(progress=False)
    table = run_grid(*GRID, results=tmp_path, data=data, executor=again, **FAST)
    assert len(table) == 2
    assert again.status.total == 1 and again.status.done == 1, "only the missing run"
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    assert all(after[name] == stamp for name, stamp in before.items())


def test_without_shipping_the_workers_load_from_their_data_folder(tmp_path, data, cluster):
    from lithm import data as lithm_data

    x = data.images.permute(0, 2, 3, 1).squeeze(-1).numpy()  # (N, H, W) uint8, as mnist.npz
    y, n = data.labels.numpy(), data.n_train
    np.savez(tmp_path / "mnist.npz", x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])
    config = grid(*GRID, **FAST)[0]
    executor = RayExecutor(ship_data=False, progress=False)
    [(got, record)] = list(executor.run([config], RunJob(data_dir=str(tmp_path))))
    assert got == config and record["run_id"] == config.run_id, record
    assert not any(key[0] == str(tmp_path.resolve()) for key in lithm_data._CACHE), (
        "the driver never loaded the dataset: the worker did"
    )


# ------------------------------------------------------------------------------------------------
# Without a cluster


def test_without_ray_the_package_works_and_the_executor_says_how_to_install(monkeypatch):
    code = (
        "import sys; sys.modules['ray'] = None\n"  # import ray now raises ImportError
        "import lithm, lithm.runner, lithm.cluster\n"
        "try:\n"
        "    lithm.runner.make_executor('ray')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "pip install -e '.[cluster]'" in done.stdout
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[cluster\]'"):
        make_executor("ray", address="auto")


def test_task_plan_asks_for_a_gpu_when_the_cluster_has_them():
    gpu = task_plan({"CPU": 32.0, "GPU": 8.0}, device="auto")
    assert (gpu.gpus, gpu.cpus, gpu.concurrency, gpu.device) == (1, 1, 8, "cuda")
    assert task_plan({"CPU": 32.0, "GPU": 8.0}, gpus_per_run=0.5).concurrency == 16
    cpu = task_plan({"CPU": 6.0}, cpus_per_run=2)
    assert (cpu.gpus, cpu.cpus, cpu.concurrency, cpu.device) == (0, 2, 3, "cpu")
    assert task_plan({"CPU": 6.0}, concurrency=1).concurrency == 1
    with pytest.raises(ValueError, match="needs GPUs"):
        task_plan({"CPU": 4.0}, device="cuda")
    with pytest.raises(ValueError, match="contradicts"):
        task_plan({"CPU": 4.0, "GPU": 1.0}, device="cpu", gpus_per_run=1)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"concurrency": 0}, "concurrency"),
        ({"cpus_per_run": 0}, "cpus_per_run"),
        ({"gpus_per_run": -1}, "gpus_per_run"),
        ({"max_retries": -1}, "max_retries"),
        ({"retry_exceptions": 1.5}, "retry_exceptions"),
    ],
)
def test_bad_options_are_named(options, match):
    with pytest.raises(ValueError, match=match):
        RayExecutor(**options)


def _record(config: RunConfig, seconds: float, epochs: int) -> dict:
    history = [{"epoch": e + 1, "seconds": seconds} for e in range(epochs)]
    return {
        "config": config.to_dict(), "run_id": config.run_id, "history": history,
        "summary": {"finished": True}, "provenance": {"device_name": "testcpu", "threads": 1},
    }  # fmt: skip


def test_estimate_from_store_extrapolates_measured_epochs(tmp_path, capsys):
    store = ResultsStore(tmp_path)
    book = {"n_folds": 5, "subset": 6000, "batch_size": 128, "epochs": 2, "patience": None}
    store.write(_record(RunConfig(dataset="mnist", model="cnn", **book), 4.736, 2))
    store.write(_record(RunConfig(dataset="mnist", model="fcn", fold=1, **book), 9.472, 2))
    table = estimate_from_store(tmp_path, "paper", experiments="translation", datasets="mnist")
    # Book epoch: 4,800 training images -> 37 batches of 128 = 4,736 images: 1 ms per image (CNN),
    # 2 ms (FCN). Paper: 56,000 training images -> 218 batches of 256; 11 levels x 5 folds per
    # model, 250 epochs each, no early stopping.
    per_model_epochs = 11 * 5 * 250
    want = per_model_epochs * 218 * 256 * (1e-3 + 2e-3) / 3600
    row = table.iloc[0]
    assert (row.experiment, row.dataset, row.runs, row.epochs) == (
        "translation",
        "mnist",
        110,
        2 * per_model_epochs,
    )
    assert row.hours == pytest.approx(want)
    assert main(["estimate", "--measured", str(tmp_path), "--dataset", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "testcpu" in out and "1.000 ms per training image" in out
    assert f"{want:,.1f}" in out


def test_estimate_from_step_times_and_unmeasured_models(capsys):
    rates = seconds_per_image_from_steps({("mnist", "cnn"): 0.0512, ("cifar", "fcn"): 0.0128})
    assert rates == {("mnist", "cnn"): 0.0512 / 256, ("cifar10", "fcn"): 0.0128 / 128}
    table = estimate_hours(rates, experiments=["connections"])
    by = {(r.experiment, r.dataset): r.hours for r in table.itertuples()}
    assert math.isnan(by[("connections", "mnist")]), "no FCN time for MNIST: not measured"
    assert by[("connections", "cifar10")] == pytest.approx(105 * 500 * 375 * 128 * 1e-4 / 3600)
    assert main(["estimate", "--step-ms", "mnist:cnn=51.2", "--experiment", "translation"]) == 0
    assert "training-step times only" in capsys.readouterr().out
    assert main(["estimate", "--step-ms", "mnist-cnn=3"]) == 2
    with pytest.raises(ValueError, match="valid values"):
        estimate_hours(rates, experiments="shifts")
