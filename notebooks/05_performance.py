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
# # 5. Can free convolutional networks perform acceptably?
#
# Without weight sharing, can a network still reach the accuracy of a CNN? The paper answers with
# its Tables 1 (MNIST) and 2 (CIFAR-10): the median accuracy of CNNs and free convolutional
# networks (FCNs) trained with 0 % to 99 % translation, on the augmented training batches, the
# clean held-out fold ("validation") and the held-out fold shifted by up to 25 % ("translation")
# {cite:p}`ott2020share`. This chapter rebuilds both tables from our runs, beside the paper's, in
# two ways of aggregating: the authors' way (a median over every epoch of every fold) and a
# per-fold way (each fold's final epoch). It then checks the paper's §5.3 numbers and its
# conclusion that FCNs "match and even surpass" CNNs, and ends by showing how the paper's medians
# were computed, and what that does to the numbers.
#
# ```{admonition} Learning objectives
# :class: tip
# After this chapter you can
# - read the paper's Tables 1 and 2 and say what "match and even surpass" rests on (§5.3, §6);
# - compare a CNN and an FCN *at the same training level*, with a verdict that says whether our
#   store reproduces each of the paper's numbers;
# - train both networks yourself and, where the FCN lags, test one explanation, its small initial
#   weights, by changing the initialisation;
# - explain how the authors' median over epochs × folds was computed and why it matters.
# ```
#
# **Core** sections: Tables 1 and 2, accuracy against level, the §5.3 numbers, "match and even
# surpass" and *Train it yourself*. Sections marked *(optional)* can be skipped in class.

# %% tags=["parameters"]
profile = "book"  # scale of the runs: "smoke" (seconds), "book" (committed CPU runs), "paper"
datasets = ["mnist", "cifar10"]  # one or both of "mnist", "cifar10"
device = "auto"  # "auto" (CUDA if available), "cpu" or "cuda": where missing runs are trained
train_missing = None  # None: train missing runs for every profile but "book"; True/False forces it
way = "final"  # aggregation for the summaries: "final" (per-fold last epoch), "authors", "best"
class_scale = None  # "train it yourself": "class" (< 3 min), "build" (seconds); None: from env

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

from lithm.analysis import WAYS, comparison_table, scale_label
from lithm.chapter import ParameterError, check_parameters, ensure_results, profile_note
from lithm.classroom import default_scale, plot_in_class, train_in_class
from lithm.config import DISPLAY_NAMES
from lithm.experiments import expand
from lithm.findings import init_ablation, steps_to_reach
from lithm.paper import PROTOCOL, bold_cells, claim, paper_table, paper_value
from lithm.plots import plot_level_summary
from lithm.selfcheck import confirm
from lithm.sentences import say
from lithm.translation import (
    aggregation_figure,
    fcn_minus_cnn,
    pretty,
    rebuilt_table,
    results_explorer,
)
from lithm.verdicts import compare, verdict_sentences

params = check_parameters(
    profile=profile, datasets=datasets, device=device, train_missing=train_missing, way=way,
    class_scale=class_scale,
)
if way not in WAYS:
    raise ParameterError(f"way={way!r} is not a way of aggregating; use one of: {', '.join(WAYS)}")
NAMES = DISPLAY_NAMES  # how the book writes datasets and models
TABLE_OF = {"mnist": ("Table 1", "table1"), "cifar10": ("Table 2", "table2")}
CLASS_SCALE = class_scale or default_scale()


