"""Helpers for the book's chapters: check papermill parameters, fetch results, label their scale.

Every chapter starts with a cell tagged ``parameters`` and then calls
:func:`check_parameters`, which stops with a clear message on a bad value.
:func:`ensure_results` returns the per-epoch results of an experiment at the chapter's
profile, training what is missing when the profile asks for it:

- ``smoke``: trains the few missing runs at once (seconds), so a chapter can be checked anywhere;
- ``book``: reads the committed store ``results/book`` and never trains by default (the book
  builds in minutes); missing runs are listed with the command that computes them;
- ``paper``: trains what is missing (hours on a GPU), resuming where it stopped.

>>> p = check_parameters(profile="smoke", datasets=["mnist"], device="cpu")
>>> p["datasets"], p["train_missing"]
(('mnist',), True)
"""

from __future__ import annotations

from lithm.config import DATASETS, canonical_dataset
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.experiments import EXPERIMENTS, PROFILES, expand, get_profile
from lithm.paths import results_dir
from lithm.store import ResultsStore


class ParameterError(ValueError):
    """A chapter parameter with a value the chapter cannot use."""


def check_parameters(
    *, profile: str, datasets, device: str = "auto", train_missing=None, **others
) -> dict:
    """Validate a chapter's parameters; return them normalised, or raise :class:`ParameterError`.

    ``others`` are checked by name, so that every chapter says the same about the same mistake:
    ``epochs`` and ``timing_steps`` positive integers (``epochs`` may be None), ``seed``,
    ``image_index`` and ``filter_index`` integers >= 0, ``level`` and every entry of ``levels``
    in ``[0, 1)``, ``class_scale`` None or one of :data:`lithm.classroom.CLASS_SCALES`.

    >>> check_parameters(profile="smoke", datasets="mnist", seed=3)["seed"]
    3
    >>> check_parameters(profile="smoke", datasets="mnist", seed=-1)
    Traceback (most recent call last):
    ...
    lithm.chapter.ParameterError: seed=-1 must be an integer >= 0, e.g. 0
    """
    if profile not in PROFILES:
        raise ParameterError(
            f"profile={profile!r} is not a profile; use one of: {', '.join(PROFILES)} "
            "(papermill: -p profile smoke)"
        )
    if isinstance(datasets, str):
        datasets = [datasets]
    try:
        datasets = tuple(canonical_dataset(d) for d in datasets)
    except ValueError as exc:
        raise ParameterError(f"datasets={datasets!r}: {exc}") from None
    if not datasets:
        raise ParameterError(f"datasets is empty; use one or more of: {', '.join(DATASETS)}")
    from lithm.train import pick_device

    try:
        pick_device(device)
    except (ValueError, RuntimeError) as exc:
        raise ParameterError(f"device={device!r}: {exc}") from None
    if train_missing is None:
        train_missing = profile != "book"
    out = {"profile": profile, "datasets": datasets, "device": device,
           "train_missing": bool(train_missing)}  # fmt: skip
    for name, value in others.items():
        _check_other(name, value)
        out[name] = value
    return out


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_level(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1


def _check_other(name: str, value) -> None:
    """Raise :class:`ParameterError` when a known chapter parameter has a wrong value."""
    if name == "epochs" and value is not None and (not _is_int(value) or value < 1):
        raise ParameterError(f"epochs={value!r} must be a positive integer or None")
    if name == "timing_steps" and (not _is_int(value) or value < 1):
        raise ParameterError(f"timing_steps={value!r} must be a positive integer, e.g. 5")
    if name in ("seed", "image_index", "filter_index") and (not _is_int(value) or value < 0):
        raise ParameterError(f"{name}={value!r} must be an integer >= 0, e.g. 0")
    if name == "level" and not _is_level(value):
        raise ParameterError(f"level={value!r} must be a translation level in [0, 1), e.g. 0.3")
    if name.endswith("levels") and value is not None:
        if isinstance(value, (str, bytes)) or not all(_is_level(v) for v in value):
            raise ParameterError(f"{name}={value!r}: levels must lie in [0, 1), e.g. 0.3")
    if name == "class_scale" and value is not None:
        from lithm.classroom import CLASS_SCALES

        if value not in CLASS_SCALES:
            raise ParameterError(f"class_scale={value!r}: use one of {', '.join(CLASS_SCALES)}")


def ensure_results(
    experiment: str,
    profile: str,
    datasets=DATASETS,
    *,
    device: str = "auto",
    train_missing: bool | None = None,
    data_dir=None,
    results=None,
    progress: bool = True,
    **overrides,
):
    """Per-epoch results of ``experiment`` at ``profile`` on ``datasets`` (a tidy DataFrame).

    Trains missing runs when ``train_missing`` (default: every profile but ``book``). Otherwise
    prints which runs are missing and how to compute them, and returns what is stored.
    ``overrides`` (e.g. ``epochs=``, ``levels=``) change the grid as in :func:`lithm.expand`.
    """
    from lithm.analysis import load_results
    from lithm.runner import run_grid

    if experiment not in EXPERIMENTS:
        raise ParameterError(f"unknown experiment {experiment!r}; use one of {list(EXPERIMENTS)}")
    get_profile(profile)
    if train_missing is None:
        train_missing = profile != "book"
    folder = results_dir(profile, results)
    store = ResultsStore(folder)
    configs = [c for d in datasets for c in expand(experiment, profile, d, **dict(overrides))]
    missing = store.missing(configs)
    if missing and train_missing:
        run_grid(
            experiment, profile, tuple(datasets), results=store, device=device,
            data_dir=data_dir, progress=progress, **overrides,
        )  # fmt: skip
        missing = store.missing(configs)
    if missing:
        names = ", ".join(sorted({c.dataset for c in missing}))
        print(
            f"Note: {len(missing)} of {len(configs)} runs of '{experiment}' [{profile}] are not "
            f"stored yet ({names}); the figures below show the {len(configs) - len(missing)} that "
            f"are. Compute them with: lithm run {experiment} --profile {profile} --dataset all"
        )
    wanted = {c.run_id for c in configs}
    frame = load_results(store)
    if len(frame):
        frame = frame[frame["run_id"].isin(wanted)].reset_index(drop=True)
    return frame


def profile_note(profile: str) -> str:
    """One sentence saying at what scale a chapter's numbers were computed (for Markdown cells).

    >>> profile_note("book").split(": ")[1].split(";")[0]
    '2 of 5 folds for translation, 1 for the others'
    """
    prof = get_profile(profile)
    parts = []
    for ds in DATASETS:
        s = prof.scale(ds)
        subset = f"{s.subset:,} images" if s.subset else "all images (train + test)"
        if s.patience:
            length = f"up to {s.epochs} epochs, patience {s.patience}"
        else:
            length = f"{s.epochs} epoch{'s' if s.epochs > 1 else ''}, no early stopping"
        parts.append(f"{_NAMES[ds]}: {subset}, {length}, lr {s.lr:g}")
    folds = f"{len(prof.folds)} of {prof.n_folds} folds"
    wider = {}  # number of folds -> the experiments (and datasets) that use it, where it differs
    for key, chosen in prof.folds_for.items():
        if len(chosen) != len(prof.folds):
            name, _, ds = key.partition("/")
            label = f"{_NAMES.get(ds, ds)} {name}" if ds else name
            wider.setdefault(len(chosen), []).append(label)
    if wider:
        folds = (
            ", ".join(
                f"{n} of {prof.n_folds} folds for {' and '.join(names)}"
                for n, names in wider.items()
            )
            + f", {len(prof.folds)} for the others"
        )
    where = "reduced CPU scale" if profile != "paper" else "the paper's full protocol"
    return f"Profile `{profile}` ({where}): {folds}; " + "; ".join(parts) + "."
