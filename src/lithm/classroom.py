"""Train a CNN and an FCN in class, in minutes on a laptop CPU: the chapters' "train it yourself".

The paper's networks (Table A.2) and its training protocol (§4, Appendix A: Adam, random
augmentation of every training batch, scoring on a held-out fold) at a *classroom scale*: a
stratified subset of a few thousand images, one held-out fold, a few epochs. The scales live in
:data:`CLASS_SCALES`:

- ``"class"``: what a student runs, CNN and FCN together in under 3 minutes on a 2-core CPU, large
  enough for the effect a chapter discusses to show (e.g. MNIST at 50 % translation: the FCN's
  translated accuracy lags the CNN's);
- ``"build"``: a few seconds, what the book build runs (the numbers then mean little; the cell
  only proves that the code works).

:func:`default_scale` reads the environment variable ``LITHM_CLASS_SCALE`` ("class" when unset);
``make book`` exports ``LITHM_CLASS_SCALE=build``.

How it reuses the package: the networks come from :func:`lithm.models.build_model` (or a
``build`` callable for exercises that change a model), the split from :func:`lithm.data.split`, the
training augmentation from :func:`lithm.augment.augment`, the held-out scoring from
:func:`lithm.train.evaluate` with the per-epoch transforms of :mod:`lithm.augment`, and the
optimiser from the training loop (Keras' Adam, see :mod:`lithm.train`). Why not
:func:`lithm.train.train` itself: it scores six held-out sets after every epoch and runs the
end-of-training probes (a large share of a small run's time), builds only the paper's two
networks, and shows one bar per run; here one bar covers every model, only the evaluations asked
for are scored, and any ``nn.Module`` can be trained. Results are not written to a store: a class
run is a demonstration at a scale far below the paper's, and it is labelled so.

>>> from lithm.data import synthetic_dataset
>>> run = train_in_class(data=synthetic_dataset("mnist", 300), scale="build", epochs=1,
...                      progress=False)
>>> sorted(run.models), list(run.history.columns[:4])
(['cnn', 'fcn'], ['model', 'epoch', 'loss', 'acc'])
"""

from __future__ import annotations

import math
import os
import sys
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from lithm.augment import EVAL_TRANSFORMS, augment
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import RunConfig
from lithm.data import DataMissingError, ImageData, load_dataset, split, synthetic_dataset
from lithm.models import build_model
from lithm.train import _adam, pick_device, train_epoch
from lithm.train import evaluate as score

__all__ = [
    "CLASS_SCALES",
    "CLASS_SCALE_ENV",
    "ClassResult",
    "ClassScale",
    "default_scale",
    "plot_in_class",
    "train_in_class",
]

#: The environment variable that sets the scale of the chapters' "train it yourself" cells.
CLASS_SCALE_ENV = "LITHM_CLASS_SCALE"
_CHANCE = 0.1  # ten balanced classes


@dataclass(frozen=True)
class ClassScale:
    """How much a class run trains: images, held-out share, epochs and the optimiser settings.

    ``images`` is a stratified subset of train + test (the paper cross-validates over their union,
    §4); one fold of ``n_folds`` is held out. The transformed evaluations (translation, noise, …)
    score ``eval_images`` held-out images; clean validation scores the whole held-out fold.

    >>> CLASS_SCALES["class"]["mnist"].n_train
    3200
    """

    images: int
    epochs: int
    batch_size: int
    lr: float
    eval_images: int
    n_folds: int = 5

    @property
    def n_train(self) -> int:
        """Training images: the subset minus its held-out fold."""
        return self.images - math.ceil(self.images / self.n_folds)