# %% [markdown]
# **Which way by default, and why.** The paper's numbers are medians over every epoch of every
# fold ([protocol §9](protocol-aggregation)), so the authors' way is the like-for-like comparison with the printed values.
# But over the paper's 250–500 epochs that median sits on the plateau of the learning curve,
# whereas our runs stop much sooner after their best epoch, so the first, barely trained epochs
# are a larger share of what it pools. The per-fold final epoch (`way = "final"`) describes the
# network we actually trained, with a fold range, and is the default below; the other ways are
# folded away under the table. The third way,
# `"best"` (each fold's best validation epoch), picks the epoch on the same fold it then reports
# and is therefore optimistic ([protocol §10.9](protocol-discrepancy-validation-set)).
#
# > "In the absence of data augmentation (0% translation), CNNs outperform FCNs on MNIST and
# > CIFAR. Referencing Table 1, CNNs achieve 99.05% validation accuracy whereas FCNs are slightly
# > worse with 98.81% validation accuracy for MNIST. On CIFAR, Table 2, CNNs outperform FCNs with
# > 67.11% and 64.73% respectively. When FCNs are exposed to translational data, they can achieve
# > 99.19% (10% augmentation) and 73.15% (20% augmentation), on MNIST and CIFAR validation sets,
# > respectively." ({cite:t}`ott2020share`, §5.3)

# %%
frame = ensure_results(
    "translation",
    params["profile"],
    params["datasets"],
    device=params["device"],
    train_missing=params["train_missing"],
)
present = [d for d in params["datasets"] if d in set(frame["dataset"])]
print(profile_note(params["profile"]))
print("Runs shown:", frame["run_id"].nunique(), "|", scale_label(frame))
tables = {w: comparison_table(frame, "translation", present, way=w) for w in WAYS}

# %% [markdown]
# ## Tables 1 and 2, rebuilt
#
# For each dataset, our numbers beside the paper's, aggregated the way chosen in the parameters
# (by default each fold's final epoch: median over folds, with the lowest and highest fold).
# Columns follow the paper's tables (training accuracy on augmented batches, clean validation,
# translated validation; CNN and FCN); "Δ" is ours − paper. As in the paper, the best level of
# each column is in **bold**: for our columns among the levels we ran, for the paper's columns the
# paper's own bold cells (its column maxima over all 11 levels), which may lie at a level we did
# not run. Levels the store does not hold yet are missing rows.

# %%
for ds in params["datasets"]:
    if ds in present:
        display(rebuilt_table(frame, ds, way))
    else:
        print(f"No {NAMES[ds]} runs are stored yet at profile {params['profile']!r}.")

# %% [markdown]
# The same tables aggregated the other ways (folded away: click to show).

# %% tags=["hide-output"]
for ds in present:
    for w in [w for w in WAYS if w != way]:
        display(rebuilt_table(frame, ds, w))

# %% [markdown]
# Where does each column peak? The paper's bold cells against the level where our column peaks,
# both ways (folded away). A paper peak at a level our profile does not train (see the profile
# note) cannot be matched exactly.


# %% tags=["hide-output"]
def peaks(w: str) -> pd.DataFrame:
    long = tables[w]
    idx = long.groupby(["dataset", "metric", "model"])["ours"].idxmax()
    return long.loc[idx, ["dataset", "metric", "model", "level"]].set_index(
        ["dataset", "metric", "model"]
    )["level"]


paper_peaks = pd.concat([bold_cells(TABLE_OF[ds][1]) for ds in present] or [pd.DataFrame()])
if present:
    paper_peaks = paper_peaks.groupby(["dataset", "metric", "model"])["level"].apply(
        lambda s: ", ".join(f"{v * 100:g} %" for v in s)
    )
    summary = pd.DataFrame({"paper's bold": paper_peaks})
    for w in ("authors", "final"):
        summary[f"ours, {w}"] = peaks(w).map(lambda v: f"{v * 100:g} %")
    display(pretty(summary))

# %% [markdown]
# ## Accuracy against training level
#
# The same numbers as a figure: per dataset and metric, our median per model (line; bars: the
# fold range for the per-fold ways) and the paper's printed values at all eleven levels (open
# diamonds), aggregated the way chosen in the parameters.

# %%
if present:
    display(plot_level_summary(tables[way][tables[way]["dataset"].isin(present)]))

