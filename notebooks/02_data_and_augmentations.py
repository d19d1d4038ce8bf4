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
# # 2. Data, protocol and augmentations
#
# Every experiment in the paper trains a CNN and an FCN on MNIST {cite}`lecun1998gradient` or
# CIFAR-10 {cite}`krizhevsky2009learning`, with or without an *augmentation* of the training
# images. Both networks are then scored on the held-out images, clean and transformed. Before we
# look at any result we need to know exactly:
#
# - which images are trained on and which are scored (the folds);
# - what "validation" means in the paper's tables;
# - what each augmentation does to an image, and what its *level* means.
#
# The paper gives the outline (§4, Appendix B). The authors' code fixes the details, and in a
# few places it differs from the text ([protocol §2](protocol-data), [§5](protocol-augmentations), [§10](protocol-discrepancies)). This chapter shows the data, the folds
# and every transform, following the paper's Figs. 2 and B.1–B.4. Only the last exercise trains
# two small networks.
#
# ```{admonition} Learning objectives
# :class: tip
# After this chapter you can
# - say which images the paper trains on and which it scores, and what its "validation" numbers
#   are (and are not);
# - say what a level means for translation, rotation, noise and edge noise, and draw each;
# - name where the authors' code departs from the paper's text (σ, the edge-noise pattern, the
#   rotation centre) and which version each profile runs;
# - test by training whether such a departure changes what a network learns.
# ```
#
# Sections marked *(optional)* can be skipped in a seminar; the others are the core.

# %% tags=["parameters"]
profile = "book"  # whose split to show beside the paper's: "smoke", "book" or "paper"
datasets = ["mnist", "cifar10"]  # datasets to show: "mnist", "cifar10" (alias "cifar")
device = "auto"  # where the transforms run: "auto" (CUDA if present), "cpu", "cuda", "cuda:1"
train_missing = None  # unused here (no stored runs are read); checked as in every chapter
image_index = 0  # image (index into train + test) shown in the galleries: 0 to 59999
seed = 0  # seed of the random draws (noise, random shifts and angles): a non-negative integer
class_scale = None  # train-it-yourself scale: "class" (< 3 min), "build", None: $LITHM_CLASS_SCALE

# %% tags=["hide-input"]
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import display
from myst_nb import glue
from torch import nn

from lithm.augment import (
    EDGE_BORDER,
    EVAL_TRANSFORMS,
    augment,
    edge_noise,
    gaussian_noise,
    level_description,
    quadrant_swap,
    rotate,
    translate,
)
from lithm.chapter import ParameterError, check_parameters, profile_note
from lithm.classroom import plot_in_class, train_in_class
from lithm.config import DISPLAY_NAMES
from lithm.data import DataMissingError, load_dataset, split, synthetic_dataset, to_float
from lithm.experiments import PROFILES, expand, get_profile
from lithm.models import build_model
from lithm.paper import PAPER_LEVELS, PROTOCOL
from lithm.selfcheck import confirm
from lithm.train import pick_device
from lithm.widgets import explorer as figure_explorer

params = check_parameters(
    profile=profile,
    datasets=datasets,
    device=device,
    train_missing=train_missing,
    image_index=image_index,
    seed=seed,
    class_scale=class_scale,
)
DATASETS = params["datasets"]
DEVICE = pick_device(params["device"])
NAMES = DISPLAY_NAMES  # how the book writes datasets and models
plt.rcParams["figure.dpi"] = 96


def generator(offset: int = 0) -> torch.Generator:
    """A CPU generator seeded from the chapter's ``seed``: every random picture is reproducible."""
    return torch.Generator().manual_seed(seed + offset)


# %% [markdown]
# ## The data
#
# The authors load both datasets from `keras.datasets` and **concatenate the official training
# and test splits** into one array: 70,000 MNIST digits and 60,000 CIFAR-10 images ([protocol §2](protocol-data)).
# Pixels are divided by 255, with no mean subtraction or standardisation. `lithm.data.load_dataset`
# returns the same thing: `uint8` images, the official training split first, then the test split.
# It looks for the data in `$LITHM_DATA` (else `./data`) and downloads it there when it can.

# %% tags=["hide-input"]
data = {}
for ds in DATASETS:
    try:
        data[ds] = load_dataset(ds)
    except DataMissingError as exc:
        if params["profile"] != "smoke":
            raise  # the book and paper profiles need the real data: the message says how
        print(exc)
        print(
            f"\nWARNING: {NAMES[ds]} is not available, so this smoke run uses a SYNTHETIC "
            "stand-in (random class patterns plus noise). The pictures and fold tables below "
            "are NOT the real data."
        )
        n = 1400 if ds == "mnist" else 1200  # the real train/test ratio, 1/50 of the size
        data[ds] = synthetic_dataset(ds, n=n, seed=seed)
