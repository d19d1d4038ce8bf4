import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from lithm.data import synthetic_dataset
from lithm.runner import GridFailed, LocalExecutor, grid, request_stop, run_grid, stop_file
from lithm.store import ResultsStore


def test_grid_runs_only_what_is_missing(tmp_path, tiny_mnist):
    data = synthetic_dataset("mnist", 480)
    table = run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(table) == 4 and set(table["level"]) == {0.0, 0.5}
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    again = run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(again) == 4
    assert stamps == {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    # the noise grid reuses the two clean runs and trains only the two noisy ones
    noise = run_grid("noise", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(noise) == 4 and len(list(tmp_path.glob("*.json"))) == 6
    kept = list((tmp_path / "artifacts").glob("*.npz"))
    assert len(kept) == 3, "final kernels of the fold-0 FCNs"


class _Interrupting(LocalExecutor):
    def __init__(self, after):
        self.after = after

    def run(self, configs, job):
        for i, item in enumerate(super().run(configs, job)):
            if i == self.after:
                raise KeyboardInterrupt
            yield item


def test_interrupted_grid_keeps_finished_runs(tmp_path):
    data = synthetic_dataset("mnist", 480)
    with pytest.raises(KeyboardInterrupt):
        run_grid(
            "translation",
            "smoke",
            "mnist",
            results=tmp_path,
            data=data,
            executor=_Interrupting(after=2),
            progress=False,
        )
    assert len(ResultsStore(tmp_path)) == 2
    table = run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(table) == 4


class _StopAfterFirst(LocalExecutor):
    """Another process asks for a stop while this one trains its first run."""

    def run(self, configs, job):
        for config, outcome in super().run(configs, job):
            request_stop(job.store_dir)
            yield config, outcome


def test_stop_file_ends_the_grid_between_runs_and_keeps_the_current_run(tmp_path, capsys):
    data = synthetic_dataset("mnist", 480)
    table = run_grid(
        "translation", "smoke", "mnist", results=tmp_path, data=data,
        executor=_StopAfterFirst(), progress=False,
    )  # fmt: skip
    assert len(table) == 1 and len(ResultsStore(tmp_path)) == 1
    assert "stopped between runs" in capsys.readouterr().out
    # while the file is there no run starts; once deleted the grid goes on where it stopped
    run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(ResultsStore(tmp_path)) == 1
    stop_file(tmp_path).unlink()
    table = run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    assert len(table) == 4


def test_cli_stop_writes_and_removes_the_stop_file(tmp_path, capsys):
    from lithm.cli import main

    assert main(["stop", "--profile", "smoke", "--results", str(tmp_path)]) == 0
    folder = tmp_path / "smoke"
    assert stop_file(folder).exists()
    assert "returns" in capsys.readouterr().out
    assert main(["stop", "--profile", "smoke", "--results", str(tmp_path), "--undo"]) == 0
    assert not stop_file(folder).exists()


class _Failing(LocalExecutor):
    def run(self, configs, job):
        for config, outcome in super().run(configs, job):
            yield config, (RuntimeError("boom") if config.model == "fcn" else outcome)


def test_failed_runs_are_reported_and_the_others_stored(tmp_path):
    data = synthetic_dataset("mnist", 480)
    with pytest.raises(GridFailed, match="2 run\\(s\\) failed") as info:
        run_grid(
            "translation",
            "smoke",
            "mnist",
            results=tmp_path,
            data=data,
            executor=_Failing(),
            progress=False,
        )
    assert all("boom" in v for v in info.value.failures.values())
    assert len(ResultsStore(tmp_path)) == 2


def test_grid_of_all_experiments_deduplicates():
    runs = grid("all", "smoke", "mnist")
    assert len(runs) == len({r.run_id for r in runs})


def test_missing_dataset_fails_before_training(tmp_path):
    from lithm.data import DataMissingError

    with pytest.raises(DataMissingError, match="LITHM_DATA"):
        run_grid(
            "translation",
            "smoke",
            "mnist",
            results=tmp_path / "r",
            data_dir=tmp_path / "nothing-here",
            progress=False,
        )
    assert not (tmp_path / "r").exists()


def _write_npz(folder, data):
    x = data.images.permute(0, 2, 3, 1).squeeze(-1).numpy()
    y = data.labels.numpy()
    n = data.n_train
    np.savez(folder / "mnist.npz", x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])


def test_killed_cli_grid_loses_no_finished_run(tmp_path):
    """SIGKILL the command half-way through a grid, start it again: nothing finished is redone."""
    _write_npz(tmp_path, synthetic_dataset("mnist", 480))
    env = {**os.environ, "LITHM_DATA": str(tmp_path), "LITHM_CACHE": str(tmp_path / "cache")}
    cmd = [
        sys.executable,
        "-m",
        "lithm.cli",
        "run",
        "translation",
        "--profile",
        "smoke",
        "--dataset",
        "mnist",
        "--results",
        str(tmp_path / "res"),
        "--quiet",
        "--threads",
        "1",
    ]
    store = tmp_path / "res" / "smoke"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(store.glob("*.json"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in store.glob("*.json")}
    assert 2 <= len(before) <= 4
    for path in store.glob("*.json"):
        json.loads(path.read_text())  # every file on disk is complete
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = {p.name: p.stat().st_mtime_ns for p in store.glob("*.json")}
    assert len(after) == 4
    assert all(after[name] == stamp for name, stamp in before.items())


def test_estimate_reads_the_nearest_stored_level_and_pools_ties():
    from lithm.config import RunConfig
    from lithm.runner import estimate_seconds

    def done(level, seconds, aug="translation"):
        return (RunConfig("cifar10", "fcn", aug, level), {"summary": {"seconds": seconds}})

    finished = [done(0.0, 50.0, "none"), done(0.1, 100.0), done(0.3, 300.0), done(0.4, 400.0)]
    assert estimate_seconds(finished, RunConfig("cifar10", "fcn", "translation", 0.9)) == 400.0
    # 0.2 lies as near 0.1 as 0.3: the median of both levels' runs
    assert estimate_seconds(finished, RunConfig("cifar10", "fcn", "translation", 0.2)) == 200.0
    # a clean run is estimated from clean runs only, never from translated ones
    assert estimate_seconds(finished, RunConfig("cifar10", "fcn", "none", 0.0)) == 50.0
