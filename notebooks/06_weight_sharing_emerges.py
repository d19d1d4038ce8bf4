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

# %% [markdown]
# # 6. Does approximate weight sharing emerge?
#
# A free convolution has its own kernel at every position of the image. Nothing ties the kernel at
# one position to the kernel at the next one. A convolutional network uses one kernel everywhere by
# construction. This chapter asks whether a free convolution trained on translated images makes
# its kernels alike on its own. If neighbouring kernels drift towards each other, the network has
# learnt *approximate* weight sharing. The paper answers with one distance measure on the first
# layer (§5.4, Fig. 5; App. B.5, Figs. B.6–B.7):
#
# > "If weight-sharing did emerge naturally, one would expect to see a lower average euclidean
# > distance between filters within an FCN layer throughout training. One would only expect to see
# > this convergence in weight values if a similar stimulus is present across the input space
# > (i.e., translationally augmented data, akin to video)." ({cite:p}`ott2020share`, §5.4)
#
# We first define the measure exactly and work out its value for random weights. We then redraw
# Fig. 5, B.6 and B.7 from our runs and put them beside the paper's statements. Last, we look at
# the kernels themselves before and after training, since the distance sums them up in a single
# number.

# %% tags=["parameters"]
profile = "book"  # results scale: "smoke" (seconds), "book" (committed CPU-scale runs), "paper"
datasets = ["mnist", "cifar10"]  # one or both of "mnist", "cifar10"
device = "auto"  # where missing runs are trained: "auto", "cpu", "cuda"
train_missing = None  # None: train missing runs for every profile but "book"; or True / False
filter_index = 0  # first-layer filter shown in the kernel mosaics: 0-31 (MNIST), 0-63 (CIFAR-10)
levels = None  # translation levels to show, e.g. [0.0, 0.5]; None: every level of the profile

# %% tags=["hide-input"]
import math
import textwrap

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display
from myst_nb import glue
from torch import nn

from lithm.analysis import distance_curves, load_distances, runs_of, scale_label
from lithm.chapter import ParameterError, check_parameters, ensure_results, profile_note
from lithm.experiments import expand
from lithm.layers import FreeConv2d
from lithm.metrics import filter_distance, pair_count, ring_offsets
from lithm.models import ARCHITECTURES, build_model
from lithm.paper import claim
from lithm.paths import results_dir
from lithm.plots import OKABE_ITO, plot_filter_distance
from lithm.store import ResultsStore

params = check_parameters(
    profile=profile,
    datasets=datasets,
    device=device,
    train_missing=train_missing,
    filter_index=filter_index,
    levels=levels,
)
DATASETS = params["datasets"]
N_FILTERS = {ds: ARCHITECTURES[ds].layers[0].filters for ds in DATASETS}
if isinstance(filter_index, bool) or not isinstance(filter_index, int) or filter_index < 0:
    raise ParameterError(f"filter_index={filter_index!r} must be an integer >= 0")
if filter_index >= min(N_FILTERS.values()):
    limits = ", ".join(f"{ds}: 0-{n - 1}" for ds, n in N_FILTERS.items())
    raise ParameterError(f"filter_index={filter_index} is too large; valid values: {limits}")
LEVELS = None if levels is None else sorted({round(float(v), 6) for v in levels})
NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
print(profile_note(profile))

# %% [markdown]
# ## The measure
#
# The measure reads the kernels of the **first** free-convolution layer (no bias) in three steps
# (FACTS §6):
#
# 1. **A grid of blocks.** The layer has a kernel block $G[i, j]$ at each output position
#    $(i, j)$. The block holds the kernels of *all* $F$ filters over the $K = k_h k_w C$ inputs of
#    the patch, so it has $K \times F$ numbers. A "filter" in the paper's sense is therefore this
#    whole block, not one output channel. The grid is $13 \times 13$ for MNIST ($K = 9$,
#    $F = 32$) and $14 \times 14$ for CIFAR-10 ($K = 75$, $F = 64$).
# 2. **One global normalisation.** The whole tensor is divided by its Frobenius norm,
#    $G \leftarrow G / \lVert G \rVert_F$. Weights grow during training, and this step keeps that
#    growth out of the distance.
# 3. **A ring average.** For a radius $r$, every position $(i, j)$ whose ring fits inside the grid
#    is a centre. Its neighbours are the $8r$ positions at **Chebyshev distance exactly $r$**, so
#    $\max(|u|, |v|) = r$ and the positions inside the ring do not count. Then
#    $$D_r = \operatorname{mean}_{(i,j)\,\in\,\text{centres}}\ \operatorname{mean}_{(u,v)\,\in\,
#    \text{ring}_r} \lVert G[i,j] - G[i+u, j+v] \rVert_F .$$
#    A pair is counted twice, once from each of its two ends.
#
# The paper uses $r = 1$ (neighbours) and $r = 4$. The Fig. 5 caption says "radius 4 (left) …
# radius 7 (right)", but the text, the code and the figure all use 1 and 4 (FACTS §10.7). The
# table below computes the pair counts from the architectures and `lithm.metrics.pair_count`.