#: ``CLASS_SCALES[scale][dataset]``. Why these numbers (measured, book "Seminar guide"): at
#: "class" MNIST trains 3,200 images for 6 epochs at batch 64 (300 Adam steps; the paper took
#: about 50,000), which takes a CNN and an FCN together well under the 3-minute target on two
#: idle cores (measured per chapter by benchmarks/class_times.py, stored in
#: results/timings/class_times.json, shown in the seminar guide; several times longer when other
#: work occupies a core, since the two torch threads then wait for each other) and is enough for
#: the FCN to fall visibly behind the CNN at 50 % translation. Why batch 64 (the
#: paper: 256): Adam moves each weight by about the learning rate per step, so at a fixed budget
#: of images more, smaller steps teach more, and the FCN, which starts small, needs them most.
#: CIFAR-10 gets fewer images (its FCN is the most expensive network), and 1e-3 replaces the
#: paper's 10x smaller learning rate, as in the book profile: at 1e-4 nothing is learnt in class.
#: "build" only proves that a cell runs: a few steps, numbers near chance.
CLASS_SCALES: dict[str, dict[str, ClassScale]] = {
    "class": {
        "mnist": ClassScale(images=4000, epochs=6, batch_size=64, lr=1e-3, eval_images=800),
        "cifar10": ClassScale(images=3000, epochs=4, batch_size=128, lr=1e-3, eval_images=600),
    },
    "build": {
        "mnist": ClassScale(images=300, epochs=1, batch_size=60, lr=1e-3, eval_images=60),
        "cifar10": ClassScale(images=200, epochs=1, batch_size=40, lr=1e-3, eval_images=40),
    },
}


def default_scale() -> str:
    """The scale of "train it yourself" cells: ``$LITHM_CLASS_SCALE``, else ``"class"``.

    >>> default_scale() in CLASS_SCALES
    True
    """
    value = os.environ.get(CLASS_SCALE_ENV, "").strip() or "class"
    if value not in CLASS_SCALES:
        raise ValueError(
            f"{CLASS_SCALE_ENV}={value!r} is not a class scale; "
            f"use one of: {', '.join(CLASS_SCALES)}"
        )
    return value


@dataclass
class ClassResult:
    """What :func:`train_in_class` returns: per-epoch history, trained models, settings.

    ``history`` has one row per (model, epoch): ``loss`` and ``acc`` (running averages over the
    epoch's *augmented* training batches, as Keras reports them), ``val_loss`` and ``val_acc``
    (the clean held-out fold), one column per evaluation asked for (accuracy on the transformed
    held-out images), one per measure, and ``seconds``.
    """

    history: pd.DataFrame
    models: dict[str, nn.Module]
    settings: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The run's scale in words, to print wherever its numbers appear."""
        s = self.settings
        data = _NAMES.get(s["dataset"], s["dataset"])
        if s.get("synthetic"):
            data += " (synthetic stand-in images: the numbers mean nothing)"
        aug = (
            "no augmentation"
            if s["augmentation"] == "none"
            else (f"{s['augmentation']} at level {s['level']:g}")
        )
        scale = f"{s['scale']} scale"
        if s["scale"] == "build":
            scale += " (a few steps that only check that the cell runs: train at the class scale)"
        epochs = f"{s['epochs']} epoch{'s' if s['epochs'] != 1 else ''}"
        return (
            f"{scale}: {data}, {s['n_train']:,} training and {s['n_val']:,} held-out "
            f"images, {epochs} of batch {s['batch_size']} ({s['steps']} Adam steps), "
            f"{aug}, one split, seed {s['seed']} (the paper: all {_paper_images(s['dataset'])} "
            f"images, 5 folds, up to {_paper_epochs(s['dataset'])} epochs)"
        )

    def final(self) -> pd.DataFrame:
        """The last epoch of every model, indexed by model name.

        >>> from lithm.data import synthetic_dataset
        >>> r = train_in_class(data=synthetic_dataset("mnist", 200), scale="build", epochs=1,
        ...                    models=("cnn",), progress=False)
        >>> r.final().index.tolist()
        ['cnn']
        """
        h = self.history.sort_values(["model", "epoch"])
        return h.groupby("model", sort=False).tail(1).set_index("model")

    def noise_level(self) -> float:
        """Two binomial standard errors of a held-out accuracy near 0.5: a difference between two
        models smaller than this can be the luck of one split (a crude, conservative yardstick)."""
        return 2 * math.sqrt(0.25 / max(self.settings["n_eval"], 1))

    def difference(self, metric: str = "val_acc", a: str = "fcn", b: str = "cnn") -> float:
        """Final ``metric`` of model ``a`` minus model ``b`` (NaN when either is absent)."""
        f = self.final()
        if a not in f.index or b not in f.index or metric not in f.columns:
            return float("nan")
        return float(f.loc[a, metric] - f.loc[b, metric])

    def overfitting(self) -> pd.DataFrame:
        """Per model: final training and validation accuracy, their gap, and the signs of
        overfitting in the validation curve (paper §5.1): the epoch of the lowest validation loss
        and how much it rose after it, the epoch of the best validation accuracy and how much
        it fell after it.

        >>> from lithm.data import synthetic_dataset
        >>> r = train_in_class(data=synthetic_dataset("mnist", 200), scale="build", epochs=2,
        ...                    models=("cnn",), progress=False)
        >>> r.overfitting().columns.tolist()[:3]
        ['acc', 'val_acc', 'gap']
        """
        rows = {}
        for name, part in self.history.groupby("model", sort=False):
            part = part.sort_values("epoch")
            last = part.iloc[-1]
            low = part.loc[part["val_loss"].idxmin()]
            best = part.loc[part["val_acc"].idxmax()]
            rows[name] = {
                "acc": last["acc"], "val_acc": last["val_acc"],
                "gap": last["acc"] - last["val_acc"],
                "lowest val_loss epoch": int(low["epoch"]),
                "val_loss rise": last["val_loss"] - low["val_loss"],
                "best val_acc epoch": int(best["epoch"]),
                "val_acc decline": best["val_acc"] - last["val_acc"],
            }  # fmt: skip
        return pd.DataFrame.from_dict(rows, orient="index")

    def summary(self) -> str:
        """One computed sentence (or two) on what this run showed; true whatever the numbers are."""
        return _summary(self)


