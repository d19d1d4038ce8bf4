"""MNIST and CIFAR-10 as uint8 tensors, and the paper's cross-validation folds.

The authors concatenate the official training and test splits and run 5-fold cross-validation with
scikit-learn's ``KFold`` *without shuffling*, so each fold is a contiguous block of the concatenated
array and the held-out fold is also the "validation" set that every number is reported on
(protocol §2). This module reproduces exactly that, plus two things the original lacks: a stratified
subset for small, fast runs, and a synthetic dataset that needs no files at all.

Datasets are looked up in a data folder (:func:`resolve_data_dir`): first ``<name>.npz``, then the
torchvision layout (downloading into the folder when allowed).

>>> data = synthetic_dataset("mnist", n=70)
>>> data.shape, len(data), data.n_train
((1, 28, 28), 70, 60)
>>> train_idx, val_idx = split(data, n_folds=5, fold=4)
>>> val_idx.tolist()[:3], len(train_idx)
([56, 57, 58], 56)
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lithm.config import DATASETS as CONFIG_DATASETS
from lithm.config import canonical_dataset, display_name

__all__ = [
    "DATASETS",
    "DataMissingError",
    "ImageData",
    "clear_cache",
    "fold_indices",
    "load_dataset",
    "resolve_data_dir",
    "split",
    "stratified_subset",
    "synthetic_dataset",
    "to_float",
]

#: Canonical dataset names (defined once, in :mod:`lithm.config`).
DATASETS = CONFIG_DATASETS

# (C, H, W), official train / test sizes, class names.
_SPECS = {
    "mnist": {
        "shape": (1, 28, 28),
        "n_train": 60_000,
        "n_test": 10_000,
        "classes": tuple(str(k) for k in range(10)),
    },
    "cifar10": {
        "shape": (3, 32, 32),
        "n_train": 50_000,
        "n_test": 10_000,
        "classes": (
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck",
        ),
    },
}

# What torchvision expects inside the data folder (shown in error messages).
_TORCHVISION_FILES = {
    "mnist": "MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (torchvision layout)",
    "cifar10": "cifar-10-batches-py/ (torchvision layout, from the official archive)",
}


class DataMissingError(FileNotFoundError):
    """Raised by :func:`load_dataset` when a dataset is neither on disk nor downloadable.

    The message names the folder searched, the files expected there, and how to provide them.

    >>> issubclass(DataMissingError, FileNotFoundError)
    True
    """


@dataclass(frozen=True, eq=False)
class ImageData:
    """A labelled image dataset: the official train split followed by the official test split.

    protocol §2: the paper concatenates train and test and cross-validates over the union, so the
    first ``n_train`` images are the official training split and the rest the official test split.

    Attributes:
        images: uint8 tensor ``(N, C, H, W)``, contiguous.
        labels: int64 tensor ``(N,)`` with values in ``[0, len(classes))``.
        name: "mnist" or "cifar10" (also for :func:`synthetic_dataset`, so it is a drop-in).
        classes: the class names, index = label.
        n_train: how many of the N images come from the official training split.

    Tensors returned by :func:`load_dataset` are cached and shared between callers: treat them as
    read-only (index or ``.clone()`` them; never modify them in place).

    >>> d = ImageData(torch.zeros(3, 1, 2, 2, dtype=torch.uint8), torch.tensor([0, 1, 1]),
    ...               "mnist", ("a", "b"), n_train=2)
    >>> d.shape, len(d), d.n_test
    ((1, 2, 2), 3, 1)
    """

    images: torch.Tensor
    labels: torch.Tensor
    name: str
    classes: tuple
    n_train: int

    def __post_init__(self) -> None:
        images, labels = self.images, self.labels
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.ndim != 4:
            raise TypeError(
                "ImageData.images must be a uint8 tensor of shape (N, C, H, W), got "
                f"{_describe(images)}"
            )
        if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.ndim != 1:
            raise TypeError(
                f"ImageData.labels must be an int64 tensor of shape (N,), got {_describe(labels)}"
            )
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if not 0 <= self.n_train <= len(images):
            raise ValueError(f"n_train must be in [0, {len(images)}], got {self.n_train}")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError(
                f"labels must lie in [0, {len(self.classes)}) for {len(self.classes)} classes, "
                f"got range [{int(labels.min())}, {int(labels.max())}]"
            )

    @property
    def shape(self) -> tuple[int, int, int]:
        """The shape of one image, ``(C, H, W)``."""
        return tuple(self.images.shape[1:])

    @property
    def n_test(self) -> int:
        """How many images come from the official test split (the last ones)."""
        return len(self.images) - self.n_train

    @property
    def n_classes(self) -> int:
        """The number of classes."""
        return len(self.classes)

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        # Why: the dataclass default would print the tensors' contents.
        return (
            f"ImageData(name={self.name!r}, images={tuple(self.images.shape)} uint8, "
            f"n_train={self.n_train}, n_classes={self.n_classes})"
        )


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
    return f"{type(x).__name__}"


def _canonical(name: str) -> str:
    return canonical_dataset(name)  # the one aliasing rule, in lithm.config


# --------------------------------------------------------------------------------------------------
# Loading


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data folder: the argument, else ``$LITHM_DATA``, else ``./data``.

    >>> str(resolve_data_dir("/tmp/somewhere"))
    '/tmp/somewhere'
    """
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get("LITHM_DATA") or "data"
    return Path(data_dir).expanduser()