# %%
rows = []
for ds in ("mnist", "cifar10"):
    arch = ARCHITECTURES[ds]
    spec = arch.layers[0]
    _, oh, ow = arch.feature_shapes()[0]
    for r in (1, 4):
        rows.append(
            {
                "dataset": NAMES[ds],
                "grid (positions)": f"{oh}×{ow} ({oh * ow})",
                "block K×F": f"{spec.kernel**2 * arch.input_shape[0]}×{spec.filters}",
                "radius": r,
                "centres": (oh - 2 * r) * (ow - 2 * r),
                "ring size 8r": len(ring_offsets(r)),
                "pairs": pair_count(oh, ow, r),
            }
        )
pd.DataFrame(rows)


# %% [markdown]
# The picture below is the MNIST grid, in the style of the paper's Fig. B.5. Each square is one
# output position. The shaded squares are the centres that can have a full ring, × marks one
# centre, and the coloured squares are its ring.


# %% tags=["hide-input"]
def ring_picture(size=13, centre=(6, 6), radii=(1, 4)):
    """Fig. B.5 redrawn: centres (grey), one centre (×) and its ring (orange) on a size×size grid."""
    fig, axes = plt.subplots(1, len(radii), figsize=(4.2 * len(radii), 4.4), layout="constrained")
    colours = np.array([[1, 1, 1], [0.85, 0.85, 0.85], [0.90, 0.62, 0.0]])  # free, centre, ring
    for ax, r in zip(axes, radii, strict=True):
        kind = np.zeros((size, size), dtype=int)
        kind[r : size - r, r : size - r] = 1  # positions whose ring fits: the centres
        for u, v in ring_offsets(r):
            kind[centre[0] + u, centre[1] + v] = 2
        ax.imshow(colours[kind], interpolation="nearest")
        ax.text(centre[1], centre[0], "×", ha="center", va="center", fontsize=16)
        ax.set_xticks(np.arange(-0.5, size, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, size, 1), minor=True)
        ax.grid(which="minor", color="0.5", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        n_centres = (size - 2 * r) ** 2
        ax.set_title(
            f"radius {r}: {n_centres} centres × {8 * r} neighbours\n= {pair_count(size, size, r)}"
            " pairs",
            fontsize="medium",
        )
    fig.suptitle(f"The {size}×{size} output grid of the MNIST FCN's first layer", fontsize="medium")
    plt.close(fig)
    return fig


ring_picture()

# %% [markdown]
# ### What random kernels give
#
# Take i.i.d. random weights, as at initialisation. After the global normalisation the $P$ blocks
# hold a total squared norm of 1, so each block holds about $1/P$ of it. Two independent blocks
# with zero mean give $\mathbb{E}\lVert a - b \rVert^2 = \mathbb{E}\lVert a\rVert^2 +
# \mathbb{E}\lVert b\rVert^2 = 2/P$. A block has hundreds of entries, so the norm hardly varies
# from pair to pair, and
#
# $$D_r \approx \sqrt{2/P}\quad\text{for every radius,}$$
#
# whatever the initial scale and block size. For MNIST $P = 169$ and the baseline is
# {glue:text}`baseline_mnist:.4f`; for CIFAR-10 $P = 196$ and it is {glue:text}`baseline_cifar:.4f`.
# Random vectors in many dimensions are also nearly orthogonal, so the cosine distance
# $1 - \cos$ starts near 1. The authors' data agree: their first logged value of the radius-1
# distance, which belongs to the initial weights, is {glue:text}`paper_initial:.4f`
# (FACTS §6). The cell below measures a freshly initialised FCN of each dataset.

# %%
glue("baseline_mnist", math.sqrt(2 / 169), display=False)
glue("baseline_cifar", math.sqrt(2 / 196), display=False)
glue("paper_initial", claim("distance-r1-epoch1").value, display=False)

torch.manual_seed(0)
rows = []
for ds in DATASETS:
    layer = build_model(ds, "fcn").first_layer  # Keras-style initialisation (FACTS §4.4)
    positions = math.prod(layer.output_size)
    row = {"dataset": NAMES[ds], "P": positions, "√(2/P)": math.sqrt(2 / positions)}
    for r in (1, 4):
        row[f"Euclidean r={r}"] = filter_distance(layer, r)
    row["cosine r=1"] = filter_distance(layer, 1, metric="cosine")
    rows.append(row)
baseline = pd.DataFrame(rows)
print(
    f"paper (FACTS §6, authors' data): first logged radius-1 distance "
    f"{claim('distance-r1-epoch1').value} -- {claim('distance-r1-epoch1').note}"
)
baseline.round(4)

# %% [markdown]
# ## Fig. 5 from our runs: translation
#
# The paper's Fig. 5 shows MNIST FCNs trained with 0–99 % translation. Epoch 0 on our axes is the
# initial weights. The authors log the distance *before* each epoch, so their epoch 1 is our
# epoch 0 (FACTS §6). We draw both datasets; the paper shows MNIST only. The band spans the lowest
# and highest fold.

# %%
frame = ensure_results(
    "translation", profile, DATASETS, device=device, train_missing=params["train_missing"]
)
store = ResultsStore(results_dir(profile))
all_distances = load_distances(store)


def distances_of(frame):
    """The filter distances of the runs in ``frame``, restricted to the chosen levels."""
    out = all_distances[all_distances["run_id"].isin(set(frame["run_id"]))]
    if LEVELS is not None:
        out = out[out["level"].astype(float).round(6).isin(LEVELS)]
    return out


distances = distances_of(frame)


def fcn_datasets(dist):
    """The chosen datasets that have FCN distances in ``dist``; notes the others."""
    present = set(dist.loc[dist["model"] == "fcn", "dataset"]) if len(dist) else set()
    for ds in DATASETS:
        if ds not in present:
            print(f"No FCN filter distances for {NAMES[ds]} at profile {profile!r} yet.")
    return [ds for ds in DATASETS if ds in present]


for ds in fcn_datasets(distances):
    display(plot_filter_distance(distances, ds, "translation"))


# %% [markdown]
# The paper reads its figure this way: with no translation the kernels drift apart, and with
# translation they move together, more so for more translation. From the authors' data, after
# about 250 epochs the 0 % curves rise to about 0.110 and the curves for 50 % translation or more
# fall to about 0.065–0.072 (FACTS §6). These values were read off the authors' figure, and the
# source does not say which radius they belong to, so the table shows them for both. The table
# puts our first and last epochs beside these numbers. It also gives the direction in which each
# of our curves moved, and the direction the paper's reading predicts (up at 0 %, down with
# translation).


# %% tags=["hide-input"]
def direction_table(dist, experiment, datasets_):
    """Per dataset, level and radius: our distance before and after training, and the paper's."""
    parts = []
    for ds in datasets_:
        c = distance_curves(dist, experiment, ds)
        c = c[c["model"] == "fcn"]
        for (level, radius), g in c.groupby(["level", "radius"]):
            first, last = g.loc[g["epoch"].idxmin()], g.loc[g["epoch"].idxmax()]
            parts.append(
                {
                    "dataset": NAMES[ds],
                    "level": float(level),
                    "radius": int(radius),
                    "epoch 0": round(first["mean"], 4),
                    "last epoch": int(last["epoch"]),
                    "ours, last": round(last["mean"], 4),
                    "change %": round(100 * (last["mean"] / first["mean"] - 1), 2),
                    "ours moved": "up" if last["mean"] > first["mean"] else "down",
                    "folds": int(last["n"]),
                }
            )
    table = pd.DataFrame(parts)
    if table.empty:
        return table
    # Is a translated run's last value below the 0 % run's, same dataset and radius?
    zero = table[table["level"] == 0].set_index(["dataset", "radius"])["ours, last"]
    below = []
    for _, row in table.iterrows():
        ref = zero.get((row["dataset"], row["radius"]))
        below.append("—" if row["level"] == 0 or ref is None else row["ours, last"] < ref)
    table["below the 0 % run"] = below
    return table


def paper_reading(row):
    """The paper's statement about Fig. 5 (MNIST, translation, ~250 epochs) for a table row."""
    if row["dataset"] != "MNIST":
        return "no figure in the paper"
    if row["level"] == 0:
        return f"≈ {claim('distance-untranslated-late').value:.3f} (up)"
    low, high = claim("distance-translated-late").value
    if row["level"] >= 0.5:
        return f"≈ {low:.3f}–{high:.3f} (down)"
    return "down, less than at ≥ 50 % (no number)"


table = direction_table(distances, "translation", DATASETS)
if len(table):
    table["paper, ~250 epochs (Fig. 5)"] = table.apply(paper_reading, axis=1)
    caption = scale_label(runs_of(frame, "translation"))
    display(Markdown(f"**Translation: first-layer distance, epoch 0 and last epoch.** {caption}"))
    display(table)

# %% [markdown]
# The paper also states an ordering: kernels one step apart are more alike than kernels four
# steps apart, so $D_1 < D_4$ for every level (claim `distance-radius-order`). The next table checks
# this at our last epoch.

# %%
if len(table):
    last = table.pivot_table(index=["dataset", "level"], columns="radius", values="ours, last")
    last.columns = [f"D_{r}, last epoch" for r in last.columns]
    last["D_1 < D_4"] = last.iloc[:, 0] < last.iloc[:, 1]
    display(last)

# %% [markdown]
# ### What our short runs can and cannot show
#
# Our `book` runs train for a few epochs on a subset of the data (the scale line under every
# figure). The paper trained for up to 250 epochs (MNIST) with early stopping. That limits what
# we can compare:
#
# - **Late drift is out of reach.** The paper's 0 % curve climbs from about 0.109 to about 0.110
#   over some 250 epochs, a change of about 1 %. Our few epochs cover only the start of those
#   curves. If our 0 % curve moves down, that does not contradict the paper. It shows the early
#   phase, where Adam moves every weight by about the learning rate per step. The gradients at
#   different positions also share parts (the blank background, the average stroke), and those
#   shared parts move all kernels together.
# - **The separation between levels is within reach.** Translation shows the same strokes at every
#   position, so the kernels at different positions get similar gradients from the first epoch.
#   If the translated curves lie below the 0 % curve at our last epoch, the effect the paper
#   reports has started. The column "below the 0 % run" of the table above says whether they do.
# - **Absolute values are not comparable.** The paper's 0.065–0.072 is the value after hundreds of
#   epochs. The distance after a few epochs depends on how far training has gone, not only on the
#   level.
#
# Re-running the chapter at the `paper` profile gives the full curves (see the last section).

# %% [markdown]
# ## Figs. B.6 and B.7: rotation and noise
#
# To check that translation is the cause, the authors also measured FCNs trained with rotation and
# with noise:
#
# > "The results show that for all augmentation settings of rotation, the distance between filters
# > increases over time. Additionally, in noise augmented training, the average Euclidean distance
# > increases in all cases except very high values of noise (0.8, 0.9, 0.99)."
# > ({cite:p}`ott2020share`, App. B.5)
#
# The runs are the same as in [chapter 8](08_other_augmentations.ipynb). Their 0 % runs are the
# translation experiment's 0 % runs (FACTS §9).

# %%
other, other_frames = {}, {}
for experiment in ("rotation", "noise"):
    other_frames[experiment] = ensure_results(
        experiment, profile, DATASETS, device=device, train_missing=params["train_missing"]
    )
    # Runs trained just now are not in all_distances yet: load them again.
    all_distances = load_distances(store)
    # `levels` selects translation levels; rotation and noise keep every level of the profile.
    runs = set(other_frames[experiment]["run_id"])
    other[experiment] = all_distances[all_distances["run_id"].isin(runs)]
    for ds in fcn_datasets(other[experiment]):
        display(plot_filter_distance(other[experiment], ds, experiment))

# %% [markdown]
# The next figure puts the three kinds of augmentation side by side. For each training level it
# shows how much the distance changed from before training to our last epoch, in percent. A
# negative change means the kernels moved together, and a positive one means they moved apart.
# The paper's reading predicts that translation falls below the 0 % value and that rotation and
# noise do not, except at very high noise. Each kind of augmentation has one line, and each
# dataset and radius has a panel.


# %% tags=["hide-input"]
def ratio_figure():
    kinds = {"translation": distances, **other}
    markers = {"translation": "o", "rotation": "s", "noise": "^"}
    shown = [ds for ds in DATASETS if any(ds in set(d["dataset"]) for d in kinds.values())]
    if not shown:
        print("No FCN runs stored yet for this figure.")
        return None
    fig, axes = plt.subplots(
        len(shown), 2, figsize=(10, 3.6 * len(shown) + 0.8), squeeze=False, layout="constrained"
    )
    for row, ds in enumerate(shown):
        for col, radius in enumerate((1, 4)):
            ax = axes[row, col]
            for i, (kind, dist) in enumerate(kinds.items()):
                c = distance_curves(dist, kind, ds)
                c = c[(c["model"] == "fcn") & (c["radius"] == radius)]
                if c.empty:
                    continue
                first = c[c["epoch"] == 0].set_index("level")["mean"]
                last = c.loc[c.groupby("level")["epoch"].idxmax()].set_index("level")["mean"]
                change = (100 * (last / first - 1)).dropna().sort_index()
                ax.plot(
                    change.index * 100, change.values, marker=markers[kind], color=OKABE_ITO[i],
                    label=kind,
                )  # fmt: skip
            ax.axhline(0.0, color="0.5", linestyle=":", linewidth=1)
            ax.set_title(f"{NAMES[ds]}, radius {radius}", fontsize="medium")
            ax.set_xlabel("training level (% of size, % of 360°, or σ × 100)")
            ax.set_ylabel("change of the distance\nlast epoch vs before (%)")
            ax.grid(True, alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, title="augmentation")
    runs = pd.concat([frame, *other_frames.values()], ignore_index=True)
    runs = runs[runs["model"] == "fcn"].drop_duplicates("run_id")
    title = "First-layer filter distance: change from before training to the last epoch"
    fig.suptitle("\n".join([title, *textwrap.wrap(scale_label(runs), 110)]), fontsize="medium")
    plt.close(fig)
    return fig


ratio_figure()

# %% [markdown]
# Read the figure with the caveats of the previous section: it shows where our short runs have
# got to, not where 250 epochs end. The question it can answer is whether translation separates
# from the other two kinds already early in training.

# %% [markdown]
# ## The cosine variant
#
# The authors' code also logs a cosine distance `cos_r`: the mean of $1 - \cos$ between the
# flattened blocks. It ignores how large each block is and asks only whether two blocks point the
# same way. For random blocks it starts near 1. Their repository's CIFAR figure plots this value
# on an axis labelled "Cosine Similarity", but the values are distances, so lower means more
# alike (FACTS §6).

# %%
for ds in fcn_datasets(distances):
    display(plot_filter_distance(distances, ds, "translation", metric="cosine"))

# %% [markdown]
# ## The kernels before and after training
#
# A single distance can hide a lot, so here are the kernels themselves. For one filter (parameter
# `filter_index`) the mosaic puts the filter's kernel at each output position into a
# $13 \times 13$ (MNIST) or $14 \times 14$ (CIFAR-10) grid of small tiles. Each tile is the
# $3 \times 3$ or $5 \times 5$ kernel at that position. A convolution would show the same tile
# everywhere. Approximate weight sharing would show tiles that are alike, at least near each
# other.
#
# We store the final first-layer kernels of the first fold of every unmasked FCN run. The initial
# kernels follow from the run's seed, exactly as `lithm.train` draws them. The cell below rebuilds
# them and checks that their distance equals the logged "before training" value. As in the
# measure, each layer is divided by its Frobenius norm, then scaled to unit RMS so that before and
# after share one colour scale. MNIST tiles use a diverging map (blue < 0 < red). CIFAR-10 tiles
# show the three input channels as RGB, with grey for zero.


# %%
def fold0_fcn(dataset, level):
    """The fold-0 FCN run of the translation experiment at ``level`` (its kernels are stored)."""
    for config in expand("translation", profile, dataset):
        if config.model == "fcn" and config.fold == 0 and math.isclose(config.level, level):
            return config
    return None


def initial_kernels(config):
    """The first-layer kernels before training, re-created as lithm.train.train creates them."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.run_seed)
        model = build_model(
            config.dataset, config.model, connection_mode=config.connection_mode,
            connection_prob=config.connection_prob, mask_seed=config.run_seed % (2**31),
            init=config.init,
        )  # fmt: skip
    return model.first_layer.kernels().detach().numpy()  # (oh, ow, F, C, kh, kw)


_KERNELS = {}


def kernels(dataset, level):
    """``{"before": array, "after": array}`` for the fold-0 FCN at ``level``, or None if absent."""
    key = (dataset, round(float(level), 6))
    if key not in _KERNELS:
        config = fold0_fcn(dataset, level)
        final = store.kernels(config) if config is not None else None
        _KERNELS[key] = (
            None if final is None else {"before": initial_kernels(config), "after": final}
        )
    return _KERNELS[key]


def stored_levels(dataset):
    """Translation levels whose fold-0 FCN kernels are stored, within ``levels`` if given."""
    found = []
    for config in expand("translation", profile, dataset):
        if config.model == "fcn" and config.fold == 0 and store.artifact_path(config).exists():
            if LEVELS is None or round(config.level, 6) in LEVELS:
                found.append(config.level)
    return sorted(found)


checks = []
for ds in DATASETS:
    for level in stored_levels(ds):
        config = fold0_fcn(ds, level)
        record = store.load(config)
        k = kernels(ds, level)
        checks.append(
            {
                "dataset": NAMES[ds], "level": level,
                "re-created, r=1": filter_distance(torch.from_numpy(k["before"]), 1),
                "logged before training": record["initial"]["dist_1"],
                "stored final, r=1": filter_distance(torch.from_numpy(k["after"]), 1),
                "logged last epoch": record["history"][-1]["dist_1"],
            }
        )  # fmt: skip
pd.DataFrame(checks).round(6) if checks else print("No stored kernels yet at this profile.")


# %% tags=["hide-input"]
def mosaic(k, f):
    """Tile filter ``f`` of kernels ``(oh, ow, F, C, kh, kw)`` into one image with 1-pixel gaps.

    Returns a ``(oh·(kh+1)−1, ow·(kw+1)−1)`` array (one input channel; NaN in the gaps) or the same
    with a trailing RGB axis (three input channels; white gaps).
    """
    k = k / np.linalg.norm(k) * math.sqrt(k.size)  # global normalisation, then unit RMS
    oh, ow, _, c, kh, kw = k.shape
    tiles = k[:, :, f]  # (oh, ow, C, kh, kw)
    canvas = np.full((oh * (kh + 1) - 1, ow * (kw + 1) - 1, c), np.nan)
    for i in range(oh):
        for j in range(ow):
            tile = tiles[i, j].transpose(1, 2, 0)  # (C, kh, kw) -> (kh, kw, C)
            canvas[i * (kh + 1) : i * (kh + 1) + kh, j * (kw + 1) : j * (kw + 1) + kw] = tile
    if c == 1:
        return canvas[..., 0]
    rgb = np.clip(0.5 + canvas / 6.0, 0.0, 1.0)  # ±3 RMS -> [0, 1], zero -> grey
    return np.where(np.isnan(rgb), 1.0, rgb)


def draw_mosaic(ax, k, f):
    image = mosaic(k, f)
    cmap = plt.get_cmap("RdBu_r").copy()
    cmap.set_bad("white")
    if image.ndim == 2:
        ax.imshow(image, cmap=cmap, vmin=-3, vmax=3, interpolation="nearest")
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def filter_distances(k, f):
    """Radius-1 distances of one filter's kernels alone (normalised over that filter)."""
    one = torch.from_numpy(np.ascontiguousarray(k[:, :, f : f + 1]))
    return filter_distance(one, 1), filter_distance(one, 1, metric="cosine")


def kernel_figure(ds, f):
    shown = stored_levels(ds)
    if not shown:
        print(f"No stored kernels for {NAMES[ds]} at profile {profile!r} yet.")
        return None
    shown = sorted({shown[0], shown[-1]})  # 0 % (or the lowest) and the highest level
    fig, axes = plt.subplots(
        len(shown), 2, figsize=(9, 4.6 * len(shown)), squeeze=False, layout="constrained"
    )
    for row, level in enumerate(shown):
        k = kernels(ds, level)
        for col, when in enumerate(("before", "after")):
            d_euc, d_cos = filter_distances(k[when], f)
            draw_mosaic(axes[row, col], k[when], f)
            axes[row, col].set_title(
                f"{level * 100:g} % translation, {when} training\n"
                f"this filter: D₁ = {d_euc:.3f}, cosine D₁ = {d_cos:.3f}",
                fontsize="medium",
            )
    scale = scale_label(runs_of(frame[frame["dataset"] == ds], "translation"))
    fig.suptitle(
        f"{NAMES[ds]} FCN, first layer, filter {f}: its kernel at every output position "
        f"(fold 0)\n{scale}",
        fontsize="medium",
    )
    plt.close(fig)
    return fig


for ds in DATASETS:
    fig = kernel_figure(ds, filter_index)
    if fig is not None:
        display(fig)

# %% [markdown]
# Each panel title gives the filter's own radius-1 distances, Euclidean and cosine, computed on
# that filter alone (normalised over it). Before training the tiles are independent noise. After
# training, look for shared structure: the same stroke direction in neighbouring tiles, or a
# smooth change across the grid. Compare it with how much the tiles vary in the untranslated run.
# Look also for a colour shared by all tiles after training. A component common to every position
# lowers the distance without any spatial structure, so it is a kind of sharing the measure
# rewards but a convolution would not need.
#
# ### Where did the kernels change?
#
# Some positions may not learn at all. A weight's gradient is its input times the gradient at the
# layer's output. A position whose patch is blank in every training image therefore gets a zero
# gradient, and Adam (without weight decay) leaves such a weight exactly where it started. Without
# translation, MNIST's blank margin could leave the border kernels at their random values. Those
# kernels keep the distance near the random baseline whatever the rest of the layer learns.
# Translation moves strokes into the margin. The map shows, for every position, how far its block
# moved relative to its initial size, $\lVert G_\text{after} - G_\text{before}\rVert /
# \lVert G_\text{before}\rVert$, without normalisation. The count of positions that did not move
# at all (a change below the float16 rounding of the stored kernels) is in the panel titles.


# %% tags=["hide-input"]
def change_figure(ds):
    shown = stored_levels(ds)
    if not shown:
        return None
    shown = sorted({shown[0], shown[-1]})
    fig, axes = plt.subplots(1, len(shown), figsize=(4.6 * len(shown) + 1, 4.4), squeeze=False,
                             layout="constrained")  # fmt: skip
    maps = []
    for level in shown:
        k = kernels(ds, level)
        before, after = (k[w].reshape(*k[w].shape[:2], -1) for w in ("before", "after"))
        maps.append(np.linalg.norm(after - before, axis=-1) / np.linalg.norm(before, axis=-1))
    top = max(float(m.max()) for m in maps)
    for ax, level, change in zip(axes[0], shown, maps, strict=True):
        image = ax.imshow(change, cmap="magma", vmin=0, vmax=top)
        frozen = int((change < 1e-3).sum())
        ax.set_title(
            f"{level * 100:g} % translation\n{frozen} of {change.size} positions unchanged",
            fontsize="medium",
        )
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=axes[0, -1], label="relative change of the block")
    scale = scale_label(runs_of(frame[frame["dataset"] == ds], "translation"))
    fig.suptitle(f"{NAMES[ds]} FCN, first layer: how far each position's kernels moved (fold 0)\n"
                 f"{scale}", fontsize="medium")  # fmt: skip
    plt.close(fig)
    return fig


