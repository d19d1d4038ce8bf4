"""The book profile's run options, kept models, convergence and progress (issue: evidence that
finished learning)."""

import pytest
import torch

from lithm.augment import augment, evaluation_transforms
from lithm.config import RunConfig
from lithm.convergence import convergence, convergence_sentences, convergence_table
from lithm.data import synthetic_dataset
from lithm.runner import keeps_model, run_grid, status, status_totals
from lithm.store import ResultsStore
from lithm.train import train


def _tiny(**changes):
    base = dict(
        dataset="mnist", model="cnn", epochs=1, patience=None, batch_size=32, n_folds=2,
        subset=128,
    )  # fmt: skip
    base.update(changes)
    return RunConfig(**base)


@pytest.mark.parametrize(
    ("field", "bad"), [("edge_pattern", "border"), ("rotation_center", "middle")]
)
def test_run_options_are_checked(field, bad):
    with pytest.raises(ValueError, match="valid values"):
        _tiny(**{field: bad})


def test_the_authors_edge_noise_pattern_trains_differently_from_the_frame():
    x = torch.zeros(16, 1, 28, 28)
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    frame = augment(x, "edge-noise", 0.5, gen(), edge_pattern="frame")
    code = augment(x, "edge-noise", 0.5, gen(), edge_pattern="code")
    # frame: the interior of every image is clean; code: batch items 0-4 are noisy everywhere
    assert (frame[:, :, 5:-5, 5:-5] == 0).all()
    assert (code[0, :, 5:-5, 5:-5] != 0).all()
    # code: items 5..B-6 are noisy on their top/bottom rows only, not on their left/right border
    assert (code[8, :, 5:-5, :] == 0).all() and (code[8, :, :5, :] != 0).all()
    data = synthetic_dataset("mnist", 160)
    runs = [
        train(_tiny(augmentation="edge-noise", level=0.5, edge_pattern=p), data=data,
              progress=False)["history"][0]["acc"]
        for p in ("frame", "code")
    ]  # fmt: skip
    assert runs[0] != runs[1]


def test_keras_rotation_centre_differs_from_the_image_centre():
    x = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    image = augment(x, "rotation", 0.25, gen(), rotation_center="image")
    keras = augment(x, "rotation", 0.25, gen(), rotation_center="keras")
    assert not torch.allclose(image, keras)
    default, authors = evaluation_transforms(), evaluation_transforms("code", "keras")
    assert not torch.allclose(default["rotation"](x, gen()), authors["rotation"](x, gen()))
    assert default["swap"] is authors["swap"]


def test_transformed_evaluations_use_a_fixed_subset_clean_validation_the_whole_fold():
    data = synthetic_dataset("mnist", 400)
    whole = train(_tiny(subset=400), data=data, progress=False)
    part = train(_tiny(subset=400, eval_subset=50), data=data, progress=False)
    a, b = whole["history"][0], part["history"][0]
    assert a["val_acc"] == b["val_acc"] and a["acc"] == b["acc"], "training is unchanged"
    # scores on 50 images are multiples of 1/50
    assert all(abs(b[k] * 50 - round(b[k] * 50)) < 1e-9 for k in ("translation", "swap"))
    # the subset is the same for every run of the fold: paired comparisons
    fcn = train(_tiny(subset=400, eval_subset=50, model="fcn"), data=data, progress=False)
    assert fcn["history"][0]["swap"] >= 0.0


def test_kept_model_loads_with_weights_only_and_predicts_like_the_trained_one(tmp_path):
    data = synthetic_dataset("mnist", 480)
    assert keeps_model(_tiny(fold=0)) and not keeps_model(_tiny(fold=1))
    assert not keeps_model(_tiny(model="fcn", init="conv"))
    run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False,
             levels=(0.0,))  # fmt: skip
    store = ResultsStore(tmp_path)
    config = next(c for c in store.records() if c["config"]["model"] == "fcn")["config"]
    config = RunConfig.from_dict(config)
    path = store.model_path(config)
    assert path.exists() and path.stat().st_size < 10e6, "float16: about 8 MB for the MNIST FCN"
    state = torch.load(path, weights_only=True)
    assert all(v.dtype == torch.float16 for v in state.values() if v.is_floating_point())
    net = store.load_model(config)
    x = torch.rand(8, 1, 28, 28)
    trained = train(config, data=data, progress=False, keep_model=True)
    again = {k: v.float() for k, v in trained["artifacts"]["model"].items()}
    reference = store.load_model(config)
    reference.load_state_dict(again)
    assert torch.allclose(net(x), reference(x))
    with pytest.raises(FileNotFoundError, match="runs with weights"):
        store.load_model(_tiny(fold=1, epochs=3))