_CACHE: dict[tuple[str, str], ImageData] = {}
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every dataset cached by :func:`load_dataset` in this process.

    >>> clear_cache()
    """
    with _CACHE_LOCK:
        _CACHE.clear()


def load_dataset(
    name: str, data_dir: str | os.PathLike | None = None, download: bool = True
) -> ImageData:
    """Load MNIST or CIFAR-10, official train then test split concatenated (protocol §2).

    Looks in the folder given by :func:`resolve_data_dir` for, in order:

    1. ``<name>.npz`` with arrays ``x_train, y_train, x_test, y_test`` (images NHWC uint8, or NHW
       for grey images);
    2. the torchvision layout (``MNIST/raw/...`` or ``cifar-10-batches-py/``), downloading it there
       when ``download`` is true.

    The result is cached per (folder, dataset) for the life of the process, so every caller gets
    the same tensors: treat them as read-only.

    Raises:
        ValueError: unknown dataset name.
        DataMissingError: nothing found and downloading failed or was disabled.

    >>> import tempfile
    >>> load_dataset("mnist", tempfile.mkdtemp(), download=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lithm.data.DataMissingError: MNIST not found in ...
    """
    name = _canonical(name)
    folder = resolve_data_dir(data_dir)
    key = (str(folder.resolve()), name)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    npz = folder / f"{name}.npz"
    if npz.is_file():
        data = _from_npz(npz, name)
    else:
        data = _from_torchvision(folder, name, download)
    with _CACHE_LOCK:
        return _CACHE.setdefault(key, data)


def _from_npz(path: Path, name: str) -> ImageData:
    spec = _SPECS[name]
    with np.load(path, allow_pickle=False) as arrays:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
        if missing:
            raise ValueError(
                f"{path} lacks arrays {missing}; expected x_train, y_train, x_test, y_test"
            )
        parts = [
            (_images_nchw(arrays[f"x_{s}"], spec["shape"], f"{path}:x_{s}"), arrays[f"y_{s}"])
            for s in ("train", "test")
        ]
    for (x, y), s in zip(parts, ("train", "test"), strict=True):
        if not np.issubdtype(y.dtype, np.integer) or y.size != len(x):
            raise ValueError(
                f"{path}:y_{s} must hold {len(x)} integer labels, got {y.dtype} of shape {y.shape}"
            )
    images = torch.cat([torch.from_numpy(x) for x, _ in parts])
    labels = torch.cat([torch.from_numpy(y.reshape(-1).astype(np.int64)) for _, y in parts])
    return ImageData(images, labels, name, spec["classes"], n_train=len(parts[0][0]))


def _images_nchw(x: np.ndarray, chw: tuple[int, int, int], where: str) -> np.ndarray:
    """Bring an image array to contiguous uint8 (N, C, H, W), from NHWC, NHW (grey) or NCHW."""
    if x.dtype != np.uint8:
        raise ValueError(f"{where}: expected uint8 images, got {x.dtype}")
    c, h, w = chw
    if x.ndim == 3 and c == 1 and x.shape[1:] == (h, w):  # (N, H, W) -> (N, 1, H, W)
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1:] == (h, w, c):  # (N, H, W, C) -> (N, C, H, W)
        x = x.transpose(0, 3, 1, 2)
    elif not (x.ndim == 4 and x.shape[1:] == (c, h, w)):
        raise ValueError(
            f"{where}: expected images of shape (N, {h}, {w}, {c})"
            + (f" or (N, {h}, {w})" if c == 1 else "")
            + f", got {x.shape}"
        )
    return np.ascontiguousarray(x)


def _from_torchvision(folder: Path, name: str, download: bool) -> ImageData:
    spec = _SPECS[name]
    try:
        import torchvision  # imported here: slow to import and only needed for this path

        cls = torchvision.datasets.MNIST if name == "mnist" else torchvision.datasets.CIFAR10
        splits = [cls(root=str(folder), train=t, download=download) for t in (True, False)]
    except (RuntimeError, OSError, ImportError) as err:
        raise DataMissingError(_missing_message(folder, name, download, err)) from err
    images, labels = [], []
    for ds in splits:  # read .data / .targets directly: iterating would decode image by image
        x = ds.data.numpy() if isinstance(ds.data, torch.Tensor) else np.asarray(ds.data)
        images.append(torch.from_numpy(_images_nchw(x, spec["shape"], f"{folder} ({name})")))
        labels.append(torch.as_tensor(np.asarray(ds.targets), dtype=torch.int64))
    return ImageData(
        torch.cat(images), torch.cat(labels), name, spec["classes"], n_train=len(images[0])
    )


def _missing_message(folder: Path, name: str, download: bool, err: Exception) -> str:
    shown = display_name(name)
    how = (
        f"downloading failed ({type(err).__name__}: {err})"
        if download
        else "downloading is disabled (download=False)"
    )
    return (
        f"{shown} not found in {folder.resolve()}, and {how}.\n"
        f"Looked for:\n"
        f"  - {folder / (name + '.npz')} with arrays x_train, y_train, x_test, y_test "
        f"(uint8 images NHWC, or NHW for grey; integer labels)\n"
        f"  - {folder}/{_TORCHVISION_FILES[name]}\n"
        f"To fix: allow downloading (download=True, needs internet), or point to a folder that "
        f"has the data (set LITHM_DATA or pass data_dir / --data-dir), or put {name}.npz with "
        f"the arrays above in {folder.resolve()}."
    )


# --------------------------------------------------------------------------------------------------
# Folds and subsets


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def fold_indices(
    n: int, n_folds: int = 5, fold: int = 0, *, shuffle: bool = False, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(train_idx, val_idx)`` of one cross-validation fold over ``range(n)``.

    The default is the paper's protocol (protocol §2): scikit-learn ``KFold(n_splits=n_folds)``
    without shuffling, i.e. fold ``k`` holds out the ``k``-th contiguous block; the first
    ``n % n_folds`` blocks are one sample longer. ``shuffle=True`` first permutes ``range(n)`` with
    a generator seeded by ``seed`` (like ``KFold(shuffle=True)``, but a different permutation).
    Both index tensors are sorted, as scikit-learn returns them.

    >>> train_idx, val_idx = fold_indices(11, n_folds=3, fold=1)
    >>> val_idx.tolist(), train_idx.tolist()
    ([4, 5, 6, 7], [0, 1, 2, 3, 8, 9, 10])
    """
    for what, value in (("n", n), ("n_folds", n_folds), ("fold", fold)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{what} must be an integer, got {value!r}")
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    if not 0 <= fold < n_folds:
        raise ValueError(f"fold must be in [0, {n_folds - 1}] for n_folds={n_folds}, got {fold}")
    if n < n_folds:
        raise ValueError(f"cannot split n={n} samples into n_folds={n_folds} folds")
    order = torch.randperm(n, generator=_generator(seed)) if shuffle else torch.arange(n)
    # Block sizes as in scikit-learn: n // n_folds each, plus one for the first n % n_folds.
    small, extra = divmod(n, n_folds)
    start = fold * small + min(fold, extra)
    stop = start + small + (1 if fold < extra else 0)
    val = order[start:stop]
    train = torch.cat([order[:start], order[stop:]])
    return train.sort().values, val.sort().values


def stratified_subset(labels, size: int | None, *, seed: int = 0) -> torch.Tensor:
    """Return indices of a seeded, class-stratified subset of ``size`` samples, in mixed order.

    Not in the paper (which always uses all the data, protocol §2): small subsets make runs fast for
    teaching and CI. Each class gets ``size · (its share of labels)`` samples, rounded by largest
    remainder. The order is a seeded *stratified shuffle*: random within each class, with the
    classes interleaved evenly, so that every contiguous block of the result (e.g. a fold of
    :func:`fold_indices`) has close to the subset's class proportions (within about ±2 per class),
    rather than only on average as a plain random permutation would.
    ``size=None`` or ``size >= len(labels)`` returns all indices in their original order.

    >>> labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    >>> idx = stratified_subset(labels, 4, seed=0)
    >>> sorted(labels[idx].tolist())
    [0, 0, 1, 1]
    """
    labels = torch.as_tensor(labels).reshape(-1)
    n = len(labels)
    if size is None or size >= n:
        return torch.arange(n)
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size must be a positive integer or None, got {size!r}")
    gen = _generator(seed)
    classes, counts = torch.unique(labels, return_counts=True)
    # Largest-remainder quotas: sum exactly to size, never above a class's count.
    exact = counts.double() * size / n
    quota = exact.floor().long()
    short = size - int(quota.sum())
    quota[torch.argsort(exact - quota, descending=True, stable=True)[:short]] += 1
    chosen, keys = [], []
    for cls, q in zip(classes.tolist(), quota.tolist(), strict=True):
        if q == 0:
            continue
        members = torch.nonzero(labels == cls).reshape(-1)
        chosen.append(members[torch.randperm(len(members), generator=gen)[:q]])
        # Sample j of a class with quota q sits at a random point of [j/q, (j+1)/q): sorting all
        # samples by this key interleaves the classes in proportion.
        keys.append((torch.arange(q, dtype=torch.float64) + torch.rand(q, generator=gen)) / q)
    chosen, keys = torch.cat(chosen), torch.cat(keys)
    return chosen[torch.argsort(keys)]


def split(
    data: ImageData,
    n_folds: int = 5,
    fold: int = 0,
    *,
    subset: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(train_idx, val_idx)`` into ``data.images`` for one fold: the runner's protocol.

    Without ``subset`` this is exactly the paper's split (protocol §2): contiguous ``KFold`` blocks
    of the concatenated train + test data, so the last fold is mostly the official test split.
    With ``subset``, a seeded :func:`stratified_subset` of that many images is drawn first and the
    folds are contiguous blocks *of that shuffled subset* (so they mix train and test images and
    are class-balanced). Why depart: a contiguous slice of a small subset would otherwise be a
    handful of training images only.

    >>> data = synthetic_dataset("mnist", n=100)
    >>> train_idx, val_idx = split(data, 5, 0, subset=50)
    >>> len(train_idx), len(val_idx), len(set(train_idx.tolist()) & set(val_idx.tolist()))
    (40, 10, 0)
    """
    if subset is None:
        return fold_indices(len(data), n_folds, fold, shuffle=shuffle, seed=seed)
    chosen = stratified_subset(data.labels, subset, seed=seed)
    train, val = fold_indices(len(chosen), n_folds, fold, shuffle=shuffle, seed=seed)
    return chosen[train], chosen[val]


def to_float(images: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Convert uint8 images to floats in ``[0, 1]`` (divide by 255, protocol §2), on their device.

    Like the paper, no mean subtraction or standardisation.

    >>> to_float(torch.tensor([0, 51, 255], dtype=torch.uint8))
    tensor([0.0000, 0.2000, 1.0000])
    """
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        raise TypeError(f"to_float expects a uint8 tensor, got {_describe(images)}")
    if not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating-point dtype, got {dtype}")
    return images.to(dtype).div_(255)


# --------------------------------------------------------------------------------------------------
# Synthetic data


def synthetic_dataset(name: str = "mnist", n: int = 1000, seed: int = 0) -> ImageData:
    """Return a random, learnable stand-in for MNIST or CIFAR-10 with the right shapes.

    For tests and the smoke profile: no files needed. Each class has a fixed smooth pattern (the
    same for every ``seed``); an image is its class pattern plus uniform noise, so a model can
    learn the classes in a few steps. Labels are balanced and shuffled by ``seed``; ``n_train``
    keeps the real train/test ratio (6/7 for MNIST, 5/6 for CIFAR-10).

    >>> d = synthetic_dataset("cifar", n=12, seed=1)
    >>> d.name, d.images.shape, d.images.dtype, d.n_train
    ('cifar10', torch.Size([12, 3, 32, 32]), torch.uint8, 10)
    """
    name = _canonical(name)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    spec = _SPECS[name]
    c, h, w = spec["shape"]
    n_classes = len(spec["classes"])
    # Class patterns: 4x4 random grids upsampled smoothly, fixed by the dataset (not by seed).
    coarse = torch.rand(n_classes, c, 4, 4, generator=_generator(1234))
    patterns = torch.nn.functional.interpolate(coarse, size=(h, w), mode="bilinear")
    gen = _generator(seed)
    labels = (torch.arange(n) % n_classes)[torch.randperm(n, generator=gen)]
    noise = torch.rand(n, c, h, w, generator=gen)
    pixels = 0.6 * patterns[labels] + 0.4 * noise  # (N, C, H, W) in [0, 1]
    images = (pixels * 255).round().to(torch.uint8).contiguous()
    n_train = round(n * spec["n_train"] / (spec["n_train"] + spec["n_test"]))
    return ImageData(images, labels, name, spec["classes"], n_train=n_train)