# %% [markdown]
# **The paper's CIFAR-10 column rises with translation.** Its validation accuracy climbs by about
# 8 (FCN) and 10 (CNN) points from 0 % to its best level (20–30 %) and falls slowly after it; the
# cell below prints the paper's values and ours, level by level, and the verdict on the paper's
# claim that 10–30 % translation raises the FCN's CIFAR-10 accuracy. Whichever way ours go, two differences of protocol stand between them
# and the paper's: a higher level makes every training batch harder, so a run needs more steps to
# learn it, and our runs stop after far fewer epochs without improvement than the paper's. And a
# comparison of the two models *at the same level* is not protected by equal training either: the
# FCN starts from weights two to five times smaller than the CNN's
# ([chapter 1](01_free_convolutions.ipynb)) and has more parameters, so equal epochs need not
# mean equal progress. *Train it yourself* below tests the first part of that.

# %%
for ds in present:
    for model in ("cnn", "fcn"):
        t = tables[way]
        t = t[(t["dataset"] == ds) & (t["model"] == model) & (t["metric"] == "validation")]
        grid = sorted({c.level for c in expand("translation", params["profile"], ds)})
        paper_line = ", ".join(
            f"{lv:.0%} {paper_value('translation', ds, model, lv, 'validation'):.3f}"
            for lv in grid
        )
        pairs = zip(t["level"], t["ours"], strict=True)
        ours_line = ", ".join(f"{lv:.0%} {v:.3f}" for lv, v in pairs)
        print(f"{NAMES[ds]} {NAMES[model]} validation. Paper: {paper_line}.")
        print(f"    Ours ({way} epoch): {ours_line or 'nothing stored yet'}.")
say(verdict_sentences(frame, ["cifar-fcn-improves-10-30"], params["datasets"]))

# %% [markdown]
# ## The §5.3 numbers
#
# The paper's text quotes six validation accuracies. The table puts each beside the printed table
# cell, beside ours at the same setting (all three ways), and adds the CNN at the FCN's best levels
# (10 % MNIST, 20 % CIFAR-10), which the text does not quote. Our numbers are at reduced scale,
# and the reduction is largest for CIFAR-10 (the profile note at the top gives its subset, learning
# rate and stopping rule). Each of the paper's numbers gets a computed verdict first; the table
# with every way of aggregating is folded away under it.

# %%
claim_ids = ("mnist-cnn-val-0", "mnist-fcn-val-0", "cifar-cnn-val-0", "cifar-fcn-val-0",
             "mnist-fcn-best-val", "cifar-fcn-best-val")  # fmt: skip
say(verdict_sentences(frame, claim_ids, params["datasets"]))

# %%
SECTION_53 = [
    ("mnist", "cnn", 0.0, "mnist-cnn-val-0"),
    ("mnist", "fcn", 0.0, "mnist-fcn-val-0"),
    ("cifar10", "cnn", 0.0, "cifar-cnn-val-0"),
    ("cifar10", "fcn", 0.0, "cifar-fcn-val-0"),
    ("mnist", "fcn", 0.1, "mnist-fcn-best-val"),
    ("mnist", "cnn", 0.1, None),
    ("cifar10", "fcn", 0.2, "cifar-fcn-best-val"),
    ("cifar10", "cnn", 0.2, None),
]


def ours(w: str, ds: str, model: str, level: float, metric: str = "validation") -> float:
    t = tables[w]
    hit = t[
        (t["dataset"] == ds)
        & (t["model"] == model)
        & np.isclose(t["level"].astype(float), level)
        & (t["metric"] == metric)
    ]
    return float(hit["ours"].iloc[0]) if len(hit) else float("nan")


# %% tags=["hide-output"]
rows = []
for ds, model, level, claim_id in SECTION_53:
    row = {
        "setting": f"{NAMES[ds]} {NAMES[model]}, {level * 100:g} %",
        "paper text": claim(claim_id).value if claim_id else float("nan"),
        "paper table": paper_value("translation", ds, model, level, "validation"),
    }
    for w in WAYS:
        row[f"ours ({w})"] = ours(w, ds, model, level)
    rows.append(row)