for ds, d in data.items():
    if image_index >= len(d):
        raise ParameterError(f"image_index={image_index} is out of range for {NAMES[ds]}: "
                             f"use 0 to {len(d) - 1}")  # fmt: skip

overview = pd.DataFrame(
    [{"dataset": NAMES[ds], "images": len(d), "official train (first)": d.n_train,
      "official test (last)": d.n_test, "image shape (C, H, W)": "×".join(map(str, d.shape)),
      "classes": ", ".join(d.classes)} for ds, d in data.items()]
)  # fmt: skip
overview.style.format(thousands=",").hide(axis="index")

# %% [markdown]
# ## Five contiguous folds, and what "validation" means
#
# Every setting of the paper is run with five-fold cross-validation. The authors use
# scikit-learn's `KFold(n_splits=5)` **without shuffling**, so each fold is a contiguous block of
# the concatenated array ([protocol §2](protocol-data)). MNIST folds hold out 14,000 images and train on 56,000.
# CIFAR-10 folds hold out 12,000 and train on 48,000. The blocks follow the array order, so the
# last fold is mostly the official test split. `lithm.data.split(data, 5, fold)` reproduces these
# folds exactly. The table shows, for every fold, which images are held out, where they come from
# and how many of each class they contain.


# %%
def fold_rows(ds: str) -> list[dict]:
    d = data[ds]
    rows = []
    for fold in range(5):
        train_idx, val_idx = split(d, 5, fold)  # the paper's folds: contiguous, no shuffling
        from_test = int((val_idx >= d.n_train).sum())
        counts = torch.bincount(d.labels[val_idx], minlength=d.n_classes).tolist()
        row = {"dataset": NAMES[ds], "fold": fold,
               "held-out indices": f"{int(val_idx[0]):,}–{int(val_idx[-1]):,}",
               "held out": len(val_idx), "of which official test": from_test,
               "trained on": len(train_idx)}  # fmt: skip
        row.update(dict(zip(d.classes, counts, strict=True)))
        rows.append(row)
    return rows


for ds in DATASETS:
    display(pd.DataFrame(fold_rows(ds)).style.format(thousands=",").hide(axis="index"))

# %% tags=["remove-cell"]
_first = DATASETS[0]
_d = data[_first]
_, _last = split(_d, 5, 4)
glue("first_dataset", NAMES[_first], display=False)
glue("last_fold_from_train", int((_last < _d.n_train).sum()), display=False)
glue("last_fold_from_test", int((_last >= _d.n_train).sum()), display=False)

# %% [markdown]
# For {glue:text}`first_dataset`, the last fold holds {glue:text}`last_fold_from_train:,` images
# of the official training split and {glue:text}`last_fold_from_test:,` of the official test
# split. The class counts differ from fold to fold because the folds are not stratified. They
# follow the order in which the images happen to be stored.
#
# **There is no separate test set.** The held-out fold is the paper's "validation" set. It decides
# when early stopping ends a run (the authors monitor its accuracy with a patience of 50 or 100
# epochs), *and* it provides every number in the tables ([protocol §2](protocol-data), [§10.9](protocol-discrepancy-validation-set)). A model is therefore
# scored on the same images that chose when to stop it. Early stopping keeps the last epoch's
# weights, not the best epoch's. Still, picking the stopping point on the reported images biases
# the numbers upward a little. We keep the protocol, to compare like with like, and we call
# these numbers "validation" accuracies as the paper does.
#
# Two smaller details ([protocol §5.6](protocol-evaluation)): the authors scored ⌊N/batch⌋ full batches of the held-out
# fold. That is 13,824 of the 14,000 MNIST images and 11,904 of the 12,000 CIFAR-10 images.
# `lithm` scores every held-out image. And the paper's main runs set no random seeds ([protocol §10.1](protocol-discrepancy-seeds)), whereas every `lithm` run is
# seeded.

# %% [markdown]
# (ch02-profile-folds)=
# ### The folds at this chapter's profile (optional)
#
# The `paper` profile uses exactly the folds above, and so does any profile that trains a
# dataset on all its images (the table's "subset" column says "all"). Where a profile trains on a
# **seeded, class-stratified subset** (the `smoke` profile, and the `book` profile's CIFAR-10
# runs), the subset is shuffled before it is split into contiguous folds. Why we depart from the
# paper there: a contiguous block of a small subset would otherwise come from a single part of the
# array. The subset's folds therefore mix official training and test images, and every class
# appears in every fold in about the same proportion.

