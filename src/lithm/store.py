"""The results store: a folder of small JSON files, one per finished run, written atomically.

Each file ``<run_id>.json`` holds the run's configuration, per-epoch history, summary and provenance
(see :func:`lithm.train.train`). The store is tracked in git so that the book builds from it without
retraining. A truncated or unreadable file is reported, moved aside (never deleted: nothing
computed is lost) and its run counted as missing, so it is recomputed, never silently used.

>>> import tempfile
>>> import numpy as np

from lithm.config import RunConfig
>>> store = ResultsStore(tempfile.mkdtemp())
>>> cfg = RunConfig(dataset="mnist", model="cnn", epochs=1)
>>> store.has(cfg)
False
>>> _ = store.write({"config": cfg.to_dict(), "run_id": cfg.run_id, "history": [], "summary": {}})
>>> store.has(cfg), len(store)
(True, 1)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from lithm.config import RunConfig

#: Where the committed results of each profile live, relative to the repository root.
DEFAULT_ROOT = Path("results")


class CorruptResultError(ValueError):
    """A results file that cannot be read or does not describe the run its name says."""


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current git commit of the lithm checkout (with ``+dirty`` when modified), or None."""
    here = Path(cwd) if cwd else Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            cwd=here, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def atomic_write(path: Path, write: Callable[[str], None], suffix: str = ".tmp") -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it: never half a file.

    ``suffix`` keeps writers that insist on an extension (``np.savez`` adds ``.npz``) on the
    temporary name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`), synced to disk."""

    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(path, write)


class ResultsStore:
    """A folder of finished runs keyed by :attr:`RunConfig.run_id`.

    Args:
        root: the folder (created on first write). The book's profile lives in
            ``results/book``; by convention each profile has its own folder.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        #: Files found unreadable in this session: (path, reason, where it was moved).
        self.problems: list[tuple[str, str, str]] = []

    def __repr__(self) -> str:
        return f"ResultsStore({str(self.root)!r})"

    def __len__(self) -> int:
        return sum(1 for _ in self._files())

    def path(self, config: RunConfig) -> Path:
        """The file that holds (or will hold) ``config``'s result."""
        return self.root / f"{config.run_id}.json"

    def _files(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from sorted(self.root.glob("*.json"))

    def run_ids(self) -> list[str]:
        """The run ids of every stored file, sorted, without reading them."""
        return [path.stem for path in self._files()]

    def _read(self, path: Path) -> dict:
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CorruptResultError(f"{path}: not readable JSON ({exc})") from exc
        if not isinstance(record, dict) or not {"config", "history", "summary"} <= set(record):
            raise CorruptResultError(f"{path}: missing config, history or summary")
        try:
            config = RunConfig.from_dict(record["config"])
        except (TypeError, ValueError) as exc:
            raise CorruptResultError(f"{path}: invalid configuration ({exc})") from exc
        if path.stem != config.run_id:
            raise CorruptResultError(f"{path}: holds run {config.run_id}, not {path.stem}")
        return record

    def _quarantine(self, path: Path, reason: str) -> None:
        """Move an unreadable file aside so that its run is recomputed; keep it for inspection."""
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, target)
        except OSError:
            target = path
        self.problems.append((str(path), reason, str(target)))
        warnings.warn(
            f"results file {path} is unreadable ({reason}); moved to {target.name} and its run "
            "will be recomputed. Restore it from git (git checkout -- <file>) if it was committed.",
            stacklevel=3,
        )

    def load(self, config: RunConfig) -> dict | None:
        """The stored record of ``config``; None when missing (or found corrupt and set aside)."""
        path = self.path(config)
        if not path.exists():
            return None
        try:
            record = self._read(path)
        except CorruptResultError as exc:
            self._quarantine(path, str(exc))
            return None
        if record["config"] != config.to_dict():
            self._quarantine(path, "configuration does not match its file name")
            return None
        return record

    def has(self, config: RunConfig) -> bool:
        """Whether a readable, finished result of ``config`` is stored."""
        record = self.load(config)
        return record is not None and record["summary"].get("finished", True)

    def write(self, record: dict) -> Path:
        """Store a finished run's record atomically; returns its path.

        Arrays under ``record["artifacts"]`` (e.g. final kernels) go to
        ``artifacts/<run_id>.npz`` beside the JSON file, written first, so that a record on
        disk always has its artifacts.
        """
        record = dict(record)
        artifacts = dict(record.pop("artifacts", None) or {})
        config = RunConfig.from_dict(record["config"])
        model_state = artifacts.pop("model", None)
        if model_state is not None:
            import torch

            write_model = lambda tmp: torch.save(model_state, tmp)  # noqa: E731
            atomic_write(self.model_path(config), write_model, suffix=".pt")
            record["model_file"] = f"models/{config.run_id}.pt"
        if artifacts:
            write = lambda tmp: np.savez_compressed(tmp, **artifacts)  # noqa: E731
            atomic_write(self.artifact_path(config), write, suffix=".npz")
            record["artifact_files"] = sorted(artifacts)
        path = self.path(config)
        atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")
        return path

    def artifact_path(self, config: RunConfig) -> Path:
        """The ``.npz`` file holding a run's arrays (final first-layer kernels)."""
        return self.root / "artifacts" / f"{config.run_id}.npz"

    def model_path(self, config: RunConfig) -> Path:
        """The ``.pt`` file holding a run's final weights (float16), when the run kept them."""
        return self.root / "models" / f"{config.run_id}.pt"

    def load_model(self, config: RunConfig, device="cpu"):
        """The trained network of ``config``, rebuilt and loaded from its stored final weights.

        The weights were saved as float16 (to keep the repository small) and are loaded with
        ``torch.load(..., weights_only=True)`` into a float32 model in evaluation mode. Raises
        ``FileNotFoundError`` naming the runs that kept their weights when ``config`` did not.
        """
        import torch

        from lithm.models import build_model

        path = self.model_path(config)
        if not path.exists():
            kept = sorted(p.stem for p in (self.root / "models").glob("*.pt"))
            shown = "\n  ".join(kept) or "(none)"
            raise FileNotFoundError(
                f"no stored weights for run {config.run_id} in {self.root}; runs with weights:"
                f"\n  {shown}\nTrain it with lithm.train(config, keep_model=True) instead."
            )
        state = torch.load(path, map_location=device, weights_only=True)
        model = build_model(
            config.dataset, config.model, connection_mode=config.connection_mode,
            connection_prob=config.connection_prob, mask_seed=config.run_seed % (2**31),
            init=config.init,
        )  # fmt: skip
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in state.items()})  # fmt: skip
        return model.to(device).eval()

    def kernels(self, config: RunConfig):
        """The stored final first-layer kernels of ``config`` as a float32 array, or None.

        Layout ``(out_h, out_w, out_channels, in_channels, kh, kw)``, as ``FreeConv2d.kernels()``.
        """
        path = self.artifact_path(config)
        if not path.exists():
            return None
        with np.load(path) as arrays:
            return arrays["kernels"].astype(np.float32)

    def records(self) -> Iterator[dict]:
        """Every readable record; unreadable files are reported, set aside and skipped."""
        for path in self._files():
            try:
                yield self._read(path)
            except CorruptResultError as exc:
                self._quarantine(path, str(exc))

    def missing(self, configs) -> list[RunConfig]:
        """The configurations of ``configs`` that have no finished result yet, in order."""
        return [c for c in configs if not self.has(c)]


def load_model(
    dataset: str = "mnist",
    model: str = "cnn",
    level: float = 0.0,
    *,
    fold: int = 0,
    profile: str = "book",
    results=None,
    device="cpu",
    config: RunConfig | None = None,
):
    """A trained network of the committed results, ready to probe without retraining.

    Picks the run of the ``translation`` experiment at ``profile`` scale with this dataset, model
    kind, training level and fold (or exactly ``config``) and loads its stored final weights
    (float16 on disk, ``torch.load(..., weights_only=True)``) into a float32 model in evaluation
    mode. The book profile keeps the MNIST CNN and FCN at 0 % and 30 % translation on fold 0
    (:func:`lithm.runner.keeps_model`).

    >>> net = load_model("mnist", "fcn", 0.3)  # doctest: +SKIP
    >>> net(torch.zeros(1, 1, 28, 28)).shape  # doctest: +SKIP
    torch.Size([1, 10])
    """
    from lithm.experiments import expand
    from lithm.paths import results_dir

    store = ResultsStore(results_dir(profile, results))
    if config is None:
        runs = [
            c
            for c in expand("translation", profile, dataset, folds=(fold,), levels=(level,))
            if c.model == model
        ]
        if not runs:
            raise ValueError(f"no {model!r} run at level {level} in profile {profile!r}")
        config = runs[0]
    return store.load_model(config, device=device)