for ds in DATASETS:
    fig = change_figure(ds)
    if fig is not None:
        display(fig)

# %% [markdown]
# The widget below shows any stored run, any filter, before or after training. It needs a live
# kernel (JupyterLab, Binder or Colab); on the static page it shows its first setting. The static
# figure above shows the same mosaics for 0 % and the highest stored level.


# %% tags=["hide-input"]
def kernel_widget():
    available = {ds: stored_levels(ds) for ds in DATASETS}
    available = {ds: lv for ds, lv in available.items() if lv}
    if not available:
        print("No stored kernels yet: the widget needs at least one finished fold-0 FCN run.")
        return None
    first = next(iter(available))
    dataset_w = widgets.Dropdown(
        options=[(NAMES[ds], ds) for ds in available], value=first, description="dataset"
    )
    level_w = widgets.Dropdown(
        options=[(f"{v * 100:g} %", v) for v in available[first]], description="translation"
    )
    filter_w = widgets.IntSlider(
        value=min(filter_index, N_FILTERS[first] - 1), min=0, max=N_FILTERS[first] - 1,
        description="filter",
    )  # fmt: skip
    when_w = widgets.ToggleButtons(options=["before", "after"], value="after")

    def on_dataset(change):
        ds = change["new"]
        level_w.options = [(f"{v * 100:g} %", v) for v in available[ds]]
        filter_w.max = N_FILTERS[ds] - 1

    dataset_w.observe(on_dataset, names="value")

    def draw(dataset, level, f, when):
        if level is None or level not in available[dataset] or f >= N_FILTERS[dataset]:
            return
        fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
        k = kernels(dataset, level)[when]
        draw_mosaic(ax, k, f)
        d_euc, d_cos = filter_distances(k, f)
        ax.set_title(
            f"{NAMES[dataset]}, {level * 100:g} % translation, filter {f}, {when} training\n"
            f"D₁ = {d_euc:.3f}, cosine D₁ = {d_cos:.3f}",
            fontsize="medium",
        )
        plt.close(fig)
        display(fig)

    return widgets.interactive(draw, dataset=dataset_w, level=level_w, f=filter_w, when=when_w)