# %%
print(profile_note(params["profile"]))
rows = []
prof = PROFILES[params["profile"]]
for ds in DATASETS:
    cfg = expand("translation", params["profile"], ds)[0]  # n_folds, subset, seed of the runs
    d = data[ds]
    for fold in prof.folds:
        train_idx, val_idx = split(d, cfg.n_folds, fold, subset=cfg.subset, seed=cfg.seed)
        counts = torch.bincount(d.labels[val_idx], minlength=d.n_classes)
        rows.append({"dataset": NAMES[ds], "profile": params["profile"],
                     "subset": f"{cfg.subset:,}" if cfg.subset else "all",
                     "fold": f"{fold} of {cfg.n_folds}", "trained on": len(train_idx),
                     "held out": len(val_idx),
                     "held out from official test": int((val_idx >= d.n_train).sum()),
                     "fewest per class": int(counts.min()), "most per class": int(counts.max())})  # fmt: skip
pd.DataFrame(rows).style.format(thousands=",").hide(axis="index")

# %% [markdown]
# ## The augmentations and their levels
#
# The paper trains with one augmentation at a time, at eleven *levels*: 0, 0.1, …, 0.9 and 0.99.
# The level means something different for each kind ([protocol §5](protocol-augmentations)):
#
# - **translation** (§4, the main experiment): every training image is shifted by a random amount
#   drawn uniformly in ±level × its width across and, independently, ±level × its height down.
#   The shift is continuous (sub-pixel, bilinear), and the pixels that enter at the border repeat
#   the nearest edge pixel (Keras `fill_mode="nearest"`).
#
#   > "During training, each image presented to the network is translated left–right as well as
#   > up-down by random amounts." ({cite}`ott2020share`, §4)
#
# - **rotation** (App. B.4): a random angle uniform in ±`int(level·360)` degrees, in both
#   directions, also bilinear with edge fill. The paper's "clockwise" only describes its
#   illustration ([protocol §10.5](protocol-discrepancy-rotation)). The `int` truncates, and floating point makes 0.7 · 360 equal to
#   {glue:text}`seventy_percent_float`, so level 0.7 means ±{glue:text}`seventy_percent_int`°,
#   not ±252°.
# - **noise** (App. B.2): Gaussian noise added to every pixel, **σ = level, a standard
#   deviation**, and the result is not clipped to [0, 1]. The paper's captions and tables call the
#   level a "variance", but the code draws `np.random.normal(scale=level)` ([protocol §5.2](protocol-noise), [§10.3](protocol-discrepancy-noise)).
#   Read as a variance, level 0.5 would mean σ = √0.5 ≈ 0.71 instead of 0.5.
#   `gaussian_noise(..., scale="variance")` offers that reading. Our default is the code's,
#   because that is what produced the paper's numbers.
# - **edge noise** (App. B.1): the same noise, on the 5-pixel frame of the image only. The
#   authors' code applies it differently; see below.
#
# The table spells out every level. It is computed by `lithm.augment.level_description`.

# %%
glue("seventy_percent_float", 0.7 * 360, display=False)
glue("seventy_percent_int", int(0.7 * 360), display=False)
levels = pd.DataFrame(
    [{"level": lv,
      "translation, MNIST (28 px)": level_description("translation", lv, 28),
      "translation, CIFAR-10 (32 px)": level_description("translation", lv, 32),
      "level · 360": repr(lv * 360), "rotation": level_description("rotation", lv),
      "noise and edge noise": level_description("noise", lv),
      "σ if the level were a variance": f"σ = {math.sqrt(lv):.2f}"} for lv in PAPER_LEVELS]
)  # fmt: skip
levels.style.format({"level": "{:g}"}).hide(axis="index")

# %% [markdown]
# ## Galleries: one image, every level
#
# The paper illustrates each augmentation with one image at the eleven levels (Figs. 2 and
# B.1–B.4). The galleries below redraw them with `lithm.augment` for image `image_index` of each
# dataset. Like the paper's figures they are *deterministic* illustrations. Translation moves the
# image left by level × width. Rotation turns it clockwise by `int(level·360)` degrees. Training
# instead draws a random shift or angle in both directions: see the explorer at the end of the
# chapter. Noisy pixels are clipped to [0, 1] for display only.


# %% tags=["hide-input"]
def picture(image: torch.Tensor):
    """(C, H, W) float image -> array for imshow (grey or RGB), clipped to [0, 1] for display."""
    image = image.detach().float().cpu().clamp(0, 1)
    return image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()


def show(ax, image: torch.Tensor, title: str | None = None, fontsize: int = 8) -> None:
    ax.imshow(picture(image), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize)


def one_image(ds: str, index: int = image_index) -> torch.Tensor:
    """Image ``index`` of ``ds`` as a (1, C, H, W) float tensor on the chapter's device."""
    return to_float(data[ds].images[index : index + 1]).to(DEVICE)


def label_of(ds: str, index: int = image_index) -> str:
    d = data[ds]
    return d.classes[int(d.labels[index])]