section = pd.DataFrame(rows).set_index("setting")
display(
    (section * 100)
    .style.format("{:.2f}", na_rep="–")
    .set_caption(
        "Validation accuracy in %; 'paper text' blank: not quoted in §5.3. "
        f"Ours: {scale_label(frame)}"
    )
)

# %% [markdown]
# ## Do FCNs "match and even surpass" CNNs?
#
# > "The validation set accuracy observed in our simulations shows that as translational
# > augmentation is increased, FCNs can match the performance of CNNs." ({cite:t}`ott2020share`,
# > §5.3)
#
# > "FCNs trained with augmented datasets have been shown to match and even surpass standard CNNs
# > in validation set accuracy." ({cite:t}`ott2020share`, §6)
#
# The fair comparison is at the *same* augmentation: both networks see the same training data. In
# the paper's Tables 1 and 2 the FCN's validation accuracy is below the CNN's at every one of the
# 11 levels on both datasets ([protocol §10.11](protocol-discrepancy-conclusion)). The FCN beats only the *un-augmented* CNN: on MNIST
# the FCN at 10 % (99.19 %) is above the CNN at 0 % (99.05 %), and on CIFAR-10 the FCN at 20 %
# (73.15 %) is above the CNN at 0 % (67.11 %). That is a statement about augmentation, not about
# weight sharing. The table below makes the same check on our runs (the way chosen in the
# parameters; FCN − CNN validation accuracy at each level).


# %%
say(verdict_sentences(frame, ("fcn-surpass-cnn", "cifar-fcn-cnn-gap-10"), params["datasets"]))


if present and {"cnn", "fcn"} <= set(tables[way]["model"]):
    versus = fcn_minus_cnn(frame, present, way)
    display(
        pretty(versus)
        .style.format("{:+.4f}", subset=list(versus.columns[:2]), na_rep="–")
        .set_caption(
            f"Validation accuracy, FCN − CNN at the same training level. Ours: {WAYS[way]}; "
            f"{scale_label(frame)}"
        )
    )
    compared = versus.iloc[:, 1].dropna()
    ahead = int((compared > 0).sum())
    glue(
        "ch05_fcn_ahead",
        f"In our runs ({way} way) the FCN is ahead of the CNN at {ahead} of {len(compared)} "
        "(dataset, level) settings.",
        display=False,
    )
else:
    glue("ch05_fcn_ahead", "Our runs do not yet hold both models.", display=False)

# %% [markdown]
# {glue:text}`ch05_fcn_ahead` Whatever that count, the paper's own numbers support the modest
# claim of §5.3 ("FCNs can achieve high-performance scores") and that augmentation narrows the
# gap, not the stronger one of the conclusion. In the paper's tables the CNN stays ahead at every
# level, by 0.1–1.9 points on MNIST (least at 10 %) and 2.4–7.6 points on CIFAR-10 (least at 0–10 %),
# and the gap *widens* with the level. Later work reached the same verdict at larger scale:
# translation augmentation does not remove the gap between locally connected and convolutional
# networks {cite:p}`pogodin2021towards`.
#
# ### What our runs add: FCN and CNN under heavy translation
#
# The paper's FCN stays within 2 points of its CNN at every MNIST level. Ours, trained until they
# stop improving on far fewer steps, may fall further behind; if they do, the gap is a finding in
# its own right, and the initialisation control says whether its cause is the missing sharing or
# the FCN's smaller start. The verdicts
# set our FCN − CNN difference at 50 % and 90 % beside the paper's; the last sentence says how
# many epochs and steps our FCN needed to reach 95 % of the CNN's best accuracy, against the CNN's
# own, and the one
# before it what the initialisation control (FCNs started with the convolution's initial scale,
# the `init` experiment, not in the paper) says.

# %%
sentences = []
for level in (0.5, 0.9):
    paper_diff = paper_value("translation", "mnist", "fcn", level, "validation") - paper_value(
        "translation", "mnist", "cnn", level, "validation"
    )
    sentences.append(compare(
        frame, "mnist", "validation", {"model": "fcn", "level": level},
        {"model": "cnn", "level": level}, paper=paper_diff, expect="close", tolerance=0.02,
        statement=f"MNIST FCN − CNN validation accuracy at {level:.0%} translation",
    ).sentence())  # fmt: skip
