"""The paper's experiments as named grids of runs, and the profiles that set their scale.

An *experiment* is one part of the paper (which augmentation is trained, which models, which
connection patterns); a *profile* is a scale (folds, subset, levels, epochs). ``expand`` crosses the
two into the list of :class:`~lithm.config.RunConfig` to train. Everything here is data,
defined once.

- ``translation``: Tables 1–2, Figs. 3–4, the distances of Fig. 5, the swap accuracies of Fig. 6.
- ``noise``, ``edge-noise``, ``rotation``: Tables B.1–B.3, Figs. B.6–B.7.
- ``connections``: Appendix C, Figs. C.1–C.2, in both mask modes (protocol §8).

Profiles: ``smoke`` (seconds, for CI and for checking that a chapter runs), ``book`` (the CPU-scale
results the book shows), ``paper`` (the authors' protocol exactly, protocol §2–§3, for GPUs).

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
    #: initialisation of the free convolutions ("keras" everywhere but the ``init`` control).
    init: str = "keras"


@dataclass(frozen=True)
class Scale:
    """Per-dataset training settings of a profile (protocol §3 for the paper's)."""

    epochs: int
    patience: int | None
    batch_size: int
    lr: float
    subset: int | None = None
    #: images of the held-out fold scored by the five transformed evaluations (None: all).
    eval_subset: int | None = None


@dataclass(frozen=True)
class Profile:
    """A scale at which every experiment can be run."""

    name: str
    description: str
    n_folds: int
    folds: tuple[int, ...]
    levels: tuple[float, ...]
    connection_probs: tuple[float, ...]
    #: translation level of the connection-pattern runs: 30 % in the paper's captions (protocol §8).
    connection_level: float
    scales: dict = field(default_factory=dict)
    eval_size: int | None = None
    #: levels per experiment where they differ from ``levels``; a key "experiment/dataset"
    #: overrides "experiment" for one dataset.
    levels_for: dict = field(default_factory=dict)
    #: folds per experiment where they differ from ``folds`` (keys as in ``levels_for``).
    folds_for: dict = field(default_factory=dict)
    #: connection probabilities per dataset where they differ from ``connection_probs``; a key
    #: "dataset/mode" (e.g. "mnist/input") overrides the dataset's for one mask mode.
    connection_probs_for: dict = field(default_factory=dict)
    #: mask modes per dataset where they differ from the experiment's (``"synapse"``, ``"input"``).
    connection_modes_for: dict = field(default_factory=dict)
    #: the edge-noise pattern and rotation centre of every run (see RunConfig).
    edge_pattern: str = "frame"
    rotation_center: str = "image"
    #: the budget of the whole grid in core-hours, summed over its runs as process wall time x
    #: threads, if it has one (``lithm status`` sets the total, or the projection, beside it).
    budget_core_hours: float | None = None

    @property
    def budget_cpu_hours(self) -> float | None:
        """The former name of :attr:`budget_core_hours` (kept so that older code still runs)."""
        return self.budget_core_hours

    def scale(self, dataset: str) -> Scale:
        return self.scales[canonical_dataset(dataset)]

    def _per(self, table: dict, experiment: str, dataset: str | None, default):
        if dataset is not None:
            key = f"{experiment}/{canonical_dataset(dataset)}"
            if key in table:
                return tuple(table[key])
        return tuple(table.get(experiment, default))

    def experiment_levels(self, experiment: str, dataset: str | None = None) -> tuple[float, ...]:
        return self._per(self.levels_for, experiment, dataset, self.levels)

    def experiment_folds(self, experiment: str, dataset: str | None = None) -> tuple[int, ...]:
        return self._per(self.folds_for, experiment, dataset, self.folds)

    def dataset_connection_probs(
        self, dataset: str | None = None, mode: str | None = None
    ) -> tuple[float, ...]:
        """The absent-connection probabilities trained on ``dataset`` (with mask ``mode`` if
        given); all of them if ``dataset`` is None.

        >>> book = get_profile("book")
        >>> book.dataset_connection_probs("cifar10")
        (0.8, 0.9, 0.99)
        >>> book.dataset_connection_probs("mnist", "input")
        (0.5, 0.9, 0.99)
        """
        if dataset is not None:
            ds = canonical_dataset(dataset)
            own = self.connection_probs_for.get(ds, self.connection_probs)
            return tuple(self.connection_probs_for.get(f"{ds}/{mode}", own))
        every = set(self.connection_probs).union(*map(set, self.connection_probs_for.values()))
        return tuple(sorted(every))

    def dataset_connection_modes(self, dataset: str, modes: tuple[str, ...]) -> tuple[str, ...]:
        """The mask modes trained on ``dataset``: ``modes`` (the experiment's) unless the profile
        keeps fewer there.

        >>> get_profile("book").dataset_connection_modes("cifar10", ("synapse", "input"))
        ('synapse',)
        """
        own = self.connection_modes_for.get(canonical_dataset(dataset))
        return tuple(m for m in modes if own is None or m in own)


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
            description="Trained with Gaussian noise, σ = level (protocol §5.2).",
        ),
        Experiment(
            "edge-noise",
            "edge-noise",
            ("cnn", "fcn"),
            "Table B.1",
            description="Trained with Gaussian noise on a 5-pixel frame (protocol §5.3).",
        ),
        Experiment(
            "rotation",
            "rotation",
            ("cnn", "fcn"),
            "Table B.3, Fig. B.6",
            description="Trained with random rotations of ±int(level·360)° (protocol §5.4).",
        ),
        Experiment(
            "connections",
            "translation",
            ("fcn",),
            "Appendix C, Figs. C.1–C.2",
            connection_modes=("synapse", "input"),
            description="FCNs with absent connections, paper (synapse) and code (input) masks.",
        ),
        Experiment(
            "init",
            "translation",
            ("fcn",),
            "not in the paper (a control)",
            description="FCNs initialised with the matching convolution's Glorot fans "
            "(init='conv') instead of Keras' (protocol §4.4): is the FCN worse, or only smaller?",
            init="conv",
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
                "CPU scale for the book, every run trained until it stops improving: early "
                "stopping on clean validation accuracy (patience 8, at most 100 epochs); MNIST on "
                "the paper's full folds, CIFAR-10 on a 30,000-image stratified subset at lr 1e-3; "
                "translation on 2 folds (7 levels on CIFAR-10, 5 on MNIST), the other "
                "experiments on fold 0 (CIFAR-10 with fewer levels and probabilities, the "
                "paper's synapse mask only, no init control); the five "
                "transformed evaluations on 2,000 held-out images."
            ),
            n_folds=5,
            folds=(0,),
            folds_for={"translation": (0, 1)},
            levels=(0.0, 0.1),
            levels_for={
                "translation": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.9),
                "translation/mnist": (0.0, 0.1, 0.3, 0.5, 0.9),
                "init/mnist": (0.0, 0.3),
                "init/cifar10": (),
            },
            connection_probs=(0.2, 0.5, 0.8, 0.9, 0.99),
            connection_probs_for={"cifar10": (0.8, 0.9, 0.99), "mnist/input": (0.5, 0.9, 0.99)},
            connection_modes_for={"cifar10": ("synapse",)},
            connection_level=0.3,
            budget_core_hours=30.0,
            # Departures from the paper's protocol (protocol §2-§3), each chosen from the pilot
            # (book appendix "Reproducibility", section "The pilot"):
            # - why patience 8 and 100 epochs (paper: 50/100 and 250/500): the pilot's runs
            #   reach their best clean validation accuracy well inside 100 epochs and do not
            #   improve over the next 8; the paper's patience would multiply the cost by ~5.
            # - why CIFAR-10 at lr 1e-3 (paper: 1e-4): at 1e-4 a run needs hundreds of epochs;
            #   the authors' own search scored a CIFAR CNN at 1e-3 within 0.3 points of 1e-4.
            # - why a 30,000-image CIFAR-10 subset (24,000 training images, paper 48,000): the
            #   CIFAR-10 FCN is the most expensive network; full folds would not fit the budget.
            # - why 2,000 images for the transformed evaluations: they were 5 of the 6 passes over
            #   the held-out fold each epoch; clean validation (early stopping) keeps all of it.
            # - why one fold for noise, edge noise, rotation, connections: the paper's claims
            #   are about translation, which keeps two folds.
            # - why CIFAR-10 drops level 0.9 of noise, edge noise and rotation, and p = 0.2 of the
            #   connection patterns: the pilot's translated CIFAR-10 runs needed more epochs than
            #   the clean ones, which put the full grid's estimate (lithm status) near the 30
            #   core-hour cap, and CIFAR-10 runs cost more than MNIST's. The paper's claim about
            #   the other augmentations (they give no translation invariance) holds at every
            #   level, so two levels test it; its claims about absent connections are at p = 0.8
            #   and beyond 0.9. Removing a level changes no other run.
            # - why, later, MNIST drops level 0.5 of noise, edge noise and rotation and CIFAR-10
            #   p = 0.5: with 30 of the runs stored (session of 2026-12-01), lithm status still
            #   projected 30.5 CPU-hours; the cut order was fixed in advance (cheapest first, and
            #   levels whose neighbours stay: 0.1 and 0.9 bracket MNIST's 0.5; MNIST keeps p = 0.5).
            # - why, last, CIFAR-10 drops level 0.5 of noise, edge noise and rotation: with 42 runs
            #   stored (session of 2026-12-02) the projection had risen to 29.7 CPU-hours, because
            #   translated CIFAR-10 runs need about 3x the epochs of clean ones; this was the third
            #   cut of the same order. Level 0.1 stays, the level MNIST also keeps.
            # - why, with 47 runs stored, MNIST drops level 0.9 of noise, edge noise and rotation
            #   too: the high CIFAR-10 translation levels took more epochs again (FCN at 40 %: 86
            #   epochs), and the projection reached 29.8 CPU-hours. Of the levers these
            #   are the runs it names as the ones to thin ("fewer folds or levels for the
            #   secondary experiments"); the init and connection runs it asks for, and every
            #   translation run, stay. Both datasets now train these three kinds at 0.1 (the
            #   paper's claim that they give no translation invariance is about every level).
            # - why, with 51 runs stored, the MNIST init control drops fold 1: the CIFAR-10 FCN at
            #   50 % took 0.85 CPU-hours and the projection reached 28.8 (above the 28.5 line).
            #   This was the next cut fixed in advance (the issue lets the secondary experiments
            #   use one fold); the control keeps its three MNIST levels (0, 30 and 90 %), paired
            #   with the Keras-initialised FCN and the CNN of fold 0.
            # - why, with 79 runs stored, CIFAR-10 trains the paper's (synapse) mask only and no
            #   init control: the machine of the sittings from 2026-12-02 11:00 on (AVX2, no
            #   AVX-512) takes about twice the CPU seconds per epoch of the earlier ones (MNIST
            #   FCN 21-23 s before, 45-47 s after; CIFAR-10 FCN ~30 s before, 55-68 s after), and
            #   the first masked CIFAR-10 FCN (synapse 0.8) took 82 epochs, 1.55 CPU-hours. The
            #   remaining runs projected ~33 CPU-hours in all. The cuts fixed in advance (the
            #   CIFAR-10 init control at 0 %, then 30 %, then MNIST init at 90 %) save ~2 of the
            #   ~4.5 needed to get under the 28.5 line, so the two CIFAR-10 init runs go, and so
            #   does the code's input mask on CIFAR-10 (p = 0.8, 0.9, 0.99; none had started):
            #   the paper's claims are about its synapse mask, and the input mask is measured on
            #   MNIST at all five probabilities. The MNIST init control stays whole (the issue
            #   asks for it at 0 % and 30 %).
            # - why, with the grid complete (84 runs), the seventh cut: the budget is counted
            #   as process wall time x threads, and the stored runs summed to 34.2 wall-clock hours
            #   (27.3 CPU-hours: runs that shared the two cores with other work, and the slower
            #   machine, stretched their wall time). Re-running on the machine of that sitting
            #   would not have paid (its MNIST FCN took 40 s per epoch), so the grid lost the runs
            #   that carry none of the paper's claims we test (lithm.verdicts), most expensive
            #   first: MNIST translation 20 % and 40 % (10 %, 30 % and 50 % bracket them; CIFAR-10
            #   keeps all seven levels, where the claims at 20 % and 40 % are), the MNIST init
            #   control at 90 % (the next cut fixed in advance; 0 % and 30 % stay, as the issue
            #   asks), and the code's input mask on MNIST at p = 0.2 and 0.8 (the paper's synapse
            #   mask keeps all five probabilities; the input mask keeps 0.5, 0.9 and 0.99: 0.5 and
            #   0.9 bracket where it falls, and at 0.9 the paper's figure, made with the code's
            #   mask, can be told from the synapse mask's; at 0.8 both masks stay close). Their
            #   records are kept outside the grid, in results/cut/ (see its README).
            scales={
                "mnist": Scale(
                    epochs=100, patience=8, batch_size=256, lr=1e-3, subset=None, eval_subset=2000
                ),
                "cifar10": Scale(
                    epochs=100,
                    patience=8,
                    batch_size=128,
                    lr=1e-3,
                    subset=30000,
                    eval_subset=2000,
                ),
            },  # fmt: skip
        ),
        Profile(
            name="paper",
            description="The authors' protocol as their code ran it (protocol §2–§3): 5 contiguous "
            "folds of train+test, 11 levels, 250/500 epochs, patience 50/100, the code's "
            "edge-noise pattern and Keras' rotation centre.",
            n_folds=5,
            folds=(0, 1, 2, 3, 4),
            levels=PAPER_LEVELS,
            connection_probs=PAPER_CONNECTION_PROBS,
            connection_level=0.3,
            scales={
                "mnist": Scale(epochs=250, patience=50, batch_size=256, lr=1e-3),
                "cifar10": Scale(epochs=500, patience=100, batch_size=128, lr=1e-4),
            },
            # why: the authors trained and scored edge noise with their batch-indexing pattern
            # and rotated about Keras' centre (protocol §5.3, §5.4); the paper profile does too.
            edge_pattern="code",
            rotation_center="keras",
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
    levels = tuple(overrides.pop("levels", prof.experiment_levels(exp.name, ds)))
    folds = tuple(overrides.pop("folds", prof.experiment_folds(exp.name, ds)))
    given_probs = overrides.pop("connection_probs", None)
    modes = tuple(
        overrides.pop("connection_modes", prof.dataset_connection_modes(ds, exp.connection_modes))
    )
    conn_level = overrides.pop("connection_level", prof.connection_level)
    scale = prof.scale(ds)
    base = dict(
        dataset=ds, n_folds=prof.n_folds, subset=scale.subset, epochs=scale.epochs,
        patience=scale.patience, batch_size=scale.batch_size, lr=scale.lr,
        eval_size=prof.eval_size, eval_subset=scale.eval_subset,
        edge_pattern=prof.edge_pattern, rotation_center=prof.rotation_center, init=exp.init,
    )  # fmt: skip
    base.update(overrides)
    runs: list[RunConfig] = []
    if exp.connection_modes:
        # prob 0 is the plain FCN at the same translation level: the baseline of Figs. C.1–C.2.
        def probs_of(mode: str) -> tuple[float, ...]:  # the override, else the profile's
            if given_probs is not None:
                return tuple(given_probs)
            return prof.dataset_connection_probs(ds, mode)

        settings = [(None, 0.0)] + [(m, p) for m in modes for p in probs_of(m)]
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


#: The pilot that chose the book profile's scale: both models at 0 % and 30 % translation, fold 0.
PILOT_LEVELS = (0.0, 0.3)


def pilot(profile: str, dataset: str, **overrides) -> list[RunConfig]:
    """The pilot runs of ``profile`` on ``dataset``: CNN and FCN at 0 % and 30 % translation,
    fold 0. They are ordinary runs of the translation grid, trained first so that their epochs to
    plateau and seconds per epoch can be read before the rest of the grid is committed to.

    >>> [c.label for c in pilot("smoke", "mnist", levels=(0.0,))]
    ['mnist-cnn-none-f0of2', 'mnist-fcn-none-f0of2']
    """
    overrides.setdefault("levels", PILOT_LEVELS)
    overrides.setdefault("folds", get_profile(profile).experiment_folds("translation", dataset)[:1])
    runs = expand("translation", profile, dataset, **overrides)
    return sorted(runs, key=lambda c: (c.level, c.model))


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
