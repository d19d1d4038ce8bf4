# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["remove-cell"]
# Set-up (hidden in the book; written by scripts/setup_cell.py, the same in every chapter).
# Where lithm is missing (Colab), install it from the book's repository with its committed
# results; then draw figures inline even when MPLBACKEND is set (e.g. to Agg).
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("lithm") is None:
    _repository = os.environ.get("LITHM_REPOSITORY", "")
    _branch = os.environ.get("LITHM_BRANCH", "main")
    if not _repository:
        raise RuntimeError("The repository's public address is not set yet: put it in `_config.yml` (`repository.url`, and `repository.branch`), then run `python scripts/setup_cell.py` and `make sync`.")
    _clone = os.path.abspath("lithm-repository")
    if not os.path.isdir(_clone):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", _branch, _repository, _clone],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", _clone], check=True)
    os.environ.setdefault("LITHM_RESULTS", os.path.join(_clone, "results"))
    importlib.invalidate_caches()
# %matplotlib inline

# %% [markdown]
# # 10. Is weight sharing necessary?
#
# The paper ends (§5.6 and §6) by weighing what weight sharing buys: fewer parameters, faster
# training, translation invariance for free, against what the free convolution offers: a
# network closer to biology that, trained on enough translated data, is claimed to be about as
# accurate {cite:p}`ott2020share`. This chapter puts numbers on the cost side (parameters, memory,
# time: measured now on this machine and from our stored runs), collects a verdict computed
# from our runs on every claim the paper makes, names what our runs show that the paper does not
# report, holds the paper's conclusion against its own tables, and closes with what later
# research found.
#
# ```{admonition} Learning objectives
# :class: tip
# After this chapter you can
# - put numbers on what weight sharing saves: parameters, training memory and time per step;
# - read a verdict on a claim: which runs it compares, our number and its 95 % bootstrap
#   interval beside the paper's, and why a comparison near chance, at the ceiling or with
#   missing runs says "cannot tell" rather than "agrees";
# - say, from one computed table, which of the paper's claims our runs reproduce, which they do
#   not, and which this scale cannot decide;
# - name what our runs show that the paper does not report: whether, and by how much, an FCN needs
#   longer to train, what the initialisation control says, where removing connections starts to
#   hurt;
# - test one of these yourself by changing the FCN's initialisation and training it.
# ```

# %% tags=["parameters"]
profile = "book"  # scale of the runs: "smoke" (seconds), "book" (committed CPU runs), "paper"
datasets = ["mnist", "cifar10"]  # one or both of "mnist", "cifar10"
device = "auto"  # "auto" (CUDA if available), "cpu" or "cuda": for missing runs and the timing
train_missing = None  # None: train missing runs for every profile but "book"; True/False forces it
timing_steps = 5  # timed training steps per network in the live measurement (a positive integer)
class_scale = None  # train-it-yourself scale: "class" (< 3 min), "build", None: $LITHM_CLASS_SCALE

# %% tags=["hide-input"]
import statistics
import time

import pandas as pd
import torch
import torch.nn.functional as nnf
from IPython.display import Markdown, display
from myst_nb import glue

from lithm.analysis import (
    fold_table,
    load_distances,
    load_results,
    provenance_summary,
    scale_label,
)
from lithm.chapter import check_parameters, ensure_results, profile_note
from lithm.config import DISPLAY_NAMES
from lithm.experiments import EXPERIMENTS, expand_all, get_profile
from lithm.findings import all_findings
from lithm.models import ARCHITECTURES, build_model, count_parameters
from lithm.paper import PARAMETER_COUNTS, PROTOCOL, discrepancy, paper_value
from lithm.paths import results_dir
from lithm.runner import STATUS_LABELS, GridFailed, against_budget, grid_status
from lithm.selfcheck import confirm
from lithm.sentences import say
from lithm.store import ResultsStore
from lithm.tables import book_order
from lithm.train import pick_device
from lithm.verdicts import (
    CEILING,
    FLOOR_MARGIN,
    MIN_FOLDS,
    N_RESAMPLES,
    SEED,
    claim_verdict,
    verdict_table,
)

try:  # the "train it yourself" exercise needs lithm.classroom
    from lithm.classroom import plot_in_class, train_in_class
except ImportError:  # pragma: no cover - an older lithm
    train_in_class = None

params = check_parameters(
    profile=profile,
    datasets=datasets,
    device=device,
    train_missing=train_missing,
    timing_steps=timing_steps,
    class_scale=class_scale,
)
DATASETS = params["datasets"]
NAMES = DISPLAY_NAMES  # how the book writes datasets and models
MiB = 2**20
print(profile_note(profile))

# %% [markdown]
# ## What sharing saves: parameters and memory
#
# > "The necessity of weight-sharing arises as a means of parameter reduction. Reducing the number
# > of parameters leads to networks that are faster to train and smaller to store."
# > ({cite:t}`ott2020share`, §5.6)
#
# The four networks of the paper (Table A.2) have the same layers, filters and strides; the FCN
# only replaces each convolution by a free convolution. The table counts their parameters (checked
# against [protocol §4.3](protocol-parameters)), the memory of the parameters in float32, the memory a training step keeps
# (parameters, gradients and Adam's two moments: four copies), and the memory of the tensors that
# one forward pass at the paper's batch size saves for the backward pass. The last is measured
# with autograd's saved-tensor hooks, counting each piece of storage once and leaving out the
# parameters themselves.


