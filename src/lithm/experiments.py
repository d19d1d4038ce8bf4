"""The paper's experiments as named grids of runs, and the profiles that set their scale.

An *experiment* is one part of the paper (which augmentation is trained, which models, which
connection patterns); a *profile* is a scale (folds, subset, levels, epochs). ``expand`` crosses the
two into the list of :class:`~lithm.config.RunConfig` to train. Everything here is data,
defined once.

- ``translation``: Tables 1–2, Figs. 3–4, the distances of Fig. 5, the swap accuracies of Fig. 6.
- ``noise``, ``edge-noise``, ``rotation``: Tables B.1–B.3, Figs. B.6–B.7.
- ``connections``: Appendix C, Figs. C.1–C.2, in both mask modes (FACTS §8).

Profiles: ``smoke`` (seconds, for CI and for checking that a chapter runs), ``book`` (the CPU-scale
results the book shows), ``paper`` (the authors' protocol exactly, FACTS §2–§3, for GPUs).

>>> runs = expand("translation", "smoke", "mnist")
>>> len(runs), runs[0].model, runs[0].n_folds
(4, 'cnn', 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lithm.config import DATASETS, RunConfig, canonical_dataset

PAPER_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99)
PAPER_CONNECTION_PROBS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99)


@dataclass(frozen=True)
class Experiment:
    """One part of the paper: what is trained and which tables and figures it feeds."""

    name: str
    augmentation: str
    models: tuple[str, ...]
    paper: str
    connection_modes: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Scale:
    """Per-dataset training settings of a profile (FACTS §3 for the paper's)."""

    epochs: int
    patience: int | None
    batch_size: int
    lr: float
    subset: int | None = None


@dataclass(frozen=True)
class Profile:
    """A scale at which every experiment can be run."""

    name: str
    description: str
    n_folds: int
    folds: tuple[int, ...]
    levels: tuple[float, ...]
    connection_probs: tuple[float, ...]
    #: translation level of the connection-pattern runs: 30 % in the paper's captions (FACTS §8).
    connection_level: float
    scales: dict = field(default_factory=dict)
    eval_size: int | None = None
    #: levels per experiment where they differ from ``levels``.
    levels_for: dict = field(default_factory=dict)

    def scale(self, dataset: str) -> Scale:
        return self.scales[canonical_dataset(dataset)]

    def experiment_levels(self, experiment: str) -> tuple[float, ...]:
        return self.levels_for.get(experiment, self.levels)


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment(
            "translation",
            "translation",
            ("cnn", "fcn"),
            "Tables 1–2, Figs. 3–6",
            description="CNN and FCN trained with random translations of 0–99 %.",
        ),
        Experiment(
            "noise",
            "noise",
            ("cnn", "fcn"),
            "Table B.2, Fig. B.7",
            description="Trained with Gaussian noise, σ = level (FACTS §5.2).",
        ),
        Experiment(
            "edge-noise",
            "edge-noise",
            ("cnn", "fcn"),
            "Table B.1",
            description="Trained with Gaussian noise on a 5-pixel frame (FACTS §5.3).",
        ),
        Experiment(
            "rotation",
            "rotation",
            ("cnn", "fcn"),
            "Table B.3, Fig. B.6",
            description="Trained with random rotations of ±int(level·360)° (FACTS §5.4).",
        ),
        Experiment(
            "connections",
            "translation",
            ("fcn",),
            "Appendix C, Figs. C.1–C.2",
            connection_modes=("synapse", "input"),
            description="FCNs with absent connections, paper (synapse) and code (input) masks.",
        ),
    )  # fmt: skip
}

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="smoke",
            description="Every experiment in seconds: 2 folds (one trained), 480 images, 1 epoch.",
            n_folds=2,
            folds=(0,),
            levels=(0.0, 0.5),
            connection_probs=(0.5,),
            connection_level=0.3,
            scales={
                "mnist": Scale(epochs=1, patience=None, batch_size=64, lr=1e-3, subset=480),
                "cifar10": Scale(epochs=1, patience=None, batch_size=64, lr=1e-4, subset=480),
            },
        ),
        Profile(
            name="book",
            description=(
                "CPU scale for the book: 3 of 5 contiguous folds of a stratified subset, "
                "6 levels (4 for the other augmentations), 8 (MNIST) or 6 (CIFAR-10) epochs, "
                "batch 128, no early stopping."
            ),
            n_folds=5,
            folds=(0, 1, 2),
            levels=(0.0, 0.1, 0.2, 0.3, 0.5, 0.9),
            connection_probs=(0.8, 0.9, 0.99),
            connection_level=0.3,
            levels_for={
                "edge-noise": (0.0, 0.1, 0.5, 0.9),
                "noise": (0.0, 0.1, 0.5, 0.9),
                "rotation": (0.0, 0.1, 0.5, 0.9),
            },
            # why batch 128 on MNIST (paper: 256): 4,800 training images per fold would give only
            # 18 steps an epoch. Why no patience: it could never trigger within 6-8 epochs.
            scales={
                "mnist": Scale(epochs=8, patience=None, batch_size=128, lr=1e-3, subset=6000),
                "cifar10": Scale(epochs=6, patience=None, batch_size=128, lr=1e-4, subset=6000),
            },
        ),
        Profile(
            name="paper",
            description="The authors' protocol (FACTS §2–§3): 5 contiguous folds of train+test, "
            "11 levels, 250/500 epochs, patience 50/100.",
            n_folds=5,
            folds=(0, 1, 2, 3, 4),
            levels=PAPER_LEVELS,
            connection_probs=PAPER_CONNECTION_PROBS,
            connection_level=0.3,
            scales={
                "mnist": Scale(epochs=250, patience=50, batch_size=256, lr=1e-3),
                "cifar10": Scale(epochs=500, patience=100, batch_size=128, lr=1e-4),
            },
        ),
    )  # fmt: skip
}


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; the error lists the valid names."""
    if name not in EXPERIMENTS:
        raise ValueError(
            f"unknown experiment {name!r}; valid experiments: {', '.join(EXPERIMENTS)}"
        )
    return EXPERIMENTS[name]


def get_profile(name: str) -> Profile:
    """The profile called ``name``; the error lists the valid names."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}")
    return PROFILES[name]