def gallery(title: str, transform, describe) -> None:
    """One row per dataset: ``transform(x, level, ds)`` at every paper level, titled ``describe``."""
    fig, axes = plt.subplots(len(DATASETS), len(PAPER_LEVELS), squeeze=False,
                             figsize=(13, 1.55 * len(DATASETS) + 0.7), layout="constrained")  # fmt: skip
    for r, ds in enumerate(DATASETS):
        x = one_image(ds)
        for c, lv in enumerate(PAPER_LEVELS):
            show(axes[r, c], transform(x, lv, ds)[0], f"{lv:g}: {describe(lv, ds)}", fontsize=7)
        axes[r, 0].set_ylabel(f"{NAMES[ds]} #{image_index}\n({label_of(ds)})", fontsize=8)
    fig.suptitle(title, fontsize=10)
    plt.show()


# %% [markdown]
# ### Translation (the paper's Fig. 2)

# %%
gallery(
    "Translation: moved left by level × width (Fig. 2); edge pixels repeat into the gap",
    lambda x, lv, ds: translate(x, dx=-lv * x.shape[-1], dy=0),
    lambda lv, ds: f"−{lv * data[ds].shape[-1]:.1f} px" if lv else "0 px",
)

# %% [markdown]
# At level 0.5 the image's centre reaches the left border. From there on, most of what
# is left is the repeated edge column. A network trained at level 0.9 or 0.99 often sees images
# whose object has left the frame, which is why the training accuracy in the paper's Tables 1
# and 2 falls as the level grows.

# %% [markdown]
# ### Rotation (Fig. B.4)

# %%
gallery(
    "Rotation: clockwise by int(level·360)° about the image centre (Fig. B.4)",
    lambda x, lv, ds: rotate(x, -int(lv * 360)),
    lambda lv, ds: f"{int(lv * 360)}°",
)

# %% [markdown]
# **Which centre?** `rotate` turns about the centre of the pixel grid, ((H−1)/2, (W−1)/2), so a
# quarter turn equals `torch.rot90` exactly. The keras-preprocessing version the authors used
# (1.0.x) turned about (H/2 + 0.5, W/2 + 0.5) instead: one pixel below and to the right of the
# true centre (fixed upstream later). A rotation about a shifted centre equals a rotation about
# the true centre followed by a shift. For quarter and half turns that shift is a whole number of
# pixels. `rotate(..., center="keras")` reproduces the authors' centre. The cell below finds the
# shift by trying every integer shift of up to 3 pixels and comparing the image interiors (the
# edge fill differs).