kernel_widget()

# %% [markdown]
# ## What we conclude
#
# - The measure is simple, but its details matter. It uses one block of all filters per position,
#   one global normalisation, and a ring at exactly distance $r$. For random weights it gives
#   $\sqrt{2/P}$, so a curve has to be read against that starting value, not against zero.
# - The paper's claim is about where the curves are after hundreds of epochs: 0 % above its start
#   and translated runs clearly below. Our reduced runs test the early part of that claim only. The
#   tables above say whether translation already separates from 0 %, rotation and noise at our
#   scale.
# - Even in the paper, the emerging sharing is *approximate*. A distance of 0.065–0.072 is about
#   two thirds of the random baseline, far from the zero of a convolution. The free convolution has
#   room to learn sharing, but training does not force it.
#
# ## Exercises

# %% [markdown]
# ```{exercise}
# :label: ex-06-pairs
# How many (centre, neighbour) pairs does the measure average over at radius 2 on MNIST's
# $13 \times 13$ grid? And on CIFAR-10's $14 \times 14$ grid? Work it out by hand, then check
# with `lithm.metrics.pair_count`.
# ```
#
# ```{solution} ex-06-pairs
# :class: dropdown
# The centres are the positions whose ring fits: $(13 - 2\cdot 2)^2 = 81$ of them on MNIST, each
# with $8 \cdot 2 = 16$ ring neighbours, so $81 \times 16 = 1296$ pairs. On CIFAR-10:
# $(14-4)^2 \times 16 = 1600$. Each unordered pair is counted twice, once from each end.
# ```

