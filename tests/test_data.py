"""Tests for lithm.data: loading, the paper's KFold folds (protocol §2), subsets, synthetic data."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from lithm.data import (
    DataMissingError,
    ImageData,
    fold_indices,
    load_dataset,
    resolve_data_dir,
    split,
    stratified_subset,
    synthetic_dataset,
    to_float,
)

# --------------------------------------------------------------------------------------------------
# Folds


def test_fold_indices_are_sklearn_kfold_blocks():
    # KFold(n_splits=3) on 11 samples: block sizes 4, 4, 3, in order, no shuffling.
    expected_val = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    for fold, val in enumerate(expected_val):
        train_idx, val_idx = fold_indices(11, n_folds=3, fold=fold)
        assert val_idx.tolist() == val
        assert train_idx.tolist() == [i for i in range(11) if i not in val]
        assert train_idx.dtype == val_idx.dtype == torch.int64


def test_paper_folds_for_mnist():
    # protocol §2: 56,000 / 14,000 per fold; the last fold is indices 56,000-69,999.
    train_idx, val_idx = fold_indices(70_000, 5, 4)
    assert len(train_idx) == 56_000 and len(val_idx) == 14_000
    assert val_idx[0] == 56_000 and val_idx[-1] == 69_999


@pytest.mark.parametrize("n,k", [(10, 2), (11, 3), (17, 5), (23, 4)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_folds_partition_range(n, k, shuffle):
    vals = []
    for fold in range(k):
        train_idx, val_idx = fold_indices(n, k, fold, shuffle=shuffle, seed=3)
        assert sorted(train_idx.tolist() + val_idx.tolist()) == list(range(n))
        vals.extend(val_idx.tolist())
    assert sorted(vals) == list(range(n))  # every sample is held out exactly once


def test_shuffled_folds_are_seeded():
    a = fold_indices(50, 5, 2, shuffle=True, seed=1)[1]
    b = fold_indices(50, 5, 2, shuffle=True, seed=1)[1]
    c = fold_indices(50, 5, 2, shuffle=True, seed=2)[1]
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a, fold_indices(50, 5, 2)[1])


def test_fold_indices_rejects_bad_arguments():
    with pytest.raises(ValueError, match="fold must be in"):
        fold_indices(10, 5, 5)
    with pytest.raises(ValueError, match="fold must be in"):
        fold_indices(10, 5, -1)
    with pytest.raises(ValueError, match="at least 2"):
        fold_indices(10, 1, 0)
    with pytest.raises(ValueError, match="cannot split"):
        fold_indices(3, 5, 0)
    with pytest.raises(TypeError, match="integer"):
        fold_indices(10.0, 5, 0)


# --------------------------------------------------------------------------------------------------
# Subsets and split


def test_stratified_subset_keeps_proportions():
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    idx = stratified_subset(labels, 10, seed=0)
    assert torch.bincount(labels[idx]).tolist() == [5, 3, 2]
    # Quotas 3.5, 2.1, 1.4 -> largest remainder gives the extra sample to class 0.
    idx = stratified_subset(labels, 7, seed=0)
    assert torch.bincount(labels[idx]).tolist() == [4, 2, 1]
    assert len(set(idx.tolist())) == 7


def test_stratified_subset_is_seeded_and_shuffled():
    labels = torch.arange(1000) % 10
    a = stratified_subset(labels, 200, seed=5)
    assert torch.equal(a, stratified_subset(labels, 200, seed=5))
    assert not torch.equal(a, stratified_subset(labels, 200, seed=6))
    assert not torch.equal(a, a.sort().values)  # mixed order, not sorted


def test_stratified_subset_blocks_are_class_balanced():
    labels = torch.arange(1000) % 10
    idx = stratified_subset(labels, 500, seed=0)
    for fold in range(5):
        _, val = fold_indices(len(idx), 5, fold)
        counts = torch.bincount(labels[idx[val]], minlength=10)
        assert (counts - 10).abs().max() <= 2, counts.tolist()


def test_stratified_subset_everything():
    labels = torch.tensor([3, 1, 2, 1])
    assert stratified_subset(labels, None).tolist() == [0, 1, 2, 3]
    assert stratified_subset(labels, 10).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="positive"):
        stratified_subset(labels, 0)


def test_split_with_and_without_subset():
    data = synthetic_dataset("mnist", n=200, seed=0)
    train_idx, val_idx = split(data, 5, 1)
    assert val_idx.tolist() == list(range(40, 80))
    train_idx, val_idx = split(data, 5, 1, subset=100, seed=4)
    assert len(train_idx) == 80 and len(val_idx) == 20
    assert not set(train_idx.tolist()) & set(val_idx.tolist())
    chosen = stratified_subset(data.labels, 100, seed=4)
    assert set(train_idx.tolist()) | set(val_idx.tolist()) == set(chosen.tolist())
    assert torch.bincount(data.labels[val_idx], minlength=10).min() >= 1


def test_to_float():
    x = torch.tensor([[0, 128, 255]], dtype=torch.uint8)
    y = to_float(x)
    assert y.dtype == torch.float32
    assert torch.allclose(y, torch.tensor([[0.0, 128 / 255, 1.0]]))
    assert to_float(x, torch.float64).dtype == torch.float64
    assert x.tolist() == [[0, 128, 255]]  # input untouched
    with pytest.raises(TypeError, match="uint8"):
        to_float(y)


# --------------------------------------------------------------------------------------------------
# Loading


def _write_npz(path, x_train, y_train, x_test, y_test):
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def test_load_npz_nhwc(tmp_path):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    x_test = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    y_train = np.array([[0], [1], [2], [3], [4], [9]], dtype=np.uint8)  # Keras-style (N, 1)
    y_test = np.array([5, 6, 7, 8])
    _write_npz(tmp_path / "cifar10.npz", x_train, y_train, x_test, y_test)
    data = load_dataset("CIFAR", tmp_path, download=False)
    assert data.name == "cifar10" and data.n_train == 6 and len(data) == 10
    assert data.images.shape == (10, 3, 32, 32) and data.images.is_contiguous()
    assert data.images.dtype == torch.uint8 and data.labels.dtype == torch.int64
    # (N, H, W, C) -> (N, C, H, W), train first.
    assert np.array_equal(data.images[2].permute(1, 2, 0).numpy(), x_train[2])
    assert np.array_equal(data.images[7, 1].numpy(), x_test[1, :, :, 1])
    assert data.labels.tolist() == [0, 1, 2, 3, 4, 9, 5, 6, 7, 8]
    assert data.classes[0] == "airplane"
    assert load_dataset("cifar10", tmp_path) is data  # cached per folder and name


def test_load_npz_grey_nhw(tmp_path):
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    _write_npz(tmp_path / "mnist.npz", x_train, np.arange(5), x_test, np.array([7, 8]))
    data = load_dataset("mnist", tmp_path, download=False)
    assert data.shape == (1, 28, 28) and data.n_train == 5 and data.n_test == 2
    assert np.array_equal(data.images[:5, 0].numpy(), x_train)
    assert np.array_equal(data.images[5:, 0].numpy(), x_test)


def test_load_npz_wrong_shape(tmp_path):
    x = np.zeros((2, 30, 30), dtype=np.uint8)
    _write_npz(tmp_path / "mnist.npz", x, np.zeros(2, int), x, np.zeros(2, int))
    with pytest.raises(ValueError, match="28"):
        load_dataset("mnist", tmp_path, download=False)


def test_missing_data_message(tmp_path):
    with pytest.raises(DataMissingError) as info:
        load_dataset("mnist", tmp_path, download=False)
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    assert str(tmp_path.resolve()) in message
    assert "mnist.npz" in message and "x_train" in message and "MNIST/raw" in message
    assert "LITHM_DATA" in message and "data_dir" in message and "download" in message
    assert list(tmp_path.iterdir()) == []  # nothing created, nothing downloaded


def test_unknown_dataset():
    with pytest.raises(ValueError, match="mnist, cifar10"):
        load_dataset("imagenet")


def test_resolve_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("LITHM_DATA", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("LITHM_DATA")
    assert resolve_data_dir() == Path("data")


def test_load_uses_environment_folder(monkeypatch, tmp_path):
    x = np.zeros((3, 28, 28), dtype=np.uint8)
    _write_npz(tmp_path / "mnist.npz", x, np.array([1, 2, 3]), x[:1], np.array([4]))
    monkeypatch.setenv("LITHM_DATA", str(tmp_path))
    assert load_dataset("mnist", download=False).labels.tolist() == [1, 2, 3, 4]


def test_image_data_validates():
    images = torch.zeros(2, 1, 4, 4, dtype=torch.uint8)
    with pytest.raises(TypeError, match="int64"):
        ImageData(images, torch.tensor([0, 1], dtype=torch.int32), "mnist", ("a", "b"), 2)
    with pytest.raises(ValueError, match="labels must lie"):
        ImageData(images, torch.tensor([0, 2]), "mnist", ("a", "b"), 2)
    with pytest.raises(TypeError, match="uint8"):
        ImageData(images.float(), torch.tensor([0, 1]), "mnist", ("a", "b"), 2)


# --------------------------------------------------------------------------------------------------
# Synthetic data


def test_synthetic_dataset_shapes_and_seed():
    mnist = synthetic_dataset("mnist", n=70, seed=0)
    assert mnist.images.shape == (70, 1, 28, 28) and mnist.n_train == 60
    assert mnist.images.dtype == torch.uint8 and mnist.labels.dtype == torch.int64
    assert torch.bincount(mnist.labels).tolist() == [7] * 10
    cifar = synthetic_dataset("cifar10", n=30, seed=0)
    assert cifar.shape == (3, 32, 32) and cifar.n_train == 25
    again = synthetic_dataset("mnist", n=70, seed=0)
    assert torch.equal(mnist.images, again.images) and torch.equal(mnist.labels, again.labels)
    assert not torch.equal(mnist.images, synthetic_dataset("mnist", n=70, seed=1).images)


def test_synthetic_dataset_is_learnable():
    # Class means from one seed classify another seed's images (nearest mean): patterns are shared.
    train = synthetic_dataset("mnist", n=200, seed=0)
    test = synthetic_dataset("mnist", n=100, seed=1)
    x_train, x_test = to_float(train.images).flatten(1), to_float(test.images).flatten(1)
    means = torch.stack([x_train[train.labels == k].mean(0) for k in range(10)])
    predicted = torch.cdist(x_test, means).argmin(1)
    assert (predicted == test.labels).float().mean() > 0.9


# --------------------------------------------------------------------------------------------------
# The real datasets (only when LITHM_DATA points at a folder that has them)


def _real_data_folder() -> Path:
    folder = os.environ.get("LITHM_DATA")
    if not folder:
        pytest.skip("LITHM_DATA is not set: set it to a folder with MNIST and CIFAR-10 to run this")
    return Path(folder)


def test_real_datasets():
    folder = _real_data_folder()
    try:
        mnist = load_dataset("mnist", folder, download=False)
        cifar = load_dataset("cifar10", folder, download=False)
    except DataMissingError as err:
        pytest.skip(f"LITHM_DATA={folder} lacks a dataset: {err}")
    assert mnist.images.shape == (70_000, 1, 28, 28) and mnist.n_train == 60_000
    assert cifar.images.shape == (60_000, 3, 32, 32) and cifar.n_train == 50_000
    for data in (mnist, cifar):
        assert data.images.dtype == torch.uint8 and data.labels.dtype == torch.int64
        assert data.images.is_contiguous()
    assert torch.bincount(mnist.labels[:60_000]).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949
    ]  # fmt: skip
    assert torch.bincount(cifar.labels[50_000:]).tolist() == [1000] * 10