# %%
x = one_image(DATASETS[0])
rows = []
for angle in (90, 180, 270, -90):
    true_centre, keras_centre = rotate(x, angle), rotate(x, angle, center="keras")
    rot90 = torch.rot90(x, k=angle // 90, dims=(2, 3))  # counter-clockwise quarter turns
    match = [(dx, dy) for dx in range(-3, 4) for dy in range(-3, 4)
             if torch.equal(translate(true_centre, dx, dy)[..., 4:-4, 4:-4],
                            keras_centre[..., 4:-4, 4:-4])]  # fmt: skip
    rows.append({"angle": f"{angle}°", "max |rotate − torch.rot90|": float((true_centre - rot90).abs().max()),
                 "keras centre = true centre, then shift (dx, dy) by": match})  # fmt: skip
pd.DataFrame(rows).style.hide(axis="index")

# %% [markdown]
# So a half turn with the authors' centre also moves the image by two pixels across and two down.
# Training draws random angles, so this shift becomes a small systematic translation that depends
# on the angle. Runs choose the centre with `rotation_center=`: the `book` profile turns about the
# true centre, as the paper describes, and the `paper` profile about Keras' centre, as the code
# did (printed below). Chapter 8 has an exercise that tests whether the difference matters.

# %% [markdown]
# ### Gaussian noise (Fig. B.2)

# %%
gallery(
    "Gaussian noise of standard deviation σ = level on every pixel (Fig. B.2)",
    lambda x, lv, ds: gaussian_noise(x, lv, generator(1)),
    lambda lv, ds: f"σ {lv:g}",
)

# %% [markdown]
# ### Edge noise (Fig. B.1), as the paper describes it

# %%
gallery(
    f"Edge noise: σ = level on the {EDGE_BORDER}-pixel frame only (Fig. B.1, the paper's design)",
    lambda x, lv, ds: edge_noise(x, lv, generator=generator(2)),
    lambda lv, ds: f"σ {lv:g}",
)

# %% [markdown]
# ### Edge noise as the authors' code applied it
#
# The code builds a noise array of shape (batch, height, width, channels) and zeroes
# `noise[5:-5, 5:-5, :]` to keep the image centre clean. On a 4-D batch that slice selects
# **batch items** 5 … B−6 and rows 5 … H−6, not rows and columns ([protocol §5.3](protocol-edge-noise)). The effect on a
# batch of B images:
#
# - items 5 … B−6 get noise only on their **top and bottom 5 rows**, across the full width, and
#   none on the left and right borders;
# - the first 5 and the last 5 items of **every batch** get noise over the **whole image**.
#
# The paper's Fig. B.1 applied the slice to a single image, where it does select rows and
# columns, so it shows the intended frame. The networks were trained and scored ([protocol §5.6](protocol-evaluation)) on
# the pattern below. `edge_noise(..., pattern="code")` reproduces it. The batch here is the first
# B images of the dataset, with the authors' batch size.

# %%
SIGMA = 0.5
for ds in DATASETS:
    B = PROTOCOL[ds]["batch_size"]
    batch = to_float(data[ds].images[:B]).to(DEVICE)
    noisy = edge_noise(batch, SIGMA, generator=generator(3), pattern="code")
    items = [0, 4, 5, 6, B // 2, B - 6, B - 5, B - 1]
    fig, axes = plt.subplots(1, len(items), figsize=(13, 2.1), layout="constrained")
    for ax, i in zip(axes, items, strict=True):
        banded = 5 <= i < B - 5
        show(ax, noisy[i], f"batch item {i}\n" + ("top/bottom bands" if banded else "whole image"))
    fig.suptitle(f"{NAMES[ds]}: edge noise σ {SIGMA} as trained by the authors' code, batch of {B}",
                 fontsize=10)  # fmt: skip
    plt.show()

# %%
rows = []
for ds in DATASETS:
    B = PROTOCOL[ds]["batch_size"]
    C, H, W = data[ds].shape
    zeros = torch.zeros(B, C, H, W)
    for pattern in ("frame", "code"):
        mask = edge_noise(zeros, 1.0, generator=generator(4), pattern=pattern) != 0  # noisy pixels
        per_item = mask.flatten(1).float().mean(1)  # share of noisy pixels per image
        rows.append({"dataset": NAMES[ds], "pattern": pattern, "batch": B,
                     "items with noise everywhere": int((per_item == 1).sum()),
                     "items with the 5-pixel frame": int(mask[:, :, 5:-5, :5].any(dim=(1, 2, 3)).sum()),
                     "items with a clean centre": int((~mask[:, :, 5:-5, 5:-5]).all(dim=(1, 2, 3)).sum()),
                     "share of pixels noisy": float(mask.float().mean())})  # fmt: skip
pd.DataFrame(rows).style.format({"share of pixels noisy": "{:.1%}"}).hide(axis="index")

# %% [markdown]
# Runs choose the pattern with `edge_pattern=`. The `book` profile trains the edge-noise
# experiment on the **frame** the paper describes, so that it tests what the paper says it tests;
# the `paper` profile uses the code's pattern, because that is what produced the paper's numbers.
# The per-epoch edge-noise set is scored on the frame. Compare our Table B.1 with the paper's in
# [chapter 8](08_other_augmentations.ipynb) with this in mind; the last exercise below trains
# both patterns.

# %%
for _name in ("book", "paper"):
    _p = get_profile(_name)
    print(f"profile {_name!r}: edge noise pattern {_p.edge_pattern!r}, "
          f"rotation centre {_p.rotation_center!r}")  # fmt: skip

# %% [markdown]
# ### Quadrant swap (Fig. B.3)
#
# Quadrant swap is used only for evaluation (paper App. B.3, §5.5). With h = H // 2 (14 for MNIST,
# 16 for CIFAR-10), the top-right block (Cartesian quadrant I) and the bottom-left block
# (quadrant III) trade places. Quadrants II and IV stay where they are. The local features
# survive, but the global layout does not.

# %%
fig, axes = plt.subplots(len(DATASETS), 2, squeeze=False, figsize=(4.6, 2.4 * len(DATASETS)),
                         layout="constrained")  # fmt: skip
for r, ds in enumerate(DATASETS):
    x = one_image(ds)
    h, w = x.shape[-2] // 2, x.shape[-1]
    for c, (image, name) in enumerate(((x, "original"), (quadrant_swap(x), "quadrants I ↔ III"))):
        ax = axes[r, c]
        show(ax, image[0], f"{NAMES[ds]}: {name}")
        ax.axhline(h - 0.5, color="tab:orange", lw=1)
        ax.axvline(w - h - 0.5, color="tab:orange", lw=1)
        for label, (px, py) in {"I": (0.75, 0.75), "II": (0.25, 0.75), "III": (0.25, 0.25),
                                "IV": (0.75, 0.25)}.items():  # fmt: skip
            ax.text(px, py, label, transform=ax.transAxes, color="tab:orange", ha="center",
                    va="center", fontsize=9, fontweight="bold")  # fmt: skip
plt.show()

# %% [markdown]
# ## The five per-epoch evaluation sets
#
# After every epoch the authors scored each model on the clean held-out fold and on five
# transformed copies of it ([protocol §5.6](protocol-evaluation)). The random ones are **drawn again every epoch**, so the
# "translation augmented validation set" is a fresh random draw each time, not a fixed set.
#
# | name | transform |
# |---|---|
# | translation | random shifts of up to ±25 % of the size per axis, as in training |
# | noise | Gaussian noise, σ = 0.15 |
# | rotation | random angles in ±45° |
# | edge noise | σ = 0.15 on the 5-pixel frame (the code: with the bug above) |
# | swap | quadrants I ↔ III |
#
# The "translation" column of the paper's tables is the first of these. `lithm.augment` holds
# them in `EVAL_TRANSFORMS`. Below they are applied to the first eight held-out images of fold 0.

# %%
for ds in DATASETS:
    _, val_idx = split(data[ds], 5, 0)
    batch = to_float(data[ds].images[val_idx[:8]]).to(DEVICE)
    versions = {"clean": batch}
    for k, (name, transform) in enumerate(EVAL_TRANSFORMS.items()):
        versions[name] = transform(batch, generator(10 + k))
    fig, axes = plt.subplots(len(versions), 8, figsize=(9.5, 1.3 * len(versions) + 0.5),
                             layout="constrained")  # fmt: skip
    for r, (name, images) in enumerate(versions.items()):
        for c in range(8):
            show(axes[r, c], images[c])
        axes[r, 0].set_ylabel(name, fontsize=9)
    fig.suptitle(
        f"{NAMES[ds]}: the held-out images and their five per-epoch transforms", fontsize=10
    )
    plt.show()

# %% [markdown]
# ## Explore: the augmentation explorer
#
# Choose a dataset, an image, an augmentation and a level. With **random draw** off, the widget
# shows the paper's deterministic illustration (left shift, clockwise turn). With it on, it shows
# one draw of the *training* augmentation at that level, as `lithm.augment.augment` makes it; a
# new `draw seed` gives a new draw. For the authors' edge-noise bug, `batch item` sets where the
# image sits in a batch of the authors' batch size. The third panel shows the absolute
# difference. The widget needs a running kernel. On the static page, use the figure after it,
# which shows six random training draws at level 0.3 for every augmentation.

# %% tags=["hide-input"]
KINDS = {
    "translation": "translation",
    "rotation": "rotation",
    "noise": "noise",
    "edge noise (frame, the paper)": "edge-noise",
    "edge noise (the authors' code)": "edge-code",
    "quadrant swap": "swap",
}


def transformed(ds: str, index: int, kind: str, level: float, random_draw: bool, draw_seed: int,
                batch_item: int) -> tuple[torch.Tensor, str]:  # fmt: skip
    """The image and its transform as in the explorer; returns (transformed image, caption)."""
    x = one_image(ds, index)
    W = x.shape[-1]
    gen = torch.Generator().manual_seed(draw_seed)
    if kind == "swap":
        return quadrant_swap(x), level_description("swap", level)
    if kind == "edge-code":
        B = PROTOCOL[ds]["batch_size"]
        item = min(batch_item, B - 1)
        batch = x.expand(B, *x.shape[1:]).contiguous()  # the image at every position of a batch
        noisy = edge_noise(batch, level, generator=gen, pattern="code")[item : item + 1]
        return noisy, f"σ = {level:.2f}, batch item {item} of {B}"
    if random_draw:
        return augment(x, kind, level, gen), "random draw: " + level_description(kind, level, W)
    if kind == "translation":
        return translate(x, dx=-level * W, dy=0), f"left by {level * W:.1f} px"
    if kind == "rotation":
        return rotate(x, -int(level * 360)), f"clockwise by {int(level * 360)}°"
    if kind == "noise":
        return gaussian_noise(x, level, gen), level_description(kind, level)
    return edge_noise(x, level, generator=gen), level_description(kind, level)


def explore(dataset, index, kind, level, random_draw, draw_seed, batch_item):
    index = min(index, len(data[dataset]) - 1)
    y, caption = transformed(dataset, index, KINDS[kind], level, random_draw, draw_seed, batch_item)
    x = one_image(dataset, index)
    fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.8), layout="constrained")
    show(axes[0], x[0], f"{NAMES[dataset]} #{index} ({label_of(dataset, index)})", 9)
    show(axes[1], y[0], f"{kind}\n{caption}", 9)
    axes[2].imshow((y - x)[0].abs().amax(0).cpu(), cmap="magma", vmin=0, vmax=1)
    axes[2].set_title("|difference|", fontsize=9)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    return fig