def _paper_images(dataset: str) -> str:
    return {"mnist": "70,000", "cifar10": "60,000"}.get(dataset, "")


def _paper_epochs(dataset: str) -> int:
    return {"mnist": 250, "cifar10": 500}.get(dataset, 0)


def _metric_name(metric: str) -> str:
    return {
        "acc": "training accuracy (augmented batches)",
        "val_acc": "clean validation accuracy",
        "translation": "translated accuracy (±25 %)",
        "noise": "noise accuracy (σ 0.15)",
        "rotation": "rotation accuracy (±45°)",
        "edge_noise": "edge-noise accuracy (σ 0.15)",
        "swap": "quadrant-swap accuracy",
        "loss": "training loss (augmented batches)",
        "val_loss": "clean validation loss",
    }.get(metric, f"{metric}")


def _display_name(name: str) -> str:
    """A model's name as the book writes it; a variant keeps its note.

    >>> _display_name("fcn"), _display_name("fcn, frame"), _display_name("masked fcn")
    ('FCN', 'FCN, frame', 'masked FCN')
    """
    head, sep, rest = name.partition(", ")
    words = " ".join(_NAMES.get(word, word) for word in head.split(" "))
    return _NAMES.get(name, words + sep + rest)


def _summary(result: ClassResult) -> str:
    final = result.final()
    s = result.settings
    metrics = ["val_acc", *s["evaluate"]]
    parts = []
    for metric in metrics:
        values = ", ".join(f"{_display_name(m)} {final.loc[m, metric]:.3f}" for m in final.index)
        parts.append(f"{_metric_name(metric)} {values}")
    epochs = f"{s['epochs']} epoch{'s' if s['epochs'] != 1 else ''}"
    text = f"After {epochs} your run reached " + "; ".join(parts) + "."
    best = float(final[metrics].to_numpy().max())
    if best < _CHANCE + 0.1:
        return text + (
            " Every model is still near chance (0.10): this run is too short to compare them; "
            "train at the class scale (or for more epochs)."
        )
    if len(final.index) >= 2:
        a, b = list(final.index)[-1], list(final.index)[0]
        yard = result.noise_level()
        comparisons = []
        for metric in metrics:
            d = float(final.loc[a, metric] - final.loc[b, metric])
            if abs(d) <= yard:
                how = f"within {yard:.2f} of"
            else:
                how = f"{abs(d):.2f} {'above' if d > 0 else 'below'}"
            comparisons.append(f"{how} the {_display_name(b)} on {_metric_name(metric)}")
        text += (
            f" The {_display_name(a)} ends "
            + "; ".join(comparisons)
            + f" (differences within about {yard:.2f} can be the luck of one split of "
            f"{s['n_eval']:,} images)."
        )
    if s.get("synthetic"):
        text += " These are synthetic stand-in images: the numbers mean nothing."
    return text