# %%
print("expected:", pair_count(13, 13, 2), "(MNIST)", pair_count(14, 14, 2), "(CIFAR-10)")

# %% [markdown]
# ```{exercise}
# :label: ex-06-normalise
# Why divide the whole layer by *one* Frobenius norm before measuring? Consider two alternatives:
# (a) no normalisation, and (b) dividing each position's block by its own norm. What would each of
# them measure on a network whose weights simply grow during training? Use the cell below: it
# scales a layer by 5.
# ```
#
# ```{solution} ex-06-normalise
# :class: dropdown
# (a) Without normalisation every distance scales with the weights. Weights that grow uniformly
# would look as if they "drift apart", though their pattern has not changed. The global norm
# removes that: scaling the layer by 5 leaves the measure unchanged. (b) Normalising each block
# separately removes the differences in *size* between positions as well. Only directions are then
# compared. That is the cosine variant, a different question. The global norm keeps the relative
# sizes of the blocks, which is part of what weight sharing would make equal.
# ```

# %%
torch.manual_seed(1)
k = build_model("mnist", "fcn").first_layer.kernels().detach()


def raw(t):
    """Mean unnormalised distance between vertical neighbours of a kernel grid."""
    return (t[1:] - t[:-1]).flatten(2).norm(dim=-1).mean().item()