# why lithm.widgets.explorer and not widgets.interactive: it draws without capturing kernel
# output into the widget, which can stall an executing notebook (see lithm/widgets.py).
explorer = figure_explorer(
    explore,
    dataset=widgets.Dropdown(options=[(NAMES[d], d) for d in DATASETS], description="dataset"),
    index=widgets.BoundedIntText(
        value=image_index, min=0, max=max(len(d) for d in data.values()) - 1, description="image"
    ),  # fmt: skip
    kind=widgets.Dropdown(options=list(KINDS), value="translation", description="kind"),
    level=widgets.FloatSlider(value=0.3, min=0.0, max=0.99, step=0.01, description="level"),
    random_draw=widgets.Checkbox(value=False, description="random draw"),
    draw_seed=widgets.IntSlider(value=seed, min=0, max=99, description="draw seed"),
    batch_item=widgets.IntSlider(value=0, min=0, max=255, description="batch item"),
)
display(explorer)

# %% tags=["hide-input"]
# The static figure beside the widget: six random training draws at level 0.3 per augmentation.
LEVEL = 0.3
for ds in DATASETS:
    x = one_image(ds)
    kinds = ("translation", "rotation", "noise", "edge-noise")
    fig, axes = plt.subplots(
        len(kinds), 7, figsize=(9, 1.45 * len(kinds) + 0.6), layout="constrained"
    )
    for r, kind in enumerate(kinds):
        show(axes[r, 0], x[0], "original" if r == 0 else None)
        axes[r, 0].set_ylabel(f"{kind}\n{level_description(kind, LEVEL, x.shape[-1])}", fontsize=8)
        for c in range(1, 7):
            show(axes[r, c], augment(x, kind, LEVEL, generator(100 + 10 * r + c))[0],
                 f"draw {c}" if r == 0 else None)  # fmt: skip
    fig.suptitle(f"{NAMES[ds]}: what training sees at level {LEVEL}: six random draws each",
                 fontsize=10)  # fmt: skip
    plt.show()

