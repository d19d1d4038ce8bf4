import pytest

from lithm.config import RunConfig, canonical_dataset


def test_run_id_is_stable_and_content_derived():
    a = RunConfig(dataset="mnist", model="fcn", augmentation="translation", level=0.3, fold=2)
    b = RunConfig(
        dataset="MNIST", model="fcn", augmentation="translation", level=0.30000001, fold=2
    )
    assert a.run_id == b.run_id
    assert a.run_id.startswith("mnist-fcn-translation0.30-f2of5-")
    assert a.run_id != a.replace(fold=1).run_id
    assert a.run_id != a.replace(epochs=3).run_id


def test_zero_level_is_one_shared_clean_run():
    ids = {
        RunConfig(dataset="mnist", model="cnn", augmentation=kind, level=0.0).run_id
        for kind in ("none", "translation", "noise", "edge-noise", "rotation")
    }
    assert len(ids) == 1


def test_run_seed_ignores_scale_only_fields():
    a = RunConfig(dataset="cifar10", model="cnn", epochs=3)
    assert a.run_seed == a.replace(epochs=10, patience=None, eval_size=100).run_seed
    assert a.run_seed != a.replace(fold=1).run_seed


def test_roundtrip_through_dict():
    a = RunConfig(dataset="cifar", model="fcn", connection_mode="input", connection_prob=0.5)
    assert RunConfig.from_dict(a.to_dict()) == a
    with pytest.raises(ValueError, match="unknown run configuration keys"):
        RunConfig.from_dict({**a.to_dict(), "colour": "red"})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dataset": "svhn"}, "valid datasets: mnist, cifar10"),
        ({"model": "mlp"}, "valid values: 'cnn', 'fcn'"),
        ({"augmentation": "blur", "level": 0.1}, "unknown augmentation"),
        ({"level": 1.0}, r"level must be in \[0, 1\)"),
        ({"fold": 5}, "fold must be in 0 … 4"),
        ({"model": "cnn", "connection_mode": "synapse", "connection_prob": 0.5}, "model='fcn'"),
        ({"subset": 3}, "subset must hold"),
    ],
)
def test_bad_values_name_the_problem(changes, message):
    base = {"dataset": "mnist", "model": "fcn"}
    with pytest.raises(ValueError, match=message):
        RunConfig(**{**base, **changes})


def test_canonical_dataset_aliases():
    assert canonical_dataset("CIFAR-10") == "cifar10"