print("expected: measure ratio 1.0, unnormalised ratio 5.0")
print(
    f"measure(5k) / measure(k) = {filter_distance(5 * k, 1) / filter_distance(k, 1):.6f}; "
    f"unnormalised vertical-neighbour distance ratio = {raw(5 * k) / raw(k):.6f}"
)

# %% [markdown]
# ```{exercise}
# :label: ex-06-tied
# Build a free convolution whose kernels are all copies of one convolution kernel
# (`FreeConv2d.from_conv`). What distance, Euclidean and cosine, does the measure give at both
# radii? Then add independent noise of standard deviation 0.01 to every weight: which radius moves
# more, and why do both move the same amount?
# ```
#
# ```{solution} ex-06-tied
# :class: dropdown
# A tied layer has the same block at every position, so every difference is zero and $D_r = 0$
# for both metrics and both radii. A convolution is the limit the measure points to. With
# independent noise, the difference between two positions is the difference of two independent
# noise draws. Its size does not depend on how far apart the positions are, so both radii move by
# the same amount (up to sampling). A radius-dependent distance needs *spatially smooth*
# differences between kernels.
# ```

# %%
conv = nn.Conv2d(1, 32, 3, stride=2)
tied = FreeConv2d.from_conv(conv, 28)
print(
    "expected: 0.0 0.0 0.0 0.0 ->",
    *(filter_distance(tied, r, m) for r in (1, 4) for m in ("euclidean", "cosine")),
)
with torch.no_grad():
    tied.weight.add_(
        0.01 * torch.randn(tied.weight.shape, generator=torch.Generator().manual_seed(0))
    )