def _load(dataset: str, data, synthetic, data_dir) -> tuple[ImageData, bool]:
    """The images to train on, and whether they are synthetic."""
    if data is not None:
        return data, False
    if synthetic is True:
        return synthetic_dataset(dataset, 2000), True
    try:
        return load_dataset(dataset, data_dir), False
    except DataMissingError as err:
        if synthetic == "fallback":
            print(
                f"{_NAMES[dataset]} is not available here, so this run trains on synthetic "
                "stand-in images and its numbers mean nothing. Provide the data (see the README, "
                "'Data') to see the real effect.",
                file=sys.stderr,
            )
            return synthetic_dataset(dataset, 2000), True
        raise DataMissingError(
            f"{err}\ntrain_in_class needs the real images to show anything; "
            "train_in_class(..., synthetic=True) trains on synthetic stand-in images instead "
            "(only to check that code runs: their numbers mean nothing)."
        ) from err


def _transforms(evaluate) -> dict[str, Callable]:
    if evaluate is None:
        return {}
    if isinstance(evaluate, str):
        evaluate = (evaluate,)
    if isinstance(evaluate, Mapping):
        return dict(evaluate)
    out = {}
    for name in evaluate:
        if name not in EVAL_TRANSFORMS:
            valid = ", ".join(EVAL_TRANSFORMS)
            raise ValueError(f"unknown evaluation {name!r}; use one of: {valid} (or a dict)")
        out[name] = EVAL_TRANSFORMS[name]
    return out


def _seed_of(seed: int, name: str) -> int:
    # a model's initial weights depend on the seed and its name, never on its place in `models`
    return (int(seed) * 1_000_003 + zlib.crc32(name.encode())) % (2**31)