init_frame = ensure_results(
    "init", params["profile"], params["datasets"], device=params["device"],
    train_missing=params["train_missing"],
)  # fmt: skip
init_control = init_ablation(pd.concat([frame, init_frame], ignore_index=True), present)
sentences.extend(init_control.parts or [init_control.sentence])  # one item per setting
sentences.append(steps_to_reach(frame).sentence)
say(sentences)

# %% [markdown]
# ## Train it yourself
#
# The cell below trains the paper's CNN and FCN side by side on 3,200 MNIST images with 50 %
# translation for a few epochs (1–3 minutes on a laptop CPU; the bar shows the progress), and
# scores both on 800 held-out images, clean and shifted by up to 25 %, after every epoch. Both
# networks see the same images in the same order with the same shifts, so the comparison is
# paired. Its label says how small this is next to the paper (the book itself builds this cell at
# a scale of seconds, so the numbers on its pages mean little; run it yourself).

# %%
mine = train_in_class("mnist", ("cnn", "fcn"), augmentation="translation", level=0.5,
                      scale=CLASS_SCALE)  # fmt: skip
plot_in_class(mine, title="Your run: MNIST, 50 % translation")

# %%
print(mine.summary())
paper_diff = paper_value("translation", "mnist", "fcn", 0.5, "validation") - paper_value(
    "translation", "mnist", "cnn", 0.5, "validation"
)
print(
    f"Your FCN − CNN clean validation accuracy: {mine.difference('val_acc'):+.3f}; the paper's "
    f"at 50 % after up to 250 epochs on 56,000 images: {paper_diff:+.3f}."
)

# %% [markdown]
# ## How the paper's medians were computed (optional)
#
# The paper calls its table values "the median accuracy of the five-fold cross validation". The
# authors' analysis code takes something else: it groups every per-epoch row of every fold by
# (model, augmentation, level) and takes the median of all of them ([protocol §9](protocol-aggregation), [§10.8](protocol-discrepancy-median)). The printed
# numbers themselves prove it. MNIST has 70,000 images, so each held-out fold has exactly 14,000,
# and a fold's validation accuracy is a whole number of correct images divided by 14,000. A median
# of 5 per-fold numbers is one of those 5 numbers, so multiplied by 14,000 it is a whole number.
# But the CNN at 0 % is printed as 0.990536, and 0.990536 × 14,000 = 13,867.5: half an image. A
# half can only come from the median of an *even* number of values (the mean of the two middle
# ones), such as 5 folds × an even total number of epochs. The cell below makes the same test on
# every validation and translation cell of Tables 1 and 2 (the translation set is scored on
# 13,824 MNIST / 11,904 CIFAR-10 images, whole batches only, [protocol §5.6](protocol-evaluation)).