def _record(values, stopped=False, patience=3):
    config = _tiny(patience=patience, epochs=50)
    return {
        "config": config.to_dict(), "run_id": config.run_id,
        "history": [{"epoch": i + 1, "val_acc": v} for i, v in enumerate(values)],
        "summary": {"stopped_early": stopped, "finished": True},
    }  # fmt: skip


def test_convergence_states():
    assert convergence(_record([0.5, 0.9, 0.9, 0.9, 0.9], stopped=True)) == "stopped by patience"
    assert convergence(_record([0.5, 0.9, 0.9, 0.9, 0.9])) == "flat"
    assert convergence(_record([0.5, 0.6, 0.7, 0.8, 0.9])) == "still learning"
    assert convergence(_record([0.5, 0.9])) == "still learning", "too short to tell"


def test_convergence_table_counts_per_dataset(tmp_path):
    store = ResultsStore(tmp_path)
    store.write(_record([0.5, 0.9, 0.9, 0.9, 0.9], stopped=True))
    other = _record([0.1, 0.2, 0.3, 0.4, 0.5])
    other["config"]["fold"] = 1
    other["run_id"] = RunConfig.from_dict(other["config"]).run_id
    store.write(other)
    cifar = _record([0.1, 0.3, 0.3, 0.3, 0.3], stopped=True)
    cifar["config"]["dataset"] = "cifar10"
    cifar["run_id"] = RunConfig.from_dict(cifar["config"]).run_id
    store.write(cifar)
    table = convergence_table(tmp_path)
    assert table["dataset"].tolist() == ["mnist", "cifar10"], "book order"
    row = table.iloc[0]
    assert (row["runs"], row["converged"], row["percent"]) == (2, 1, 50.0)
    assert table.attrs["unconverged"] == [other["run_id"]]


def test_convergence_sentences_put_mnist_first():
    import pandas as pd

    def row(ds):
        return {"dataset": ds, "runs": 2, "stopped by patience": 2, "flat": 0,
                "still learning": 0, "converged": 2, "percent": 100.0}  # fmt: skip

    lines = convergence_sentences(pd.DataFrame([row("cifar10"), row("mnist")]))
    assert [line.split(":")[0] for line in lines] == ["MNIST", "CIFAR-10"]


def test_status_estimates_the_time_left_from_finished_runs(tmp_path):
    data = synthetic_dataset("mnist", 480)
    before = status_totals("smoke", tmp_path)
    assert before["done"] == 0 and before["hours_left"] is None
    run_grid("translation", "smoke", "mnist", results=tmp_path, data=data, progress=False)
    rows = {(r["experiment"], r["dataset"]): r for r in status("smoke", tmp_path)}
    assert rows["translation", "mnist"]["missing"] == 0
    assert rows["noise", "mnist"]["hours_left"] > 0, "estimated from the finished runs"
    assert rows["translation", "mnist"]["cpu_hours"] > 0
    assert rows["translation", "cifar10"]["hours_left"] is None, "no CIFAR-10 run to go by"
    grid_only = status_totals("smoke", tmp_path)
    assert grid_only["outside"] == [] and grid_only["done"] > 0
    # an ad-hoc run at another scale in the same folder is named, not counted
    adhoc = run_grid("translation", "smoke", "mnist", results=tmp_path, data=data,
                     progress=False, levels=(0.0,), seed=1)  # fmt: skip
    totals = status_totals("smoke", tmp_path)
    assert totals["outside"] == list(adhoc["run_id"]) and len(adhoc) == 2
    assert totals["done"] == grid_only["done"]


def test_status_has_no_row_for_what_the_profile_does_not_train(tmp_path):
    rows = {(r["experiment"], r["dataset"]) for r in status("book", tmp_path)}
    assert ("init", "mnist") in rows
    assert ("init", "cifar10") not in rows  # the book profile's sixth budget cut