def train_in_class(
    dataset: str = "mnist",
    models=("cnn", "fcn"),
    augmentation: str = "translation",
    level: float = 0.5,
    scale: str | None = None,
    epochs: int | None = None,
    images: int | None = None,
    init: str = "keras",
    connection_mode: str | None = None,
    connection_prob: float = 0.0,
    build: Callable[[str, str], nn.Module | None] | None = None,
    evaluate=("translation",),
    data_dir=None,
    device="auto",
    seed: int = 0,
    progress: bool | None = None,
    *,
    measures: Mapping[str, Callable[[nn.Module], float | None]] | None = None,
    data: ImageData | None = None,
    synthetic: bool | str = False,
    threads: int | None = None,
) -> ClassResult:
    """Train the paper's CNN and FCN (or any models) side by side at a classroom scale.

    Every model sees the same training images in the same order with the same random
    augmentation, and is scored on the same held-out images after every epoch, so the
    comparison between models is paired (paper §4 protocol, one fold, reduced scale).

    Args:
        dataset: "mnist" or "cifar10".
        models: names of the models to train, in order: "cnn" and "fcn" are the paper's
            (Table A.2); other names need ``build``.
        augmentation, level: the training augmentation (a key of
            :data:`lithm.augment.TRAIN_AUGMENTATIONS`) and its level in [0, 1), as in the paper.
        scale: a key of :data:`CLASS_SCALES`; None reads :func:`default_scale`.
        epochs, images: override the scale's epochs and subset size (at the "build" scale
            they are capped at the scale's own values, so a chapter can ask for what its effect
            needs in class and still build in seconds).
        init: FCN initialisation, "keras" (the authors') or "conv" (the matching convolution's
            fans); see :func:`lithm.models.build_model`.
        connection_mode, connection_prob: a variable connection pattern for the FCN (App. C).
        build: ``build(dataset, name) -> nn.Module`` for exercises that change a model; return
            None for a name to get the paper's network of that name.
        evaluate: names of the per-epoch evaluations (keys of
            :data:`lithm.augment.EVAL_TRANSFORMS`: "translation", "noise", "rotation",
            "edge_noise", "swap"), or a dict ``{name: f(images, generator)}`` of your own
            transforms of float images.
        measures: ``{name: f(model) -> float}`` recorded after every epoch (e.g. a filter distance).
        data: an already loaded :class:`~lithm.data.ImageData` (default: :func:`load_dataset`).
        synthetic: False (default) raises a clear error when the data is missing; True trains on
            :func:`~lithm.data.synthetic_dataset`; "fallback" uses it only when the data is missing
            (the result's label then says so).
        progress: None shows a progress bar at the "class" scale and one line at the end at
            "build" (what a static page can show); True/False force the bar on/off.
        threads: set ``torch.set_num_threads`` for the run (None: leave it).

    Returns:
        A :class:`ClassResult`; ``result.summary()`` is one computed sentence,
        :func:`plot_in_class` draws it.
    """
    scale = default_scale() if scale is None else scale
    if scale not in CLASS_SCALES:
        raise ValueError(f"unknown class scale {scale!r}; use one of: {', '.join(CLASS_SCALES)}")
    if isinstance(models, str):
        models = (models,)
    models = tuple(models)
    if not models or len(set(models)) != len(models):
        raise ValueError(f"models must be distinct names, got {models!r}")
    for name in models:
        if name not in ("cnn", "fcn") and build is None:
            raise ValueError(f"model {name!r} is not 'cnn' or 'fcn': pass build=f(dataset, name)")
    # RunConfig validates the shared settings with the package's own rules and vocabulary.
    base = RunConfig(
        dataset=dataset, model="fcn", augmentation=augmentation, level=level,
        connection_mode=connection_mode, connection_prob=connection_prob, init=init, seed=seed,
    )  # fmt: skip
    dataset = base.dataset
    spec = CLASS_SCALES[scale][dataset]
    n_images = int(images) if images is not None else spec.images
    n_epochs = int(epochs) if epochs is not None else spec.epochs
    if scale == "build":
        # why: a chapter asks for the images and epochs its effect needs at the class scale; the
        # book build only proves that the cell works, so the build scale caps both at its own.
        n_images, n_epochs = min(n_images, spec.images), min(n_epochs, spec.epochs)
    if n_epochs < 1 or n_images < 2 * spec.n_folds:
        raise ValueError(f"need epochs ≥ 1 and images ≥ {2 * spec.n_folds}")
    transforms = _transforms(evaluate)
    measures = dict(measures or {})
    dev = pick_device(device)
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        source, is_synthetic = _load(dataset, data, synthetic, data_dir)
        if source.name != dataset:
            raise ValueError(f"the data given is {source.name!r}, not {dataset!r}")
        n_images = min(n_images, len(source))
        train_idx, val_idx = split(source, spec.n_folds, 0, subset=n_images, seed=seed)
        x_train, y_train = source.images[train_idx].to(dev), source.labels[train_idx].to(dev)
        x_val, y_val = source.images[val_idx].to(dev), source.labels[val_idx].to(dev)
        n_eval = min(spec.eval_images, len(val_idx))
        x_eval, y_eval = x_val[:n_eval], y_val[:n_eval]  # folds are class-stratified blocks
        batch = min(spec.batch_size, len(train_idx))
        steps = max(len(train_idx) // batch, 1)
        rows, trained = [], {}
        show_bar = (scale != "build") if progress is None else bool(progress)
        started = time.time()
        bar = _bar(show_bar, len(models) * n_epochs * steps)
        for name in models:
            model = _make(name, dataset, base, build, seed).to(dev)
            optimizer = _adam(model, spec.lr, dev)
            # why one seed for every model: the same batches and augmentations (paired runs)
            shuffle_gen = torch.Generator().manual_seed(seed + 1)
            augment_gen = torch.Generator().manual_seed(seed + 2)
            if bar is not None:
                bar.set_description(_display_name(name))
            for epoch in range(1, n_epochs + 1):
                t0 = time.time()
                loss, acc = train_epoch(
                    model, optimizer, x_train, y_train, batch, shuffle_gen,
                    lambda x, g=augment_gen: augment(x, base.augmentation, base.level, generator=g),
                    on_step=None if bar is None else lambda: bar.update(1),
                )  # fmt: skip
                row = {"model": name, "epoch": epoch, "loss": loss, "acc": acc}
                row["val_loss"], row["val_acc"] = score(model, x_val, y_val)
                eval_gen = torch.Generator().manual_seed(seed + 1000 + epoch)  # same draw for all
                for key, transform in transforms.items():
                    _, row[key] = score(model, x_eval, y_eval, transform, eval_gen)
                model.eval()
                for key, measure in measures.items():
                    with torch.no_grad():
                        value = measure(model)
                    row[key] = float("nan") if value is None else float(value)
                row["seconds"] = time.time() - t0
                rows.append(row)
                if bar is not None:
                    bar.set_postfix(
                        epoch=epoch, acc=f"{row['acc']:.2f}", val=f"{row['val_acc']:.2f}"
                    )
            trained[name] = model.eval()
        seconds = time.time() - started
        if bar is not None:
            bar.close()
        elif progress is None:
            print(f"Trained {', '.join(map(_display_name, models))} at the {scale} scale "
                  f"({len(models) * n_epochs * steps} steps) in {seconds:.1f} s.")  # fmt: skip
    finally:
        if threads is not None:
            torch.set_num_threads(old_threads)
    settings = {
        "dataset": dataset, "models": models, "augmentation": base.augmentation,
        "level": base.level, "scale": scale, "images": n_images, "n_train": len(train_idx),
        "n_val": len(val_idx), "n_eval": n_eval, "epochs": n_epochs, "batch_size": batch,
        "steps": n_epochs * steps, "lr": spec.lr, "init": init,
        "connection_mode": base.connection_mode, "connection_prob": base.connection_prob,
        "evaluate": tuple(transforms), "measures": tuple(measures), "seed": seed,
        "synthetic": is_synthetic, "seconds": seconds, "threads": torch.get_num_threads(),
        "device": str(dev),
    }  # fmt: skip
    return ClassResult(pd.DataFrame(rows), trained, settings)


def _bar(show: bool, total: int):
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="step", leave=True)