# %%
checks = []
for name, ds in (("table1", "mnist"), ("table2", "cifar10")):
    printed = paper_table(name)
    for metric, n in (
        ("validation", PROTOCOL[ds]["n_images"] // 5),
        ("translation", PROTOCOL[ds]["scored_validation_images"]),
    ):
        counts = printed.loc[printed["metric"] == metric, "value"].to_numpy() * n
        halves = np.round(counts * 2) / 2  # nearest multiple of 1/2 image
        # 6 printed decimals leave an error of at most 5e-7 * n images (< 0.01 here)
        on_grid = np.abs(counts - halves) < 5e-7 * n + 1e-9
        checks.append(
            {
                "table": f"{TABLE_OF[ds][0]} {metric}",
                "images scored": n,
                "cells": len(counts),
                "whole images": int((on_grid & (halves % 1 == 0)).sum()),
                "half an image": int((on_grid & (halves % 1 == 0.5)).sum()),
                "neither": int((~on_grid).sum()),
            }
        )
print(f"0.990536 × 14,000 = {0.990536 * 14_000:.3f}")
pd.DataFrame(checks).set_index("table")

# %% [markdown]
# Every cell is a whole or half number of images (a six-decimal number picked at random would land
# this close to one only about 3 % of the time), and many are halves: the fingerprint of a median
# over an even number of per-epoch values, not of five per-fold numbers.
#
# ### What that aggregation does: a live demonstration (optional)
#
# Take one setting of ours and compare three numbers: the authors' median over every epoch of
# every fold; the median over folds of the final epoch; and the median over folds of each fold's
# best epoch. The left panel shows each fold's validation curve with the three as horizontal lines;
# the right panel shows what the authors' median would have been had training stopped after *k*
# epochs, for every *k*.

# %%
stored = set(zip(frame["dataset"], frame["model"], frame["level"].astype(float), strict=True))
candidates = [("mnist", "cnn", 0.0), ("mnist", "fcn", 0.0), ("cifar10", "cnn", 0.0)]
setting = next((c for c in candidates if c in stored), next(iter(sorted(stored)), None))
if setting is None:
    print("No runs stored yet.")
else:
    demo_fig, demo_values, demo_runs = aggregation_figure(frame, *setting)
    display(demo_fig)
    display(pd.Series(demo_values, name="validation accuracy").to_frame().style.format("{:.4f}"))

# %% [markdown]
# The authors' median pools the first epochs, when the network is still far from trained, with
# the later ones. In a short run these early epochs are a large share of the rows, which can pull
# the authors' number below the final-epoch one; panel (b) shows how it moves as more epochs are
# pooled in our run, and the values under the figure say which summary is largest. In the
# paper's runs the share of early epochs is small, but two other effects enter: early stopping
# ends a run only after 50 (MNIST) or 100 (CIFAR-10) epochs without improvement,
# so every run contributes at least that many post-peak epochs, in which validation accuracy may
# decline (overfitting, [chapter 3](03_overfitting.ipynb)); and runs that train longer contribute
# more rows, so they weigh more in the pooled median. The pooled median therefore mixes the
# quality of the trained network with the *shape* and *length* of its learning curve.
#
# Our runs can carry the same fingerprint. The held-out fold at this profile has a fixed number of
# images, and the authors' median over an even number of rows (folds × epochs) can land on half an
# image; over an odd number it is one row's value, a whole number of images. The cell says which
# happens for the run shown:

# %%
if setting is not None:
    n_rows = len(demo_runs)
    first = demo_runs.iloc[0]
    images = first["subset"] if pd.notna(first["subset"]) else PROTOCOL[setting[0]]["n_images"]
    held_out = int(images) // int(first["n_folds"])
    median = demo_runs["val_acc"].median()
    print(f"rows pooled: {n_rows} ({demo_runs['fold'].nunique()} folds × epochs)")
    print(f"held-out images per fold: {held_out}")
    print(f"authors' median × {held_out} = {median * held_out:.3f} images")
    correct = median * held_out
    if abs(correct - round(correct)) < 1e-6:
        print("A whole number of images: " + ("the median is one row's value (odd number of rows)."
              if n_rows % 2 else "the two middle rows happen to agree or sum to an even count."))  # fmt: skip
    elif abs(correct - round(correct * 2) / 2) < 1e-6:
        print("Half an image: the fingerprint of a median over an even number of rows.")
    else:
        print("Neither a whole nor a half image count: these rows do not score whole images.")

# %% [markdown]
# Across all our settings, how far is the authors' median below the final epoch? Positive numbers
# mean the authors' way reports less than the trained network achieves.

# %% tags=["hide-output"]
if present:
    bias = tables["final"].merge(
        tables["authors"],
        on=["dataset", "model", "level", "metric"],
        suffixes=("_final", "_authors"),
    )
    bias = bias[bias["metric"] == "validation"]
    bias["final − authors"] = bias["ours_final"] - bias["ours_authors"]
    bias_table = bias.assign(model=bias["model"].map(NAMES)).pivot_table(
        index=["dataset", "level"], columns="model", values="final − authors"
    )
    display(
        pretty(bias_table)
        .style.format("{:+.4f}", na_rep="–")
        .set_caption(f"Validation accuracy: final epoch − authors' median. {scale_label(frame)}")
    )

# %% [markdown]
# ## Results explorer (optional)
#
# Choose a dataset, a metric and a way of aggregating: the figure shows our numbers against the
# training level beside the paper's. The controls need a running Python kernel; the static page
# shows the first selection (validation accuracy, aggregated the way chosen in the parameters).

# %%
if present:
    display(results_explorer(frame, present, way))
else:
    print("No runs stored yet: nothing to explore.")

# %% [markdown]
# ## Exercises
#
# ```{exercise}
# :label: ex-05-init
# Change the model: if the FCN lagged behind the CNN in *Train it yourself*, is that the free
# convolution itself, or its small start? Train the FCN again at the same setting with `init="conv"` (each position's kernel
# drawn with the initial scale of the matching convolution, [chapter 1](01_free_convolutions.ipynb))
# and compare its clean validation accuracy with your CNN's and with your first FCN's. Before
# running, predict: will the conv-initialised FCN end closer to the CNN than the first FCN did
# ("yes" or "no")?
# ```
#
# :::{solution} ex-05-init
# :class: dropdown
# ```python
# conv = train_in_class("mnist", ("fcn",), augmentation="translation", level=0.5,
#                       init="conv", scale=CLASS_SCALE)
# plot_in_class({"Keras init": mine, "conv init": conv}, metrics=("val_acc", "translation"))
# conv.final().loc["fcn", "val_acc"] - mine.final().loc[["cnn", "fcn"], "val_acc"]
# ```
# The run reuses the same images, order and shifts (same seed), so the three networks are
# compared on equal terms. With the authors' Keras fans each position's kernel starts about
# three times smaller than a convolution's, and the signal shrinks layer by layer; Adam moves
# every weight by about the learning rate per step, so a small start costs steps. If the
# conv-initialised FCN closes most of the gap, the lag was largely the initialisation, not the
# missing weight sharing; if not, the free convolution itself learns more slowly here. One run
# of one split decides little: the store's `init` experiment (above) repeats the comparison at
# the book's scale (MNIST on two folds, CIFAR-10 on one).
# :::

# %%
# Write your prediction first, then run the cell: it trains the conv-initialised FCN and checks.
answer = None  # "yes" or "no": does the conv-initialised FCN end closer to your CNN?
conv = train_in_class("mnist", ("fcn",), augmentation="translation", level=0.5, init="conv",
                      scale=CLASS_SCALE)  # fmt: skip
cnn_acc = mine.final().loc["cnn", "val_acc"]
closer = abs(conv.final().loc["fcn", "val_acc"] - cnn_acc) < abs(
    mine.final().loc["fcn", "val_acc"] - cnn_acc
)
confirm(answer, "yes" if closer else "no", hint="compare the two FCNs' distance to the CNN")

# %% [markdown]
# ```{exercise}
# :label: ex-05-gap-10
# From Tables 1 and 2, compute the FCN − CNN validation accuracy at 10 % translation on MNIST and
# on CIFAR-10. The paper says the CIFAR-10 FCN comes "within 2 %" of the CNN at 10 %: is that what
# the table gives? Then compute the same difference from our runs.
# ```
#
# ```{solution} ex-05-gap-10
# :class: dropdown
# MNIST: 0.991857 − 0.993071 = −0.0012 (0.12 points). CIFAR-10: 0.724333 − 0.749333 = −0.025,
# i.e. 2.5 points, which the text rounds down to "within 2 %" (paper §5.1; [protocol §10.10](protocol-discrepancy-rounding)). The FCN is
# behind the CNN in both. Ours are in the folded tables above and in the verdict on the "within
# 2 %" claim; the self-check below takes the paper's CIFAR-10 difference.
# ```

# %%
answer = None  # the paper's CIFAR-10 FCN − CNN validation accuracy at 10 %, e.g. -0.01
confirm(
    answer,
    paper_value("translation", "cifar10", "fcn", 0.1, "validation")
    - paper_value("translation", "cifar10", "cnn", 0.1, "validation"),
    tolerance=0.0005,
)

# %% [markdown]
# ```{exercise}
# :label: ex-05-half-integer
# The CIFAR-10 CNN at 30 % has a printed validation accuracy of 0.774083 (Table 2). How many of
# the 12,000 held-out images is that? Could this number be the median of five per-fold accuracies?
# What is the smallest number of pooled values that could produce it?
# ```
#
# ```{solution} ex-05-half-integer
# :class: dropdown
# 0.774083 × 12,000 = 9,289.0 images: a whole number, so this cell alone cannot tell the two
# aggregations apart (either could give it). The test needs a half: 0.990536 × 14,000 = 13,867.5
# (MNIST CNN, 0 %) cannot be one of five per-fold accuracies, and needs an even number of pooled
# values, at least two. With 5 folds, an even number of rows means an even total number of epochs
# over the folds.
# ```

# %%
answer = None  # how many of the 12,000 held-out images is 0.774083?
confirm(answer, 0.774083 * 12_000, tolerance=0.5)

# %% [markdown]
# ```{exercise}
# :label: ex-05-which-way
# Which model does the authors' way of aggregating favour at our scale? Average the difference
# "final epoch − authors' median" of the validation accuracy over the levels, per model and
# dataset, and explain the sign. Which way would you use to compare a CNN with an FCN, and why
# not "best"?
# ```
#
# ```{solution} ex-05-which-way
# :class: dropdown
# The authors' median pools the early epochs, so it penalises the model that learns more slowly
# at the start. Which model that is at our scale, the table of the three ways says per dataset
# and level: where the FCN's authors'-way number falls further below its final epoch than the
# CNN's does, the authors' way makes the FCN look worse relative to the CNN than the final epoch
# does (the FCN has many more parameters and no sharing to spread what one position learns to the
# others, which can slow its start; see the training curves in [chapter 3](03_overfitting.ipynb)).
# Compare the trained networks: the per-fold final epoch, with its
# fold range. "best" chooses the epoch on the same held-out fold it reports, so it is optimistic,
# and more so for the model with noisier curves.
# ```

# %%
answer = None  # "cnn" or "fcn": on MNIST, which model gains more from "final" over "authors"?
if present and "mnist" in present:
    gain = bias[bias["dataset"] == "mnist"].groupby("model")["final − authors"].mean()
    confirm(answer, str(gain.idxmax()), hint="average the folded bias table per model")
else:
    print("No MNIST runs are stored yet: this self-check waits for them.")

# %% [markdown]
# ## Key takeaways
#
# ```{admonition} Key takeaways
# :class: important
# - In the paper's own tables the FCN is below the CNN at every level; it beats only the
#   *un-augmented* CNN. "Match and even surpass" is a statement about augmentation, not about
#   weight sharing; the verdicts above say what our store shows for each number.
# - Compare models at the same training level, with the per-fold final (or best) epoch and its
#   spread; the authors' median over epochs × folds mixes the trained network with the length of
#   its learning curve.
# - Equal epochs are not equal progress: the FCN starts smaller and has more parameters. Your own
#   run and the initialisation exercise show how large that effect is at a small budget.
# ```
#
# ## Re-run at full scale (optional)
#
# The tables above come from the reduced `book` runs. The paper's tables need the full protocol
# ([protocol](protocol-profiles)); on a machine with a GPU:
#
# ```bash
# lithm run translation --profile paper --dataset all --device cuda   # 220 trainings, resumable
# papermill notebooks/05_performance.ipynb out.ipynb -p profile paper -p device cuda
# ```
#
# This is the same grid as [chapter 3](03_overfitting.ipynb): computed once, it serves both.
# At paper scale, compare the two ways again: the gap between the authors' median and the final
# epoch should shrink, and the authors' way then compares with the paper's printed numbers like for
# like.