def expand(experiment: str, profile: str, dataset: str, **overrides) -> list[RunConfig]:
    """The runs of ``experiment`` at ``profile`` scale on ``dataset``, in a stable order.

    ``overrides`` replace fields of every run (e.g. ``epochs=3``, ``seed=1``) or of the profile
    (``levels=``, ``folds=``, ``connection_probs=``) — how a chapter's parameters reach the grid.
    """
    exp, prof = get_experiment(experiment), get_profile(profile)
    ds = canonical_dataset(dataset)
    levels = tuple(overrides.pop("levels", prof.experiment_levels(exp.name)))
    folds = tuple(overrides.pop("folds", prof.folds))
    probs = tuple(overrides.pop("connection_probs", prof.connection_probs))
    conn_level = overrides.pop("connection_level", prof.connection_level)
    scale = prof.scale(ds)
    base = dict(
        dataset=ds, n_folds=prof.n_folds, subset=scale.subset, epochs=scale.epochs,
        patience=scale.patience, batch_size=scale.batch_size, lr=scale.lr,
        eval_size=prof.eval_size,
    )  # fmt: skip
    base.update(overrides)
    runs: list[RunConfig] = []
    if exp.connection_modes:
        # prob 0 is the plain FCN at the same translation level: the baseline of Figs. C.1–C.2.
        settings = [(None, 0.0)] + [(m, p) for m in exp.connection_modes for p in probs]
        for mode, prob in settings:
            for fold in folds:
                runs.append(
                    RunConfig(
                        model="fcn",
                        augmentation=exp.augmentation,
                        level=conn_level,
                        connection_mode=mode,
                        connection_prob=prob,
                        fold=fold,
                        **base,
                    )  # fmt: skip
                )
    else:
        for level in levels:
            for model in exp.models:
                for fold in folds:
                    runs.append(
                        RunConfig(
                            model=model,
                            augmentation=exp.augmentation,
                            level=level,
                            fold=fold,
                            **base,
                        )  # fmt: skip
                    )
    return runs


def expand_all(profile: str, datasets=DATASETS, experiments=None) -> list[RunConfig]:
    """Every distinct run of several experiments (shared runs counted once), in order."""
    seen, out = set(), []
    for ds in datasets:
        for name in experiments or EXPERIMENTS:
            for cfg in expand(name, profile, ds):
                if cfg.run_id not in seen:
                    seen.add(cfg.run_id)
                    out.append(cfg)
    return out
