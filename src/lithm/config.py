"""One training run as a frozen, hashable configuration with a stable identifier.

A run is everything that determines a training's result: dataset, model kind, training augmentation,
connection pattern, cross-validation fold, scale (subset, epochs) and optimiser settings
(protocol §2–§3).
Two runs with the same content have the same :attr:`RunConfig.run_id`, so the results store can tell
what is already done, whichever experiment asked for it (the 0 % runs are shared by the translation,
noise, edge-noise and rotation experiments exactly as in the authors' analysis, protocol §9).

>>> cfg = RunConfig(dataset="mnist", model="fcn", augmentation="translation", level=0.1, epochs=2)
>>> cfg.run_id.startswith("mnist-fcn-translation0.10-f0of5-")
True
>>> RunConfig(dataset="mnist", model="cnn", augmentation="translation", level=0.0).augmentation
'none'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace

DATASETS = ("mnist", "cifar10")
MODELS = ("cnn", "fcn")
AUGMENTATIONS = ("none", "translation", "noise", "edge-noise", "rotation")
CONNECTION_MODES = (None, "synapse", "input")
INITS = ("keras", "conv")
EDGE_PATTERNS = ("frame", "code")
ROTATION_CENTERS = ("image", "keras")

#: How the book writes a dataset or model key ("cifar10" is "CIFAR-10"): the one map every table,
#: figure and sentence uses, so a name is spelt the same everywhere.
DISPLAY_NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "cnn": "CNN", "fcn": "FCN"}


def display_name(key):
    """The book's name for a dataset or model key; any other key comes back unchanged.

    >>> display_name("cifar10"), display_name("fcn"), display_name("synapse")
    ('CIFAR-10', 'FCN', 'synapse')
    """
    return DISPLAY_NAMES.get(key, key)


# Fields that change how long a run trains or how much it scores, not what it trains.
_SCALE_ONLY = ("epochs", "patience", "eval_size", "eval_subset")
#: Fields that set a run's *scale* (how much data, how long, which optimiser settings, how it is
#: scored and which variant of an augmentation). Runs that differ in any of them must never be
#: pooled in one table cell (:func:`lithm.analysis.check_scale`). ``init`` is not among them: it is
#: what the initialisation experiment varies, and the tables select it explicitly.
SCALE_FIELDS = (
    "n_folds", "subset", "shuffle_folds", "epochs", "patience", "batch_size", "lr",
    "eval_size", "eval_subset", "edge_pattern", "rotation_center",
)  # fmt: skip

_DATASET_ALIASES = {
    "mnist": "mnist",
    "cifar10": "cifar10",
    "cifar": "cifar10",
    "cifar-10": "cifar10",
}


def canonical_dataset(name: str) -> str:
    """Return the canonical dataset name ("mnist" or "cifar10") for a name or alias.

    >>> canonical_dataset("CIFAR")
    'cifar10'
    """
    key = str(name).lower()
    if key not in _DATASET_ALIASES:
        raise ValueError(f"unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")
    return _DATASET_ALIASES[key]


def _check_choice(what: str, value, valid) -> None:
    if value not in valid:
        shown = ", ".join(repr(v) for v in valid)
        raise ValueError(f"unknown {what} {value!r}; valid values: {shown}")


@dataclass(frozen=True)
class RunConfig:
    """The content of one training run (one fold of one model at one setting).

    Defaults are the paper's protocol for MNIST (protocol §2–§3); :func:`lithm.experiments.expand`
    fills in the per-dataset values (learning rate, batch size, epochs, patience) from a profile.

    Attributes:
        dataset: "mnist" or "cifar10".
        model: "cnn" (convolutions) or "fcn" (free convolutions).
        augmentation: training augmentation kind; a level of 0 is normalised to "none".
        level: the paper's augmentation fraction (0, 0.1, …, 0.99; protocol §5).
        connection_mode, connection_prob: variable connection pattern (protocol §8); FCN only.
        fold, n_folds: which held-out block of the k-fold split (protocol §2).
        subset: use a stratified, seeded subset of this many images of train+test (CPU scale).
        shuffle_folds: shuffle before splitting (the paper's folds are contiguous, protocol §2).
        epochs, patience: maximum epochs and early-stopping patience on clean validation accuracy;
            ``patience=None`` disables early stopping.
        batch_size, lr: Adam settings (protocol §3).
        eval_size: score at most this many held-out images per evaluation (None: the whole fold).
        seed: base seed for initialisation, masks, shuffling and augmentation.
        init: "keras" (the code's Glorot fans, protocol §4.4) or "conv" (the matching conv's fans).
        eval_subset: score the five *transformed* evaluations of each epoch on a fixed stratified
            subset of this many held-out images (None: the whole fold). Clean validation, which
            early stopping watches, always scores the whole fold (after ``eval_size``).
        edge_pattern: "frame" (the paper's 5-pixel frame) or "code" (the authors' batch-indexing
            pattern), for edge-noise training and the per-epoch edge-noise evaluation.
        rotation_center: "image" (the centre of the pixel grid) or "keras" (Keras' off-by-half
            centre), for rotation training and the per-epoch rotation evaluation.
    """

    dataset: str
    model: str
    augmentation: str = "none"
    level: float = 0.0
    connection_mode: str | None = None
    connection_prob: float = 0.0
    fold: int = 0
    n_folds: int = 5
    subset: int | None = None
    shuffle_folds: bool = False
    epochs: int = 250
    patience: int | None = 50
    batch_size: int = 256
    lr: float = 1e-3
    eval_size: int | None = None
    seed: int = 0
    init: str = "keras"
    eval_subset: int | None = None
    edge_pattern: str = "frame"
    rotation_center: str = "image"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset", canonical_dataset(self.dataset))
        _check_choice("model kind", self.model, MODELS)
        _check_choice("augmentation", self.augmentation, AUGMENTATIONS)
        _check_choice("connection mode", self.connection_mode, CONNECTION_MODES)
        _check_choice("init", self.init, INITS)
        _check_choice("edge pattern", self.edge_pattern, EDGE_PATTERNS)
        _check_choice("rotation center", self.rotation_center, ROTATION_CENTERS)
        level = round(float(self.level), 6)
        if not 0.0 <= level < 1.0:
            raise ValueError(f"level must be in [0, 1) (the paper uses 0 … 0.99), got {self.level}")
        # why: a 0 % setting trains on clean data whatever the kind, so all kinds share one run.
        object.__setattr__(self, "level", level)
        if level == 0.0 or self.augmentation == "none":
            object.__setattr__(self, "augmentation", "none")
            object.__setattr__(self, "level", 0.0)
        prob = round(float(self.connection_prob), 6)
        if not 0.0 <= prob < 1.0:
            raise ValueError(f"connection_prob must be in [0, 1), got {self.connection_prob}")
        object.__setattr__(self, "connection_prob", prob)
        if self.connection_mode is None or prob == 0.0:
            object.__setattr__(self, "connection_mode", None)
            object.__setattr__(self, "connection_prob", 0.0)
        if self.connection_mode is not None and self.model != "fcn":
            raise ValueError("connection patterns apply to free convolutions only: use model='fcn'")
        if self.n_folds < 2:
            raise ValueError(f"n_folds must be at least 2, got {self.n_folds}")
        if not 0 <= self.fold < self.n_folds:
            raise ValueError(f"fold must be in 0 … {self.n_folds - 1}, got {self.fold}")
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be positive or None, got {self.patience}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        for name in ("eval_size", "eval_subset"):
            value = getattr(self, name)
            if value is not None and int(value) < 1:
                raise ValueError(f"{name} must be a positive integer or None, got {value}")
        if self.subset is not None and self.subset < 2 * self.n_folds:
            raise ValueError(f"subset must hold at least 2 images per fold, got {self.subset}")

    def to_dict(self) -> dict:
        """The configuration as a plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        """Rebuild a configuration from :meth:`to_dict` output; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown run configuration keys: {sorted(unknown)}")
        return cls(**data)

    def replace(self, **changes) -> RunConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def label(self) -> str:
        """A short human-readable name: dataset, model, augmentation, fold."""
        aug = "none" if self.augmentation == "none" else f"{self.augmentation}{self.level:.2f}"
        mask = f"-{self.connection_mode}{self.connection_prob:.2f}" if self.connection_mode else ""
        init = "-convinit" if self.init != "keras" else ""
        return f"{self.dataset}-{self.model}{init}-{aug}{mask}-f{self.fold}of{self.n_folds}"

    def scale(self) -> dict:
        """The run's scale settings (:data:`SCALE_FIELDS`) as a dict."""
        return {name: getattr(self, name) for name in SCALE_FIELDS}

    @property
    def run_id(self) -> str:
        """Stable identifier: the label plus a hash of the full content."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
        return f"{self.label}-{digest}"

    @property
    def run_seed(self) -> int:
        """The seed of this run's random streams, derived from ``seed`` and what is trained.

        Epochs, patience and evaluation size are left out on purpose: a run extended to more
        epochs repeats the shorter run's first epochs exactly.
        """
        keep = {k: v for k, v in self.to_dict().items() if k not in _SCALE_ONLY}
        blob = json.dumps(keep, sort_keys=True, separators=(",", ":"))
        return int(hashlib.sha1(blob.encode()).hexdigest()[:8], 16)