print(f"with noise: D1 = {filter_distance(tied, 1):.4f}, D4 = {filter_distance(tied, 4):.4f}")

# %% [markdown]
# ```{exercise}
# :label: ex-06-baseline
# Use the argument of "What random kernels give" to predict the Euclidean distance of a freshly
# initialised CIFAR-10 FCN's first layer, and its cosine distance. Does the prediction depend on the
# initialisation scale (`init="keras"` or `init="conv"`, FACTS §4.4)? Check with the cell below.
# ```
#
# ```{solution} ex-06-baseline
# :class: dropdown
# The CIFAR-10 grid has $P = 14 \times 14 = 196$ positions, so $D_r \approx \sqrt{2/196} \approx
# 0.101$ at both radii. The cosine distance is about 1, because independent random blocks of
# $75 \times 64 = 4800$ numbers are nearly orthogonal. Neither depends on the scale of the
# initial weights: the global normalisation removes it. Both initialisations give the same
# numbers, up to sampling.
# ```

# %%
print(f"expected: about {math.sqrt(2 / 196):.4f} (Euclidean) and about 1 (cosine)")
for init in ("keras", "conv"):
    torch.manual_seed(2)
    layer = build_model("cifar10", "fcn", init=init).first_layer
    print(
        f"init={init!r}: D1 = {filter_distance(layer, 1):.4f}, D4 = {filter_distance(layer, 4):.4f}, "
        f"cosine D1 = {filter_distance(layer, 1, metric='cosine'):.4f}"
    )

# %% [markdown]
# ## Re-run at full scale
#
# The figures above come from the profile named in the scale line. To see the whole curves of
# Fig. 5, B.6 and B.7, run the chapter at the paper's protocol (FACTS §2–§3: 5 folds of all
# images, up to 250 / 500 epochs). It trains what is missing and then draws the same figures:
#
# ```bash
# papermill notebooks/06_weight_sharing_emerges.ipynb out.ipynb -p profile paper -p device cuda
# ```
#
# or train the grids first with the command-line tool:
#
# ```bash
# lithm run translation --profile paper --dataset all --device cuda
# lithm run rotation --profile paper --dataset all --device cuda
# lithm run noise --profile paper --dataset all --device cuda
# ```
#
# The cell below counts the runs. Each one is up to 250 (MNIST) or 500 (CIFAR-10) epochs of the full
# data, so expect many GPU-days in total. The CIFAR-10 FCN is the costliest model.

# %%
pd.DataFrame(
    [
        {"experiment": e, **{NAMES[ds]: len(expand(e, "paper", ds)) for ds in ("mnist", "cifar10")}}
        for e in ("translation", "rotation", "noise")
    ]
).set_index("experiment")