# %% [markdown]
# ## What the translated evaluation does to networks trained without it
#
# The 25 % translated copy of the held-out fold, drawn above, is the paper's test of translation
# invariance (chapter 4). The authors' repeated runs without augmentation give the median
# accuracies on it and on the clean fold (§5.5, recomputed from their published data); the
# sentences below set our stored runs beside them, computed when the page is built ("cannot tell"
# while runs are missing).

# %%
from lithm.chapter import ensure_results  # noqa: E402
from lithm.sentences import say  # noqa: E402
from lithm.verdicts import verdict_sentences  # noqa: E402

# read-only: this chapter never trains the stored runs
stored = ensure_results("translation", profile, DATASETS, train_missing=False)
claim_ids = ("repeat-cnn-val-0", "repeat-fcn-val-0", "repeat-cnn-translation-0",
             "repeat-fcn-translation-0")  # fmt: skip
say(verdict_sentences(stored, claim_ids, DATASETS))

# %% [markdown]
# ## Exercises
#
# ```{exercise}
# :label: ex-02-swap-involution
# Verify that the quadrant swap is its own inverse, and that it leaves quadrants II and IV
# untouched. What fraction of an MNIST image's pixels can it move? Put it in `answer`.
# ```
#
# ```{solution} ex-02-swap-involution
# :class: dropdown
# Swapping I and III twice puts every block back, so `quadrant_swap(quadrant_swap(x))` equals
# `x` exactly (`torch.equal`). Only the two 14×14 blocks move: $2\cdot 14^2 / 28^2 = 50\,\%$ of
# the pixels; on random images `(quadrant_swap(x) != x).float().mean()` measures it. For odd
# sizes the middle row and column belong to neither block.
# ```

# %%
answer = None  # the fraction of pixels the swap can move, e.g. 0.25
confirm(answer, 2 * 14**2 / 28**2, tolerance=0.005)

# %% [markdown]
# ```{exercise}
# :label: ex-02-sigma-variance
# The paper's Table B.2 says "variance" of the noise, and the code uses a standard deviation. At
# level 0.5, how large is the noise under each reading? What fraction of noisy MNIST background
# pixels (value 0) end up outside [0, 1] under the code's reading? Work it out, put it in
# `answer`, and measure it with `gaussian_noise` and its `scale` argument.
# ```
#
# ```{solution} ex-02-sigma-variance
# :class: dropdown
# The code's reading gives σ = 0.5. The variance reading gives σ = √0.5 ≈ 0.71, about 41 % more.
# A background pixel stays inside [0, 1] only if its noise lies in [0, 1], so about 52 % of
# such pixels end up outside for σ = 0.5: the half below 0, plus the 2.3 % above 1. Because
# the result is not clipped, the networks see these values as they are. Measured:
# `y = gaussian_noise(torch.zeros(64, 1, 28, 28), 0.5)`, then `((y < 0) | (y > 1)).float().mean()`.
# ```

# %%
answer = None  # the fraction outside [0, 1], e.g. 0.3
confirm(answer, 0.5 + 0.5 * math.erfc(1 / (0.5 * math.sqrt(2))), tolerance=0.01,
        hint="the half below 0, plus the tail above 1 of a normal with σ = 0.5")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-02-edge-pattern
