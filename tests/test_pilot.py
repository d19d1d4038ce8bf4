"""The pilot that sized a profile (lithm.pilot): its table, projection and the check against it."""

import math

import pytest

from lithm import pilot as pilot_module
from lithm.data import synthetic_dataset
from lithm.experiments import pilot
from lithm.pilot import pilot_summary, pilot_table, projected_cost, projection_check
from lithm.runner import run_cpu_seconds, run_grid
from lithm.store import ResultsStore


@pytest.fixture(scope="module")
def smoke_store(tmp_path_factory):
    """The MNIST pilot and translation runs of the smoke profile, trained once."""
    root = tmp_path_factory.mktemp("results") / "smoke"
    data = synthetic_dataset("mnist", 480)
    for experiment in ("pilot", "translation"):
        run_grid(experiment, "smoke", "mnist", results=root, data=data, progress=False)
    return ResultsStore(root)


def test_pilot_table_reads_every_stored_pilot_run(smoke_store):
    table = pilot_table("smoke", smoke_store)
    assert len(table) == len(pilot("smoke", "mnist")) == 4
    assert table.attrs["missing"] == len(pilot("smoke", "cifar10")), "no CIFAR-10 run stored"
    assert (table["cap"] == 1).all() and (table["cpu_s_per_epoch"] > 0).all()


def test_projected_cost_is_runs_times_epochs_times_seconds(smoke_store):
    cost = projected_cost("smoke", smoke_store).set_index(["dataset", "model"])
    row = cost.loc[("mnist", "fcn")]
    assert row["cpu_hours"] == pytest.approx(
        row["runs"] * row["pilot_epochs"] * row["cpu_s_per_epoch"] / 3600
    )
    assert math.isnan(cost.loc[("cifar10", "cnn"), "cpu_hours"]), "no CIFAR-10 pilot run"
    assert "4 pilot runs are not stored yet" in pilot_summary("smoke", smoke_store)


def test_projection_check_sets_the_measured_time_beside_the_projection(smoke_store):
    cost = projected_cost("smoke", smoke_store).set_index(["dataset", "model"])
    per_run = cost["pilot_epochs"] * cost["cpu_s_per_epoch"]
    runs = [c for c in pilot_module.expand_all("smoke") if smoke_store.load(c) is not None]
    measured = sum(run_cpu_seconds(smoke_store.load(c)) for c in runs)
    projected = sum(per_run[(c.dataset, c.model)] for c in runs)
    text = projection_check("smoke", smoke_store)
    assert text.startswith(f"Measured: the {len(runs)} stored runs of the grid took")
    assert f"{measured / projected:.2f} times the" in text
    assert "estimates" not in text, "no CIFAR-10 run: lithm status cannot estimate the rest"


@pytest.mark.parametrize(
    ("totals", "words"),
    [
        # the budget counts core-hours (wall-clock x threads), not CPU time
        (
            {"missing": 0, "hours_left": 0.0, "core_hours": 29.0, "cpu_hours": 24.0},
            "took 29.0 core-hours (wall-clock × threads; 24.0 CPU-hours), within",
        ),
        (
            {"missing": 0, "hours_left": 0.0, "core_hours": 31.0, "cpu_hours": 24.0},
            "took 31.0 core-hours (wall-clock × threads; 24.0 CPU-hours), over",
        ),
        (
            {"missing": 3, "hours_left": 2.5, "core_hours": 28.0, "cpu_hours": 20.0},
            "30.5 core-hours in all: over the budget",
        ),
    ],
)
def test_projection_check_compares_the_total_with_the_budget(smoke_store, monkeypatch, totals,
                                                             words):  # fmt: skip
    import lithm.runner

    fake = {"runs": 10, "done": 10 - totals["missing"], "outside": [], "hours": 1.0, **totals}
    monkeypatch.setattr(lithm.runner, "grid_status", lambda profile, results: ([], fake))
    assert words in projection_check("smoke", smoke_store, budget=30)
