"""Tests for lithm.quadrants: the replace-don't-move control of the quadrant swap (§5.5)."""

import pandas as pd
import torch
from torch import nn

from lithm.augment import quadrant_swap
from lithm.config import RunConfig
from lithm.data import synthetic_dataset
from lithm.quadrants import (
    KINDS,
    describe_probe,
    held_out,
    partners,
    pixel_changes,
    probe,
    replace_quadrants,
    stored_held_out,
)


def test_replace_quadrants_against_explicit_blocks():
    x = torch.rand(3, 2, 6, 6, generator=torch.Generator().manual_seed(0))
    partner = torch.tensor([2, 0, 1])
    r = replace_quadrants(x, partner)
    for i, j in enumerate(partner.tolist()):
        assert torch.equal(r[i, :, :3, 3:], x[j, :, :3, 3:])  # I from the partner
        assert torch.equal(r[i, :, 3:, :3], x[j, :, 3:, :3])  # III from the partner
        assert torch.equal(r[i, :, :3, :3], x[i, :, :3, :3])  # II kept
        assert torch.equal(r[i, :, 3:, 3:], x[i, :, 3:, 3:])  # IV kept
    # replacing from itself changes nothing; the swap is not a replacement
    assert torch.equal(replace_quadrants(x, torch.arange(3)), x)
    assert not torch.equal(replace_quadrants(x, partner), quadrant_swap(x))


def test_partners_keep_or_change_the_class():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    same, other = partners(labels, True, seed=3), partners(labels, False, seed=3)
    assert torch.equal(labels[same], labels) and (same[:5] != torch.arange(5)).all()
    assert same[5] == 5  # a class of one: the image itself
    assert (labels[other] != labels).all()
    assert torch.equal(partners(labels, True, seed=3), same)  # seeded


class _IgnoresIandIII(nn.Module):
    """Independent reference: a network that never looks at quadrants I and III."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(784, 10)

    def forward(self, x):
        x = x.clone()
        x[..., :14, 14:] = 0
        x[..., 14:, :14] = 0
        return self.linear(x.flatten(1))


def test_probe_of_a_network_that_ignores_the_changed_quadrants():
    data = synthetic_dataset("mnist", 120)
    torch.manual_seed(0)
    table = probe({"masked": _IgnoresIandIII()}, data.images, data.labels)
    acc = table.set_index("kind")["accuracy"]
    assert set(acc.index) == set(KINDS)
    assert acc["swap"] == acc["same class"] == acc["other class"] == acc["clean"]
    change = table.set_index("kind")["pixel change"]
    assert change["clean"] == 0 and change["swap"] > 0
    # independent reference for the pixel change: the swap moves two quadrants of 14 x 14 pixels
    x = data.images.float() / 255
    expected = float((quadrant_swap(x) - x).abs().mean())
    assert abs(pixel_changes(data.images, data.labels)["swap"] - expected) < 1e-6
    assert abs(change["swap"] - expected) < 1e-6


def _table(cnn, fcn, change=None):
    change = change or {"clean": 0.0, "swap": 0.1, "same class": 0.05, "other class": 0.1}
    rows = [{"model": m, "kind": k, "accuracy": v, "pixel change": change[k]}
            for m, accs in (("cnn", cnn), ("fcn", fcn)) for k, v in accs.items()]  # fmt: skip
    return pd.DataFrame(rows)


def test_describe_probe_readings():
    clean = {"clean": 0.95}
    kept = describe_probe(
        _table(
            {**clean, "swap": 0.5, "same class": 0.8, "other class": 0.3},
            {**clean, "swap": 0.35, "same class": 0.65, "other class": 0.2},
        )
    )
    assert "it does not need content to move" in kept[-1]
    assert "+0.150 under the swap" in kept[-2]
    gone = describe_probe(
        _table(
            {**clean, "swap": 0.5, "same class": 0.8, "other class": 0.3},
            {**clean, "swap": 0.35, "same class": 0.79, "other class": 0.3},
        )
    )
    assert "it needs content to move" in gone[-1] and "milder" not in gone[-1]
    none = describe_probe(
        _table(
            {**clean, "swap": 0.5, "same class": 0.8, "other class": 0.3},
            {**clean, "swap": 0.5, "same class": 0.8, "other class": 0.3},
        )
    )
    assert "nothing to explain" in none[-1]
    assert describe_probe(pd.DataFrame()) == ["No networks to probe."]


def test_held_out_recreates_the_class_split():
    from lithm.classroom import train_in_class

    data = synthetic_dataset("mnist", 300)
    run = train_in_class(data=data, scale="build", epochs=1, progress=False, models=("cnn",))
    images, labels = held_out(run, data=data)
    assert len(labels) == run.settings["n_val"] and images.dtype == torch.uint8
    config = RunConfig(dataset="mnist", model="cnn", n_folds=5, fold=1, subset=200)
    images, labels = stored_held_out(config, n=7, data=data)
    assert len(labels) == 7