# Does the authors' edge-noise pattern train something else than the paper's frame? Train two
# FCNs on MNIST with edge noise of σ 0.5, one on the 5-pixel frame and one on the code's pattern,
# and score both on the held-out images with edge noise on the frame (σ 0.15) and with noise on
# every pixel (σ 0.15). The cell below does it by wrapping the network: in training mode the
# wrapper adds the noise to its input batch, and `augmentation="none"` keeps the class-run loop
# from adding anything. Before you run it: which network should cope better with noise over the
# whole image, and why?
# ```
#
# ```{solution} ex-02-edge-pattern
# :class: dropdown
# The code's pattern puts noise over the *whole image* on 10 items of every batch (the first and
# last five), and over the top and bottom bands on the others; the frame never touches the
# centre. So the code-trained FCN has seen noisy digits, and it should score higher on the
# whole-image noise set, while both should cope with the frame. The computed sentence under the
# run says whether yours did, beside the luck of one split. Either way the two patterns train
# different things, so Table B.1 from frame-trained runs (the `book` profile) and the paper's
# Table B.1 (the code's pattern) are not the same experiment; chapter 8 takes this into account.
# ```


# %%
class TrainEdgeNoise(nn.Module):
    """Add edge noise of σ ``sigma`` in ``pattern`` to every training batch; evaluate as is."""

    def __init__(self, net: nn.Module, sigma: float, pattern: str):
        super().__init__()
        self.net, self.sigma, self.pattern = net, sigma, pattern

    def forward(self, x):  # (B, C, H, W) -> (B, 10)
        if self.training:
            x = edge_noise(x, self.sigma, pattern=self.pattern)
        return self.net(x)


def edge_trained(dataset, name):
    pattern = "code" if name == "fcn, code pattern" else "frame"
    return TrainEdgeNoise(build_model(dataset, "fcn"), 0.5, pattern)


patterns = train_in_class("mnist", models=("fcn, frame", "fcn, code pattern"),
                          augmentation="none", level=0.0, scale=class_scale, build=edge_trained,
                          evaluate=("edge_noise", "noise"), seed=seed)  # fmt: skip
display(plot_in_class(patterns, title="FCNs trained with edge noise σ 0.5: frame or code pattern"))

# %% tags=["hide-input"]
# A computed sentence on the run above (differences within the yardstick can be luck).
final, yard = patterns.final(), patterns.noise_level()
for metric, what in (("noise", "whole-image noise"), ("edge_noise", "edge noise on the frame")):
    frame_acc, code_acc = final.loc["fcn, frame", metric], final.loc["fcn, code pattern", metric]
    if max(frame_acc, code_acc) < 0.2:
        how = "both still near chance"
    elif abs(code_acc - frame_acc) <= yard:
        how = f"within {yard:.2f} of each other, the luck of one split"
    else:
        higher = "higher" if code_acc > frame_acc else "lower"
        how = f"the code-pattern FCN {abs(code_acc - frame_acc):.2f} {higher}"
    print(f"On {what}: frame-trained {frame_acc:.3f}, code-trained {code_acc:.3f}: {how}.")
print(f"({patterns.label}; the edge noise of σ 0.5 is added by the wrapper, not the loop)")

# %% [markdown]
# ## Key takeaways
#
# - The paper cross-validates over the official training and test images together, in five
#   contiguous, unshuffled folds; the held-out fold is its "validation" set, and there is no
#   separate test set.
# - A level means a share of the image size for translation, of 360° for rotation (random, in
#   both directions), and a standard deviation for noise and edge noise.
# - The authors' code departs from the paper's text in the noise scale (σ, not a variance), the
#   edge-noise pattern (a batch-indexing bug) and the rotation centre. The `book` profile follows
#   the paper's description, the `paper` profile the code; the exercise above shows whether the
#   edge-noise pattern trains a different network.
# - Every epoch scores five transformed copies of the held-out fold (translation, noise,
#   rotation, edge noise, swap); the random ones are drawn afresh each epoch.

# %% [markdown]
# ## Re-run at full scale
#
# This chapter reads no stored runs and runs in seconds at every profile (the last exercise at
# the class scale takes a few minutes). Only the table of
# [the folds at this chapter's profile](ch02-profile-folds) depends on the
# profile. To show the paper's own split there, or to run the transforms on a GPU:
#
# ```bash
# papermill notebooks/02_data_and_augmentations.ipynb out.ipynb -p profile paper -p device cuda
# ```
#
# The experiments that train with these augmentations at the paper's scale are
#
# ```bash
# lithm run translation --profile paper --dataset all   # Tables 1-2
# lithm run edge-noise --profile paper --dataset all    # Table B.1
# lithm run noise --profile paper --dataset all         # Table B.2
# lithm run rotation --profile paper --dataset all      # Table B.3
# ```
#
# Each is 11 levels × 2 models × 5 folds per dataset, of up to 250 (MNIST) or 500 (CIFAR-10)
# epochs. That is many GPU-hours; see {doc}`../book/reproducibility`.