def _make(name: str, dataset: str, base: RunConfig, build, seed: int) -> nn.Module:
    """The model called ``name``: from ``build`` when it returns one, else the paper's network."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_seed_of(seed, name))
        model = build(dataset, name) if build is not None else None
        if model is None:
            if name not in ("cnn", "fcn"):
                raise ValueError(f"build returned None for {name!r}, which is not 'cnn' or 'fcn'")
            fcn = name == "fcn"
            model = build_model(
                dataset, name, init=base.init if fcn else "keras",
                connection_mode=base.connection_mode if fcn else None,
                connection_prob=base.connection_prob if fcn else 0.0, mask_seed=seed,
            )  # fmt: skip
    if not isinstance(model, nn.Module):
        raise TypeError(f"build({dataset!r}, {name!r}) must return an nn.Module, got {model!r}")
    return model


def plot_in_class(result, metrics=None, *, title: str | None = None):
    """Draw a class run (or several): a panel per metric, accuracy against epoch, a line per model.

    ``result`` is a :class:`ClassResult` or a dict ``{label: ClassResult}`` (drawn with one line
    style per label, e.g. the same models at two levels). ``metrics`` default: training accuracy,
    clean validation and each evaluation of the run. Returns a closed
    :class:`matplotlib.figure.Figure` (shown once when it is a cell's value).

    >>> from lithm.data import synthetic_dataset
    >>> r = train_in_class(data=synthetic_dataset("mnist", 200), scale="build", epochs=1,
    ...                    progress=False)
    >>> len(plot_in_class(r).axes)
    3
    """
    import matplotlib.pyplot as plt

    from lithm.plots import MODEL_COLORS, OKABE_ITO

    runs = dict(result) if isinstance(result, Mapping) else {"": result}
    if not runs:
        raise ValueError("nothing to plot")
    first = next(iter(runs.values()))
    if metrics is None:
        metrics = ("acc", "val_acc", *first.settings["evaluate"])
    styles = ("-", "--", ":", "-.")
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(3.6 * len(metrics) + 1.6, 3.4), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    others = iter(OKABE_ITO)
    colors = {}
    for (label, run), style in zip(runs.items(), styles * 4, strict=False):
        for ax, metric in zip(axes[0], metrics, strict=True):
            for name, part in run.history.groupby("model", sort=False):
                if metric not in part:
                    continue
                color = colors.setdefault(name, MODEL_COLORS.get(name) or next(others))
                text = _display_name(name) + (f", {label}" if label else "")
                ax.plot(part["epoch"], part[metric], style, marker="o", markersize=3,
                        color=color, label=text)  # fmt: skip
    for ax, metric in zip(axes[0], metrics, strict=True):
        if metric.endswith("loss"):
            ax.set_ylabel("cross-entropy loss")
            ax.set_ylim(bottom=0)
        else:
            ax.axhline(_CHANCE, color="0.5", linestyle=":", linewidth=1)
            ax.set_ylim(0, 1.02)
            ax.set_ylabel("accuracy")
        ax.set_title(_metric_name(metric), fontsize="medium")
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0, -1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    heading = title or "Your run (dotted line: chance)"
    fig.suptitle(f"{heading}\n{_wrap(first.label)}", fontsize="medium")
    plt.close(fig)
    return fig


def _wrap(text: str, width: int = 120) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