# %% tags=["hide-input"]
def saved_for_backward(net, x, y) -> int:
    """Bytes of the non-parameter tensors autograd keeps for the backward pass of one batch."""
    param_storage = {p.untyped_storage().data_ptr() for p in net.parameters()}
    kept: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in param_storage:
            kept[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = nnf.cross_entropy(net(x), y)  # (B, C, H, W) -> (B, 10) -> scalar
    del loss
    return sum(kept.values())


def random_batch(dataset: str, dev=None):
    arch = ARCHITECTURES[dataset]
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(arch.batch_size, *arch.input_shape, generator=gen)  # (B, C, H, W)
    y = torch.randint(0, arch.classes, (arch.batch_size,), generator=gen)  # (B,)
    return x.to(dev), y.to(dev)


rows = []
for ds in DATASETS:
    x, y = random_batch(ds)
    for kind in ("cnn", "fcn"):
        torch.manual_seed(0)
        net = build_model(ds, kind)
        n = count_parameters(net)
        rows.append(
            {
                "dataset": NAMES[ds],
                "model": NAMES[kind],
                "parameters": n,
                "paper count (protocol §4.3)": PARAMETER_COUNTS[ds][kind],
                "parameters (MiB)": n * 4 / MiB,
                "training state (MiB)": 4 * n * 4 / MiB,
                "batch": ARCHITECTURES[ds].batch_size,
                "saved for backward (MiB)": saved_for_backward(net, x, y) / MiB,
            }
        )
        del net
memory = pd.DataFrame(rows)
display(memory.style.format(precision=1, thousands=",").hide(axis="index"))
ratios = memory.pivot(index="dataset", columns="model", values="parameters")
for ds in DATASETS:
    glue(f"ch10_param_ratio_{ds}", float(ratios.loc[NAMES[ds], "FCN"] / ratios.loc[NAMES[ds], "CNN"]), display=False)  # fmt: skip

# %% [markdown]
# Compare the two rows of each dataset. Most of the CNN's parameters sit in the dense head
# (2.1–2.4 million, [protocol §4.3](protocol-parameters)), so the free convolutions multiply the *total* only by
# {glue:text}`ch10_param_ratio_mnist:.1f` (MNIST) and {glue:text}`ch10_param_ratio_cifar10:.1f`
# (CIFAR-10) when both datasets are shown; the feature layers alone grow by far more (CIFAR-10
# layer 1: 4,864 → 953,344). The memory saved for the backward pass differs for another reason:
# the free convolution copies every patch of its input once into a `(positions, batch, patch)`
# stack for its batched matrix product, and that stack is what the backward pass needs.
#
# ## What sharing saves: time
#
# A short live measurement: one training step (forward, cross-entropy, backward, Adam) of each
# network at the paper's batch size, on random inputs, after a few untimed warm-up steps. It is
# **measured now on this machine**, which may be shared with other work: treat it as a rough
# figure. `benchmarks/step_time.py` in the repository does the same with more repeats and options
# (threads, fused Adam) for careful timings.

# %% tags=["hide-input"]
dev = pick_device(params["device"])
warmup, steps = (1, min(timing_steps, 2)) if profile == "smoke" else (3, timing_steps)


def _sync(d):
    if d.type == "cuda":
        torch.cuda.synchronize(d)


def step_times(dataset: str, kind: str) -> list[float]:
    """Seconds of each timed training step of one network (protocol §3 batch size and Adam)."""
    arch = ARCHITECTURES[dataset]
    torch.manual_seed(0)
    net = build_model(dataset, kind).to(dev)
    try:  # the fused Adam that lithm.train uses where available (Keras' epsilon, protocol §3)
        opt = torch.optim.Adam(net.parameters(), lr=arch.learning_rate, eps=1e-7, fused=True)
    except (RuntimeError, ValueError):
        opt = torch.optim.Adam(net.parameters(), lr=arch.learning_rate, eps=1e-7)
    x, y = random_batch(dataset, dev)
    times = []
    for i in range(warmup + steps):
        _sync(dev)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        nnf.cross_entropy(net(x), y).backward()
        opt.step()
        _sync(dev)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


timing_rows = []
for ds in DATASETS:
    for kind in ("cnn", "fcn"):
        t = step_times(ds, kind)
        timing_rows.append(
            {
                "dataset": NAMES[ds],
                "model": NAMES[kind],
                "batch": ARCHITECTURES[ds].batch_size,
                "median step (s)": statistics.median(t),
                "fastest step (s)": min(t),
                "timed steps": len(t),
            }
        )
timing = pd.DataFrame(timing_rows)
step_ratio = timing.pivot(index="dataset", columns="model", values="median step (s)")
step_ratio = book_order((step_ratio["FCN"] / step_ratio["CNN"]).rename("FCN / CNN").to_frame())
where = f"device {dev}" + (f", {torch.get_num_threads()} CPU threads" if dev.type == "cpu" else "")
display(timing.style.format(precision=3).hide(axis="index"))
display(step_ratio.style.format("{:.2f}×"))
display(
    Markdown(
        f"*Measured now on this machine ({where}; torch {torch.__version__}), {warmup} warm-up "
        f"and {steps} timed steps per network.*"
    )
)

# %% [markdown]
# The ratio column is the honest summary of "faster to train" on this machine. Our free
# convolution is one patch copy and one batched matrix product per layer
# ([chapter 1](01_free_convolutions.ipynb)), so on a CPU it need not be much slower than
# PyTorch's convolution for kernels and feature maps this small; on a GPU, where convolutions run
# through heavily tuned libraries, the balance is usually different. Whatever the ratio here, it
# is a property of one implementation on one machine, not of the two kinds of layer: Keras'
# `LocallyConnected2D`, which the authors used, is another implementation with costs of its own,
# which we have not measured.
#
# ## The cost of the whole protocol
#
# Each stored run records the wall-clock seconds of every epoch (training plus the six
# evaluations of the held-out fold), of the whole run, and the CPU time of its process. The first
# table is what `lithm status` prints: per experiment, the wall-clock and CPU hours of the stored
# runs and an estimate of the CPU-hours the missing ones need (from finished runs of the same kind
# at the nearest level). Wall-clock hours overstate a run's cost when other work shared the
# machine; CPU-hours do not. The grid's budget is counted in core-hours, wall-clock hours × torch
# threads, the stricter of the two ({doc}`../book/reproducibility`). The second table turns the epoch
# times into seconds per image and
# epoch and **extrapolates** to the
# paper's protocol: the full datasets and the maximum number of epochs (250 for MNIST, 500 for
# CIFAR-10; early stopping ends some runs sooner, e.g. the authors' MNIST runs at 0 % stopped
# after 76–220 epochs, [protocol §3](protocol-training)). The extrapolation assumes the time grows
# in proportion to the number of images, at the device and thread count the runs were measured
# with.

# %% tags=["hide-input"]
store = ResultsStore(results_dir(profile))
status_rows, totals = grid_status(profile)  # what `lithm status --profile <profile>` prints
protocol_cost = pd.DataFrame(status_rows).assign(dataset=lambda t: t["dataset"].map(NAMES))
protocol_cost = protocol_cost[["experiment", "dataset", "runs", "done", "hours", "cpu_hours",
                               "hours_left"]].rename(columns=STATUS_LABELS)  # fmt: skip
display(protocol_cost.style.format(precision=2, na_rep="–").hide(axis="index"))
all_records = list(store.records())
if totals["done"]:
    every = provenance_summary(all_records)
    threads = sorted({(r.get("provenance") or {}).get("threads") for r in all_records} - {None})
    cpu = "?" if totals["cpu_hours"] is None else f"{totals['cpu_hours']:.2f}"
    left = (
        "; the grid is complete" if totals["missing"] == 0
        else "" if totals["hours_left"] is None
        else f"; an estimated {totals['hours_left']:.2f} CPU-hours for the {totals['missing']} "
        "runs still missing"
    )  # fmt: skip
    devices = ", ".join(f"{name} ({n} runs)" for name, n in every["devices"].items())
    budget = against_budget(totals["core_hours"], get_profile(profile).budget_core_hours)
    budget = f", {budget}" if budget and totals["missing"] == 0 else ""
    display(
        Markdown(
            f"*{totals['done']} of {totals['runs']} distinct runs of profile `{profile}` stored: "
            f"{totals['core_hours']:.2f} core-hours (wall-clock × threads{budget}) and {cpu} "
            f"CPU-hours (each shared 0 % run counted once here, but in every experiment above)"
            f"{left}; devices: "
            f"{devices}; torch threads per run: {', '.join(map(str, threads))}.*"
        )
    )
else:
    print(f"No runs stored for profile {profile!r} yet.")


# %% tags=["hide-input"]
def per_image_rates(records) -> pd.DataFrame:
    """Median seconds per image per epoch (training + evaluation) by dataset and model."""
    rows = []
    for r in records:
        cfg = r["config"]
        n_images = cfg["subset"] or PROTOCOL[cfg["dataset"]]["n_images"]
        seconds = [h["seconds"] for h in r.get("history", []) if h.get("seconds")]
        if seconds:
            rows.append(
                {
                    "dataset": cfg["dataset"],
                    "model": cfg["model"],
                    "rate": statistics.median(seconds) / n_images,
                }
            )
    if not rows:
        return pd.DataFrame(columns=["dataset", "model", "rate"])
    return pd.DataFrame(rows).groupby(["dataset", "model"], as_index=False)["rate"].median()


rates = per_image_rates(all_records)
paper_runs = expand_all("paper", DATASETS)
extrapolation = []
for ds in DATASETS:
    for kind in ("cnn", "fcn"):
        hit = rates[(rates["dataset"] == ds) & (rates["model"] == kind)]
        if hit.empty:
            continue
        rate = float(hit["rate"].iloc[0])
        n = PROTOCOL[ds]["n_images"]
        epochs = PROTOCOL[ds]["max_epochs"]
        count = sum(1 for c in paper_runs if c.dataset == ds and c.model == kind)
        extrapolation.append(
            {
                "dataset": NAMES[ds],
                "model": NAMES[kind],
                "seconds per image per epoch (measured)": rate,
                "hours per epoch, full data": rate * n / 3600,
                "hours per run, max epochs": rate * n * epochs / 3600,
                "runs in the paper grid": count,
                "hours, whole grid (extrapolated)": rate * n * epochs * count / 3600,
            }
        )
if extrapolation:
    extrapolation = pd.DataFrame(extrapolation)
    display(
        extrapolation.style.format(precision=1, thousands=",")
        .format("{:.2e}", subset=["seconds per image per epoch (measured)"])
        .format("{:.3f}", subset=["hours per epoch, full data"])
        .hide(axis="index")
    )
    total_hours = float(extrapolation["hours, whole grid (extrapolated)"].sum())
    absent = [
        f"{NAMES[ds]} {NAMES[kind]}"
        for ds in DATASETS
        for kind in ("cnn", "fcn")
        if not (
            (extrapolation["dataset"] == NAMES[ds]) & (extrapolation["model"] == NAMES[kind])
        ).any()
    ]
    if absent:
        print(f"Not in the total (no stored runs to measure yet): {', '.join(absent)}.")
    glue("ch10_paper_hours", total_hours, display=False)
    glue("ch10_paper_days", total_hours / 24, display=False)
    display(
        Markdown(
            f"*Extrapolation, not a measurement: measured per-image times of the `{profile}` "
            f"runs × the paper's images × its maximum epochs × the {len(paper_runs)} distinct "
            f"runs of lithm's `paper` profile. Total ≈ {total_hours:,.0f} hours "
            f"(≈ {total_hours / 24:,.0f} days) at the speed and thread count of the stored runs.*"
        )
    )
else:
    total_hours = float("nan")
    print("No stored runs with per-epoch times for these datasets: nothing to extrapolate.")

# %% [markdown]
# The authors' own grid was larger still: their code ran the connection patterns at five
# translation levels instead of our one, about 1,320 fold-trainings in all ([protocol §12](protocol-profiles)), each
# scored on five transformed copies of the held-out fold after every epoch. A reader with one GPU
# should plan for the full protocol in days, not hours; the `book` profile exists so that every
# chapter can be checked in minutes on a laptop.
#
# (ch10-verdicts)=
# ## Every claim: the paper's number, ours, and a verdict
#
# One function, `lithm.verdicts.claim_verdict`, turns each claim the paper makes (its text, its
# tables and the numbers read from its data: `lithm.paper.CLAIMS`) into a verdict computed from
# the stored runs; `verdict_table` collects them in the one table below. For each claim a small
# spec says which runs it compares and on which accuracy, e.g. "the FCN at 0 %, clean minus
# translated accuracy". Folds pair by their number; each fold contributes its accuracy at its best
# clean-validation epoch; the paper's number is read from `lithm.paper`, never typed. The outcome
# follows from a 95 % bootstrap interval of our number:
#
# - **reproduces**: the whole interval lies on the paper's side (above or below the line the
#   claim draws, or within the stated tolerance of the paper's value);
# - **does not reproduce**: the whole interval lies on the other side, or misses the paper's
#   value and its tolerance;
# - **cannot tell**: the interval straddles the line; or the runs are not stored; or the side
#   that must have learned is near chance (guessing gets a tenth of ten classes right; a claim
#   that a network *is* at chance, such as the paper's at 99 % absent connections, is instead
#   tested by closeness to the paper's number) or both
#   sides sit at the ceiling, where no difference can show; or the claim is about something we
#   did not run (the authors' hyper-parameter search, the wording of the protocol).
#
# Two cautions. The paper's numbers are medians over every epoch of five folds
# ([protocol](protocol-aggregation)); ours are per-fold best epochs (the authors' median where a
# claim is itself such a median, the final epoch for filter distances; the "interval" column names
# which), at the scale named in every verdict. And a bootstrap over one or two folds says nothing about fold-to-fold variation: with
# that few folds (the `book` profile trains one or two) the interval only reflects the
# epoch-to-epoch spread of each run around its best epoch, the "interval" column says so, and a
# verdict from it is provisional. The rule's settings are printed under the table. Each question
# has its chapter: overfitting ([chapter 3](03_overfitting.ipynb)), translation invariance
# ([chapter 4](04_translation_invariance.ipynb)), performance ([chapter 5](05_performance.ipynb)),
# approximate weight sharing ([chapter 6](06_weight_sharing_emerges.ipynb)), the quadrant swap
# ([chapter 7](07_quadrant_swap.ipynb)), other augmentations
# ([chapter 8](08_other_augmentations.ipynb)) and connection patterns
# ([chapter 9](09_connection_patterns.ipynb)).

# %% tags=["hide-input"]
frames = {}
for name in EXPERIMENTS:
    try:
        frames[name] = ensure_results(
            name, profile, DATASETS, device=params["device"], train_missing=params["train_missing"]
        )
    except GridFailed as exc:  # some runs failed: report them, then use what is stored
        print(f"Some runs of {name!r} could not be trained:\n{exc}")
        frames[name] = ensure_results(name, profile, DATASETS, train_missing=False)

# every run of every experiment once (the 0 % runs are shared), and their filter distances
stored = [f for f in frames.values() if len(f)]
everything = (
    pd.concat(stored, ignore_index=True).drop_duplicates(["run_id", "epoch"])
    if stored
    else load_results([])
)
distances = load_distances(ResultsStore(results_dir(profile)))
if len(distances):
    distances = distances[distances["run_id"].isin(set(everything["run_id"]))]

# %% tags=["hide-input"]
verdicts = verdict_table(everything, distances=distances)


def _num(x) -> str:
    if x is None or x != x:
        return "–"
    if isinstance(x, str):  # the paper's ranges come as text already
        return x
    return f"{x:.4f}" if x != 0 and abs(x) < 0.01 else f"{x:.3f}"


# the outcome first: the table is wide, and the verdict is what a reader looks for
shown = pd.DataFrame(
    {
        "claim": verdicts["claim"],
        "outcome": verdicts["outcome"],
        "paper": verdicts["paper"].map(_num),
        "ours": verdicts["ours"].map(_num),
        "95 % interval": [
            "–" if lo is None or lo != lo else f"{_num(lo)} to {_num(hi)}"
            for lo, hi in zip(verdicts["low"], verdicts["high"], strict=True)
        ],
        "folds": verdicts["n_folds"],
        "§": verdicts["section"],
        "the paper says": verdicts["statement"],
        "reason": verdicts["reason"],
        "interval": verdicts["interval"].replace("", "–"),
    }
)
display(Markdown(shown.to_markdown(index=False)))
print(
    f"Rule: {N_RESAMPLES:,} bootstrap resamples (seed {SEED}); folds are resampled from "
    f"{MIN_FOLDS} paired folds up, otherwise the epoch spread is used; 'near chance' means less "
    f"than {FLOOR_MARGIN:g} above chance; the ceiling is {CEILING:g}. Scale of the runs: "
    f"{scale_label(everything) if len(everything) else 'no runs stored'}."
)
counts = verdicts["outcome"].value_counts()
glue("ch10_claims", len(verdicts), display=False)
glue("ch10_reproduces", int(counts.get("reproduces", 0)), display=False)
glue("ch10_not_reproduced", int(counts.get("does not reproduce", 0)), display=False)
glue("ch10_cannot_tell", int(counts.get("cannot tell", 0)), display=False)

# %% [markdown]
# Of the {glue:text}`ch10_claims` claims, {glue:text}`ch10_reproduces` reproduce in our runs,
# {glue:text}`ch10_not_reproduced` do not, and {glue:text}`ch10_cannot_tell` cannot be decided
# at this profile. The claims our runs contradict are listed next, each in one computed
# sentence; their chapters discuss why.

# %% tags=["hide-input"]
against = verdicts.loc[verdicts["outcome"] == "does not reproduce", "claim"]
say((claim_verdict(everything, cid, distances=distances).sentence() for cid in against),
    empty="No stored comparison contradicts the paper at this profile.")  # fmt: skip

# %% [markdown]
# ## What our runs show beyond the paper
#
# The paper reports where training ends, not how it gets there, and it has no control for the
# FCN's initialisation. Three findings, each computed from the store and stated so that it stays
# true whichever way the runs come out (`lithm.findings`):
#
# 1. how many more epochs (and Adam steps) the FCN needs than the CNN to reach 95 % of the CNN's
#    best clean accuracy under heavy translation;
# 2. what the initialisation control says: the FCN initialised with the fans of the matching
#    convolution ([protocol](protocol-init)) against the FCN initialised the authors' way, and
#    both against the CNN, at the same level and fold;
# 3. up to which probability of absent connections the FCN stays within a point of the unmasked
#    FCN, for the paper's per-weight mask and the code's per-input mask
#    ([protocol](protocol-connections)).

# %% tags=["hide-input"]
findings = all_findings(everything, profile=profile)
say((finding.sentence for finding in findings), numbered=True)

# %% tags=["hide-input"]
# Our per-fold final-epoch tables and the paper's cells, for the conclusion below.
_tables: dict = {}


def table(experiment: str, ds: str) -> pd.DataFrame:
    """Per-fold final-epoch table (cached) of one experiment on one dataset."""
    key = (experiment, ds)
    if key not in _tables:
        frame = frames[experiment]
        metrics = ("train", "validation", "translation", "swap")
        _tables[key] = fold_table(frame, experiment, ds, "final", metrics) if len(frame) else None
    return _tables[key]


def pv(ds, model, level, metric, experiment="translation"):
    return paper_value(experiment, ds, model, level, metric)


# %% [markdown]
# ## The paper's conclusion against its own tables
#
# > "FCNs trained with augmented datasets have been shown to match and even surpass standard CNNs
# > in validation set accuracy." ({cite:t}`ott2020share`, §6)
#
# > "In terms of accuracy, FCNs have shown comparable results are possible without
# > weight-sharing. In this regard, weight-sharing is not a necessity." ({cite:t}`ott2020share`,
# > §5.6)
#
# The tables say something narrower ([protocol §10.11](protocol-discrepancy-conclusion)). The next table reads them level by level:
# at no augmentation level does the FCN's validation accuracy exceed the CNN's. The FCN "surpasses"
# only the *un-augmented* CNN, and on MNIST by a tenth of a point. Our numbers are beside them.


# %% tags=["hide-input"]
def conclusion_rows(ds):
    levels = PROTOCOL[ds]["levels"]
    p_c = {lv: pv(ds, "cnn", lv, "validation") for lv in levels}
    p_f = {lv: pv(ds, "fcn", lv, "validation") for lv in levels}
    out = {
        "dataset": NAMES[ds],
        "source": "paper (Tables 1–2)",
        "levels": len(levels),
        "FCN > CNN at the same level": sum(p_f[lv] > p_c[lv] for lv in levels),
        "best FCN − CNN at 0 %": max(p_f.values()) - p_c[0.0],
        "best FCN − best CNN": max(p_f.values()) - max(p_c.values()),
    }
    rows = [out]
    t = table("translation", ds)
    if t is not None and not t.empty:
        piv = t.pivot_table(index="level", columns="model", values="validation").dropna()
        if {"cnn", "fcn"} <= set(piv.columns) and 0.0 in piv.index:
            rows.append(
                {
                    "dataset": NAMES[ds],
                    "source": "ours (final epoch)",
                    "levels": len(piv),
                    "FCN > CNN at the same level": int((piv["fcn"] > piv["cnn"]).sum()),
                    "best FCN − CNN at 0 %": float(piv["fcn"].max() - piv.loc[0.0, "cnn"]),
                    "best FCN − best CNN": float(piv["fcn"].max() - piv["cnn"].max()),
                }
            )
    return rows


conclusion = pd.DataFrame([r for ds in DATASETS for r in conclusion_rows(ds)])
display(conclusion.style.format(precision=4).hide(axis="index"))
d = discrepancy("conclusion")
print(f"{d.title}: paper: {d.paper}; tables: {d.code} ({d.protocol}).")

# %% [markdown]
# So the defensible reading of the paper's own evidence is: with enough translated data a free
# convolutional network comes close to the convolutional one, on MNIST very close, on CIFAR-10
# within a few points, but the convolutional network trained on the same data stays ahead. The
# price of the free convolution is paid in parameters and in the training data needed to teach
# each position what the convolution knows by construction.
#
# ## What later research found
#
# The question did not end with this paper. A few later results, in brief (read the originals
# before relying on them):
#
# - {cite:t}`pogodin2021towards` ask how to make convolutional networks biologically plausible.
#   They report that translation augmentation needs many translations and does not remove the
#   performance gap between locally connected and convolutional networks, and that a periodic
#   "dynamic weight sharing" phase brings locally connected networks close to convolutional ones
#   on ImageNet. (Their tools include instant weight sharing by averaging the kernels over
#   positions: `FreeConv2d.to_conv` does exactly that.)
# - {cite:t}`elsayed2020revisiting` make the degree of spatial sharing a knob, with low-rank
#   local connectivity between a convolution and a locally connected layer, and find settings in
#   between that beat both.
# - {cite:t}`neyshabur2020towards` starts from fully connected networks and shows that training
#   with β-LASSO makes them learn local connectivity, reaching about 85 % on CIFAR-10.
# - {cite:t}`dascoli2019finding` map a CNN into an equivalent fully connected network and continue
#   training it there: the result can beat the CNN it came from, while plain fully connected
#   networks do not find those solutions. The convolutional prior matters most for *where
#   training goes*, not for what the larger network can express.
# - {cite:t}`novak2019bayesian` show that, without pooling, infinitely wide CNNs with and without
#   weight sharing become the same Gaussian process. The paper's networks have no pooling (Table
#   A.2), so in that limit sharing would not matter at all; whatever difference we measure comes
#   from finite width and from training.
# - {cite:t}`bartunov2018assessing`, one of the paper's own references, found that biologically
#   motivated learning rules fall behind backpropagation, and more so with locally connected
#   units: dropping weight sharing is only one of the steps towards a plausible network.
#
# A theme for discussion: **locality does most of the work; sharing adds a smaller benefit; and
# augmentation narrows the gap but does not close it.** Our tables above are one small test of
# that sentence at CPU scale.

# %% [markdown]
# ## Exercises
#
# ```{exercise}
# :label: ex-10-gpu-hours
# Use the step times measured above. One epoch of the paper's protocol is
# $\lfloor N_\text{train} / B \rfloor$ training steps: 56,000 images at batch 256 for MNIST and
# 48,000 at batch 128 for CIFAR-10 (evaluation ignored). How many hours would the paper's
# *translation* experiment (11 levels × 2 models × 5 folds per dataset) take on this device if
# every run went to the maximum 250 (MNIST) or 500 (CIFAR-10) epochs? If you ran this chapter on a
# GPU (`-p device cuda`), the answer is in GPU-hours.
# ```
#
# ```{solution} ex-10-gpu-hours
# :class: dropdown
# Per run: steps per epoch × median step time × maximum epochs; per dataset: 11 levels × 5 folds
# runs of each model, for both models, with the step times measured above. The self-check below
# confirms an estimate within a quarter of the exact product (without printing it).
# Early stopping would shorten many runs (the authors' MNIST runs at 0 % stopped after 76–220
# epochs), and the six
# evaluations per epoch add to it, so read the result as an order of magnitude.
# ```

# %%
answer = None  # your estimate in hours, for the datasets of this chapter
_hours = 0.0
for _, _r in timing.iterrows():
    _ds = {v: k for k, v in NAMES.items()}[_r["dataset"]]
    _steps = (PROTOCOL[_ds]["n_images"] * 4 // 5) // ARCHITECTURES[_ds].batch_size
    _hours += 11 * 5 * _steps * _r["median step (s)"] * PROTOCOL[_ds]["max_epochs"] / 3600
confirm(answer, _hours, tolerance=0.25, relative=True,
        hint="steps per epoch × step time × maximum epochs × 55 runs per model")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-10-memory
# How much memory do the *parameters* of the CIFAR-10 FCN take in float32, and how much does a
# training step need for parameters, gradients and Adam's two moment estimates? Compare with the
# CIFAR-10 CNN. Why is the CNN's memory dominated by its dense head?
# ```
#
# ```{solution} ex-10-memory
# :class: dropdown
# 11,103,626 parameters × 4 bytes ≈ 42.4 MiB, and four copies ≈ 169 MiB; the CNN has 2,875,530
# parameters, ≈ 11 MiB and ≈ 44 MiB. The CNN's three convolutions hold only about half a million
# weights, while the dense layer from the 2,304 flattened features to 1,024 units alone holds
# 2,360,320: sharing has already made the feature layers small.
# ```

# %%
answer = None  # the training state of the CIFAR-10 FCN in MiB (parameters, gradients, 2 moments)
confirm(answer, 4 * PARAMETER_COUNTS["cifar10"]["fcn"] * 4 / MiB, tolerance=2,
        hint="four float32 copies of every parameter")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-10-survives
# Pick one claim that the verdict table marks "cannot tell" because of its interval (not because
# runs are missing or the claim is about the hyper-parameter search). Which part of the rule
# decided it, and what would turn it into "reproduces" or "does not reproduce": more folds,
# longer training, the paper's aggregation (`verdict_table(everything, way="authors")`), or
# nothing we can afford? Then count: how many claims does the table decide at all?
# Put that count in `answer`.
# ```
#
# ```{solution} ex-10-survives
# :class: dropdown
# An interval that straddles the claim's line means that our number's uncertainty is larger than
# its distance from the line. More folds narrow an interval made from folds, and they replace
# the epoch-spread interval of one or two folds by an honest one (which is usually *wider*, so a
# provisional verdict can fall back to "cannot tell"). Longer training moves the number itself;
# the authors' aggregation moves it towards the paper's definition (a median over all epochs,
# early ones included). A claim decided at the floor or the ceiling needs a scale at which the
# network learns or a harder test, not more folds. The count is the number of rows whose outcome
# is "reproduces" or "does not reproduce".
# ```

# %%
answer = None  # how many claims does the table decide (reproduces or does not reproduce)?
confirm(answer, int((verdicts["outcome"] != "cannot tell").sum()),
        hint="count the rows whose outcome is not 'cannot tell'")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-10-init
# Train it yourself: is the FCN worse than the CNN, or only smaller at the start? The authors'
# code initialises each free convolution with Glorot fans computed over all its positions, which
# makes its initial weights several times smaller than the matching convolution's
# ([protocol](protocol-init)). Train the authors' FCN and an FCN with `init="conv"` side by side
# on MNIST at 50 % translation (the cell below, a few minutes at class scale), and compare their
# curves. Then compare your run with the initialisation finding above, which also sets both
# against the CNN. Change `INIT_LEVEL`, or add `"cnn"` to `INIT_MODELS` (a few minutes more), and
# run it again.
# ```
#
# ```{solution} ex-10-init
# :class: dropdown
# The cell builds the second network with `build_model(dataset, "fcn", init="conv")` and trains
# both on the same images, in the same order, with the same augmentation. If the conv-init
# FCN starts learning earlier and ends higher than the authors' FCN, part of the FCN's
# deficit in short runs is its small start, not the missing weight sharing; if the two FCNs are
# within the run's yardstick, the initialisation is not what holds the FCN back at this scale.
# One split at class scale is one sample: the stored `init` runs (finding 2 above) pair folds and
# train until early stopping ends them (the appendix *Reproducibility* counts which runs finished
# learning), so once stored they are the better evidence; a disagreement between them and your run
# says that the class scale is too small to decide.
# ```

# %%
INIT_LEVEL = 0.5
INIT_MODELS = ("fcn", "conv-init FCN")


def conv_init_fcn(dataset, name):
    """The paper's networks, plus "conv-init FCN": the FCN with the matching convolution's fans."""
    return build_model(dataset, "fcn", init="conv") if name == "conv-init FCN" else None


if train_in_class is None:
    print("lithm.classroom is not installed in this version of lithm: update lithm to train.")
else:
    yours = train_in_class("mnist", models=INIT_MODELS,
                           augmentation="translation", level=INIT_LEVEL, scale=class_scale,
                           build=conv_init_fcn, device=params["device"])  # fmt: skip
    display(plot_in_class(yours, title=f"Your run: FCN and conv-init FCN at {INIT_LEVEL:.0%}"))
    print(yours.summary())
    gap = yours.difference("val_acc", "conv-init FCN", "fcn")
    yard = yours.noise_level()
    if yours.final()["val_acc"].max() < 0.2:
        said = "cannot be compared: every network is still near chance (0.1)"
    elif abs(gap) <= yard:
        said = f"ended within {yard:.2f} (the run's yardstick) of the authors' FCN"
    else:
        said = f"ended {abs(gap):.2f} {'above' if gap > 0 else 'below'} the authors' FCN"
    print(f"In your run the conv-init FCN {said} in clean validation accuracy "
          f"({yours.label}).")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-10-discuss
# Discussion: the paper argues that free convolutions offer "higher fidelity to physical
# systems". Using the costs measured in this chapter and the later research above, argue for or
# against this statement: *"Weight sharing is not necessary for accuracy, only for efficiency."*
# What experiment would settle it at a scale you can afford?
# ```
#
# ```{solution} ex-10-discuss
# :class: dropdown
# There is no single answer. Points for the statement: with enough translated data the FCN comes
# within a point or two of the CNN on the paper's tables, and wide-network theory without pooling
# makes the two equivalent. Points against: in the tables the CNN trained on the same data is
# never beaten, later work finds that augmentation does not close the gap, and d'Ascoli et al.
# show that the convolutional prior changes where training ends up, which is about accuracy, not
# only efficiency. A decisive small experiment: the same FCN initialised from a trained CNN
# (`FreeConv2d.from_conv`) versus from scratch, both trained with translation, at equal epochs.
# The self-check prints the CNN − FCN validation gaps of our runs at each level.
# ```

# %%
for ds in DATASETS:
    t = table("translation", ds)
    if t is None or t.empty:
        print(f"{NAMES[ds]}: no stored runs")
        continue
    piv = t.pivot_table(index="level", columns="model", values="validation")
    if {"cnn", "fcn"} <= set(piv.columns):
        diff = (piv["cnn"] - piv["fcn"]).dropna()
        print(f"{NAMES[ds]} CNN − FCN validation by level: "
              + ", ".join(f"{lv:.0%} {d:+.3f}" for lv, d in diff.items()) + ".")  # fmt: skip

# %% [markdown]
# ## Re-run at full scale
#
# Every experiment of the book at the paper's protocol, on a GPU, then this chapter from those
# runs (it trains whatever is still missing):
#
# ```bash
# lithm run all --profile paper --dataset all --device cuda
# papermill notebooks/10_to_share_or_not.ipynb out.ipynb -p profile paper -p device cuda
# ```
#
# The extrapolation above gives the order of the cost: far beyond a laptop. `lithm run` resumes
# interrupted runs and skips finished ones, so the grid can be computed in pieces
# (`--max-runs`), or spread over machines with `--executor ray`.

# %% [markdown]
# ## Key takeaways

# %% tags=["hide-input"]
_ratio = {
    ds: PARAMETER_COUNTS[ds]["fcn"] / PARAMETER_COUNTS[ds]["cnn"] for ds in PARAMETER_COUNTS
}
_paper_rows = conclusion[conclusion["source"].str.startswith("paper")]
_above = int(_paper_rows["FCN > CNN at the same level"].sum())
takeaways = [
    "Without sharing, the paper's networks carry "
    + " and ".join(f"{_ratio[ds]:.1f}× ({NAMES[ds]})" for ds in _ratio)
    + " the parameters of their convolutional twins (most of the CNN's sit in the dense head); "
    "the time per step depends on the implementation and the device, as measured above.",
    f"Of the paper's {len(verdicts)} claims, our `{profile}` runs reproduce "
    f"{counts.get('reproduces', 0)}, contradict {counts.get('does not reproduce', 0)}, and "
    f"cannot decide {counts.get('cannot tell', 0)}: a verdict needs stored runs, a network that "
    "learned, room for a difference and an interval clear of the claim's line.",
    "A verdict from one or two folds rests on the epoch-to-epoch spread only; more folds make "
    "it firmer, and can make it less certain.",
    "What the paper does not report, our runs answer (details above): "
    + "; ".join(f.short for f in findings)
    + ".",
    f"At the same augmentation level the paper's own tables show the FCN above the CNN at "
    f"{_above} of {int(_paper_rows['levels'].sum())} levels; read its \"surpass\" against the "
    "conclusion table above.",
]
display(Markdown("\n".join(f"- {t}" for t in takeaways)))
