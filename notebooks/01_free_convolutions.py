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
# # 1. Weight sharing and free convolutions
#
# A convolutional layer applies **one** small kernel at every position of its input: all
# positions *share* the kernel's weights. The brain cannot do this. Keeping thousands of synapses
# identical across a sheet of neurons is implausible, and so is keeping them identical while they
# learn. Ott, Linstead, LaHaye and Baldi {cite}`ott2020share` therefore ask what is lost when a
# network is **not** allowed to share weights. To answer, they replace every convolution with a
# *free convolution*: the same receptive fields, but an independent kernel at every position.
#
# This chapter builds that layer and looks at it from five angles:
#
# 1. what weight sharing is, and what a free convolution (a *locally connected layer*) is;
# 2. the kernels of a small free convolution, beside the single kernel of a convolution
#    (the paper's Fig. 1);
# 3. how many parameters and how much memory the paper's four networks need;
# 4. a live check that a free convolution with all its kernels set equal *is* a convolution;
# 5. a detail of the authors' initialisation that a PyTorch port has to decide on ([protocol §4.4](protocol-init)).
#
# Every number comes from layers built in the cells below; only the last exercise trains two
# small networks, to test what the initialisation does.
#
# ```{admonition} Learning objectives
# :class: tip
# After this chapter you can
# - define weight sharing and a free convolution (a locally connected layer), and write the
#   output of each;
# - count the parameters of a free convolution and of the paper's networks, and say where they
#   sit;
# - show that a free convolution with tied kernels computes a convolution;
# - explain why the authors' FCNs start with smaller weights than their CNNs, and measure by
#   training whether that matters.
# ```
#
# Sections marked *(optional)* can be skipped in a seminar; the others are the core.

# %% tags=["parameters"]
profile = "book"  # results profile: "smoke", "book" or "paper" (no stored results are used)
datasets = ["mnist", "cifar10"]  # networks to show: "mnist", "cifar10" (alias "cifar")
device = "auto"  # where the live checks run: "auto" (CUDA if present), "cpu", "cuda", "cuda:1"
train_missing = None  # unused here (nothing is trained); checked as in every chapter
seed = 0  # seed of the random layers and inputs: any non-negative integer
class_scale = None  # train-it-yourself scale: "class" (< 3 min), "build", None: $LITHM_CLASS_SCALE

# %% tags=["hide-input"]
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display
from myst_nb import glue
from torch import nn

from lithm.chapter import check_parameters
from lithm.classroom import plot_in_class, train_in_class
from lithm.config import DISPLAY_NAMES
from lithm.layers import FreeConv2d
from lithm.models import ARCHITECTURES, build_model, count_parameters
from lithm.paper import LAYER_PARAMETER_COUNTS, PARAMETER_COUNTS
from lithm.selfcheck import confirm
from lithm.train import pick_device
from lithm.widgets import explorer as figure_explorer

params = check_parameters(
    profile=profile,
    datasets=datasets,
    device=device,
    train_missing=train_missing,
    seed=seed,
    class_scale=class_scale,
)
DATASETS = params["datasets"]
DEVICE = pick_device(params["device"])
NAMES = DISPLAY_NAMES  # how the book writes datasets and models
MiB = 2**20
plt.rcParams["figure.dpi"] = 96
print(f"datasets: {', '.join(NAMES[d] for d in DATASETS)}; live checks on {DEVICE}; seed {seed}")

# %% [markdown]
# ## Weight sharing
#
# Take a layer with $C$ input channels, $F$ filters, a $k\times k$ kernel and stride $s$. A
# **convolution** computes output $f$ at position $(i, j)$ as
#
# $$
# y_{f,i,j} = b_f + \sum_{c=1}^{C}\sum_{u,v=0}^{k-1} W_{f,c,u,v}\; x_{c,\,s i+u,\,s j+v}.
# $$
#
# The kernel $W$ and the bias $b$ have no index $(i, j)$: every position uses the same weights.
# That is **weight sharing**. The paper names two reasons for it (§2). It cuts the number of
# parameters, and it processes every place of the image in the same way, which is a basis for
# translation invariance. The paper also stresses that sharing is not the only reason a
# convolution has few parameters:
#
# > "in convolutional architectures the local connectivity of neurons contributes at least as much
# > to parameter reduction as weight-sharing" ({cite}`ott2020share`, §2)
#
# A **free convolution** keeps the locality and drops the sharing. It has the same receptive
# fields, but each position has its own kernel and its own bias:
#
# $$
# y_{f,i,j} = b_{f,i,j} + \sum_{c=1}^{C}\sum_{u,v=0}^{k-1} W^{(i,j)}_{f,c,u,v}\;
# x_{c,\,s i+u,\,s j+v}.
# $$
#
# > "In FCNs, the weights of a filter at a specific location are not tied to the weights of the
# > same filter at a different location" ({cite}`ott2020share`, §3)
#
# The usual name for this layer is a *locally connected layer*. The authors built it with Keras'
# `LocallyConnected2D` ([protocol §4.2](protocol-free-convolution)). PyTorch has no such layer, so `lithm.layers.FreeConv2d`
# implements it. It copies the input patches into a stack of shape (positions, batch, patch), then
# computes one batched matrix product with the per-position weights. A network made of free
# convolutions is a *free convolutional network*, or FCN. (In this book FCN never means "fully
# convolutional network".)

# %% [markdown]
# ## A free convolution, kernel by kernel
#
# The paper's Fig. 1 draws a free convolution on a 9×9 input with 3×3 kernels. Below we build
# one with one input channel and four filters, next to a convolution of the same shape. With
# stride 1 there are 7×7 = 49 output positions. The convolution has 4 kernels of 3×3 weights. The
# free convolution has 49 × 4 of them. `FreeConv2d.kernels()` shows them as a grid indexed by
# output position: `kernels()[i, j]` is the `(F, C, kh, kw)` kernel at position `(i, j)`, laid out
# like `nn.Conv2d.weight`. For this picture both layers draw their weights from the same
# distribution (`init="conv"`, explained [below](ch01-init)), so that they
# look alike in scale.

# %%
torch.manual_seed(seed)
small_conv = nn.Conv2d(1, 4, kernel_size=3)
nn.init.xavier_uniform_(small_conv.weight)  # Glorot, as Keras (and lithm's CNN) initialise
small_free = FreeConv2d(1, 4, kernel_size=3, input_size=9, init="conv")  # the same limit
print(small_free)
print("weight (P, K, F):", tuple(small_free.weight.shape))
print("kernels() (out_h, out_w, F, C, kh, kw):", tuple(small_free.kernels().shape))
print("conv weight (F, C, kh, kw):", tuple(small_conv.weight.shape))


# %% tags=["hide-input"]
def mosaic(grid: torch.Tensor) -> np.ndarray:
    """Tile an (oh, ow, kh, kw) grid of kernels into one image, with a blank line between them."""
    oh, ow, kh, kw = grid.shape
    out = np.full((oh * (kh + 1) - 1, ow * (kw + 1) - 1), np.nan)
    for i in range(oh):
        for j in range(ow):
            out[i * (kh + 1) : i * (kh + 1) + kh, j * (kw + 1) : j * (kw + 1) + kw] = grid[i, j]
    return out


CMAP = plt.get_cmap("RdBu_r").copy()
CMAP.set_bad("white")

kern = small_free.kernels().detach().cpu()  # (7, 7, 4, 1, 3, 3)
limit = small_free.init_limit  # both layers draw from U(-limit, limit)
fig, axes = plt.subplots(
    2, 4, figsize=(11, 6.2), gridspec_kw={"height_ratios": [1, 3.2]}, layout="constrained"
)
for f in range(4):
    ax = axes[0, f]
    ax.imshow(small_conv.weight[f, 0].detach().cpu(), cmap=CMAP, vmin=-limit, vmax=limit)
    ax.set_title(f"convolution, filter {f}:\none kernel for all 49 positions", fontsize=9)
    ax = axes[1, f]
    image = ax.imshow(mosaic(kern[:, :, f, 0]), cmap=CMAP, vmin=-limit, vmax=limit)
    ax.set_title(f"free convolution, filter {f}:\n7×7 positions, one 3×3 kernel each", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(image, ax=axes, shrink=0.6, label="weight")
fig.suptitle("Kernels of a 3×3 convolution and a 3×3 free convolution on a 9×9 input (as Fig. 1)")
plt.show()

# %% [markdown]
# Each small square in the lower row is the kernel that position `(i, j)` applies to input rows
# `i…i+2` and columns `j…j+2`. Freshly initialised, the free convolution's 49 kernels for one
# filter are 49 independent random draws. Nothing in the architecture pulls them towards each
# other. Whether training makes them similar is the question of
# [chapter 6](06_weight_sharing_emerges.ipynb).

# %% [markdown]
# ## Parameters and memory of the paper's networks
#
# The paper's networks (Table A.2, [protocol §4.1](protocol-architectures)) have three feature layers with 'valid' padding and
# ReLU, then a dense layer of 1,024 units and a 10-way output. The CNN and the FCN differ only in
# their feature layers. A convolution has $F(k^2C) + F$ parameters. A free convolution with $P$
# output positions has $P$ times as many weights, and with Keras' *untied* bias (one per position
# and filter) $P$ times as many biases:
#
# $$
# \underbrace{P\,k^2 C F}_{\text{weights}} + \underbrace{P F}_{\text{biases}}.
# $$
#
# The table counts every layer of the networks that `lithm.models.build_model` builds, beside the
# counts in `lithm.paper` ([protocol §4.3](protocol-parameters)). The check column must be ✓ everywhere.


# %%
def layer_rows(dataset: str, kind: str) -> list[dict]:
    """One row per layer of the paper's network: name, output shape, our count, the paper's."""
    model = build_model(dataset, kind)
    arch = ARCHITECTURES[dataset]
    shapes = arch.feature_shapes() + [(arch.dense,), (arch.classes,)]
    layers = list(model.features) + [model.head[1], model.head[3]]
    names = [f"{kind.upper()} {i + 1}: {s.kernel}×{s.kernel}, {s.filters}, stride {s.stride}"
             for i, s in enumerate(arch.layers)] + [f"dense {arch.dense}", f"output {arch.classes}"]  # fmt: skip
    rows = []
    for name, layer, shape, paper in zip(
        names, layers, shapes, LAYER_PARAMETER_COUNTS[dataset][kind], strict=True
    ):
        ours = count_parameters(layer)
        rows.append({"dataset": NAMES[dataset], "model": kind.upper(), "layer": name,
                     "output shape": "×".join(map(str, shape)), "parameters": ours,
                     "paper (protocol §4.3)": paper, "check": "✓" if ours == paper else "✗"})  # fmt: skip
    total = count_parameters(model)
    paper_total = PARAMETER_COUNTS[dataset][kind]
    rows.append({"dataset": NAMES[dataset], "model": kind.upper(), "layer": "total",
                 "output shape": "", "parameters": total, "paper (protocol §4.3)": paper_total,
                 "check": "✓" if total == paper_total else "✗"})  # fmt: skip
    return rows


counts = pd.DataFrame([r for d in DATASETS for k in ("cnn", "fcn") for r in layer_rows(d, k)])
assert (counts["check"] == "✓").all(), "a parameter count differs from the paper's"
counts.style.format({"parameters": "{:,}", "paper (protocol §4.3)": "{:,}"}).hide(axis="index")

# %% tags=["remove-cell"]
# Numbers quoted in the prose (the paper's totals, the FCN/CNN ratios, computed from the models).
for _ds in ("mnist", "cifar10"):
    for _kind in ("cnn", "fcn"):
        glue(f"{_ds}_{_kind}_params", count_parameters(build_model(_ds, _kind)), display=False)
    glue(f"{_ds}_ratio", PARAMETER_COUNTS[_ds]["fcn"] / PARAMETER_COUNTS[_ds]["cnn"], display=False)

# %% [markdown]
# The FCN has {glue:text}`mnist_fcn_params:,` parameters on MNIST against
# {glue:text}`mnist_cnn_params:,` for the CNN ({glue:text}`mnist_ratio:.1f`×). On CIFAR-10 it has
# {glue:text}`cifar10_fcn_params:,` against {glue:text}`cifar10_cnn_params:,`
# ({glue:text}`cifar10_ratio:.1f`×). The dense head is the same in both networks, and on MNIST it
# holds about half of the FCN's parameters. In the feature layers alone the gap is much wider:
# compare the rows of the table. The CIFAR FCN's second layer alone has more parameters than the
# whole CNN.
#
# **Memory (optional).** Memory is a second cost. In float32 every parameter takes 4 bytes. Training with Adam stores
# the weights, their gradients and two moment estimates, so four copies. The layer outputs of one
# batch (at the paper's batch size) must also be kept for the backward pass. A free convolution
# additionally copies every input patch once into its `(P, B, K)` stack. The table below computes
# all of these from the architectures. It is a lower bound: the framework's own workspace is not
# counted.


# %%
def memory_row(dataset: str, kind: str) -> dict:
    arch = ARCHITECTURES[dataset]
    model = build_model(dataset, kind)
    n = count_parameters(model)
    batch = arch.batch_size
    outputs = sum(math.prod(s) for s in arch.feature_shapes()) + arch.dense + arch.classes
    patches = 0
    if kind == "fcn":
        for layer in model.features:  # the (P, B, K) patch stack of each free convolution
            patches += layer.weight.shape[0] * batch * layer.weight.shape[1]
    return {"dataset": NAMES[dataset], "model": kind.upper(), "batch": batch, "parameters": n,
            "weights (MiB)": 4 * n / MiB, "weights + grads + Adam (MiB)": 16 * n / MiB,
            "layer outputs per batch (MiB)": 4 * outputs * batch / MiB,
            "patch copies per batch (MiB)": 4 * patches / MiB}  # fmt: skip


memory = pd.DataFrame([memory_row(d, k) for d in DATASETS for k in ("cnn", "fcn")])
memory.style.format(precision=1, thousands=",").hide(axis="index")

# %% [markdown]
# None of this is large for a GPU. Compute is a different matter. A convolution runs as one
# highly optimised kernel. A free convolution multiplies a different weight matrix at every
# position, so the work is a batch of many small matrix products. The paper is candid about it:
#
# > "FCNs have far more parameters than the corresponding CNN and are slower to train on a digital
# > machine. However, this is not a concern here" ({cite}`ott2020share`, §3)

# %% [markdown]
# ## A free convolution with tied kernels is a convolution
#
# If every position of a free convolution holds the same kernel, the layer computes exactly a
# convolution. `FreeConv2d.from_conv(conv, input_size)` builds such a *tied* free convolution from
# an `nn.Conv2d`. `to_conv()` goes the other way: it averages the kernels (and biases) over the
# positions. For a tied layer that returns the original convolution exactly. For an untied layer
# it gives the nearest shared kernel, in the least-squares sense.
#
# The check below runs the six feature layers of the paper's networks on random inputs. It
# compares the tied free convolution with `nn.Conv2d` and shows the largest absolute difference.
# Only float rounding should remain, about 1e-6 or less.


# %%
def tied_check(dataset: str, index: int, generator: torch.Generator) -> dict:
    arch = ARCHITECTURES[dataset]
    channels, height, width = arch.input_shape
    for spec in arch.layers[:index]:  # the input shape of feature layer `index`
        channels = spec.filters
        height, width = (
            (height - spec.kernel) // spec.stride + 1,
            (width - spec.kernel) // spec.stride + 1,
        )
    spec = arch.layers[index]
    conv = nn.Conv2d(channels, spec.filters, spec.kernel, spec.stride).to(DEVICE)
    free = FreeConv2d.from_conv(conv, (height, width))
    x = torch.rand(8, channels, height, width, generator=generator).to(DEVICE)  # (B, C, H, W)
    with torch.no_grad():
        out_diff = (free(x) - conv(x)).abs().max().item()
        back = free.to_conv()
        weight_diff = (back.weight - conv.weight).abs().max().item()
        bias_diff = (back.bias - conv.bias).abs().max().item()
    return {"dataset": NAMES[dataset], "layer": index + 1, "input": f"{channels}×{height}×{width}",
            "positions P": free.weight.shape[0], "max |free(x) − conv(x)|": out_diff,
            "max |to_conv() weight − conv weight|": weight_diff,
            "max |to_conv() bias − conv bias|": bias_diff}  # fmt: skip


torch.manual_seed(seed)
gen = torch.Generator().manual_seed(seed)
tied = pd.DataFrame([tied_check(d, i, gen) for d in DATASETS for i in range(3)])
tied.style.format({c: "{:.1e}" for c in tied.columns if c.startswith("max")}).hide(axis="index")

# %% [markdown]
# Averaging an *untied* layer is a different story. A freshly initialised free convolution has
# $P$ independent random kernels. Their average is much smaller than any one of them: about
# $1/\sqrt{P}$ of its size, because independent zero-mean draws cancel. The table compares the
# norm of the averaged kernel with the typical norm of one position's kernel, for the first layer
# of each network. Keep this in mind for [chapter 6](06_weight_sharing_emerges.ipynb). If training
# makes the kernels similar, the averaged kernel stops shrinking.

# %%
rows = []
for ds in DATASETS:
    torch.manual_seed(seed)
    first = build_model(ds, "fcn").first_layer
    k = first.kernels().detach()  # (oh, ow, F, C, kh, kw)
    one = k.flatten(2).norm(dim=2).mean().item()  # typical norm of one position's kernel
    averaged = first.to_conv().weight.detach().norm().item()
    P = k.shape[0] * k.shape[1]
    rows.append({"dataset": NAMES[ds], "positions P": P, "mean norm of one kernel": one,
                 "norm of the averaged kernel": averaged, "ratio": averaged / one,
                 "1/√P": 1 / math.sqrt(P)})  # fmt: skip
pd.DataFrame(rows).style.format(precision=4).hide(axis="index")

# %% [markdown]
# (ch01-init)=
# ## Initialisation: a Keras subtlety
#
# The paper says its weights were "initialized using the Xavier Uniform Initialization" (App.
# A.3). That is Keras' default `glorot_uniform`: weights are drawn from $U(-\ell, \ell)$ with
# $\ell = \sqrt{6 / (\text{fan}_\text{in} + \text{fan}_\text{out})}$ {cite}`glorot2010understanding`.
# The fans are where it gets subtle ([protocol §4.4](protocol-init)). Keras treats every kernel with three or more
# dimensions as a convolution kernel, and it multiplies both fans by the product of all
# dimensions but the last two. A convolution kernel $(k, k, C, F)$ gets
# $\text{fan}_\text{in} = k^2 C$ and $\text{fan}_\text{out} = k^2 F$, as expected. The
# `LocallyConnected2D` kernel has shape $(P, K, F)$ with $K = k^2C$, so it gets
# $\text{fan}_\text{in} = PK$ and $\text{fan}_\text{out} = PF$. The number of positions enters
# the fans, even though each output unit sees only $K$ inputs. The limit of a free convolution is
# therefore
#
# $$
# \ell_\text{LC} = \sqrt{\frac{6}{(K+F)\,P}}
# \qquad\text{against}\qquad \ell_\text{conv} = \sqrt{\frac{6}{k^2C + k^2F}}
# $$
#
# for the matching convolution. Two things differ: both fans carry the factor $P$, and the fan-out
# counts $F$ where the convolution counts $k^2F$.
#
# `FreeConv2d` offers both, as `init=`:
#
# - `"keras"` (the default): the authors' limit $\ell_\text{LC}$, so that our FCNs start where
#   theirs did;
# - `"conv"`: the matching convolution's limit $\ell_\text{conv}$, so the FCN starts at the CNN's
#   scale. This is a deliberate departure from the authors, for experiments.
#
# Both limits come from `FreeConv2d.init_limit` for the six layers. The largest weight actually
# drawn in each layer (Keras init) must lie just below $\ell_\text{LC}$.

# %%
rows = []
for ds in DATASETS:
    torch.manual_seed(seed)
    fcn = build_model(ds, "fcn", init="keras")
    torch.manual_seed(seed)
    fcn_conv = build_model(ds, "fcn", init="conv")
    torch.manual_seed(seed)
    cnn = build_model(ds, "cnn")
    for i, (lc, lc2, conv) in enumerate(
        zip(fcn.features, fcn_conv.features, cnn.features, strict=True)
    ):
        P, K, F_ = lc.weight.shape
        rows.append({"dataset": NAMES[ds], "layer": i + 1, "P": P, "K = k²C": K, "F": F_,
                     "conv limit (init='conv')": lc2.init_limit,
                     "LC limit (init='keras')": lc.init_limit,
                     "conv / LC": lc2.init_limit / lc.init_limit,
                     "max |w| drawn, FCN": lc.weight.abs().max().item(),
                     "max |w| drawn, CNN": conv.weight.abs().max().item()})  # fmt: skip
limits = pd.DataFrame(rows)
glue("init_ratio_lo", float(limits["conv / LC"].min()), display=False)
glue("init_ratio_hi", float(limits["conv / LC"].max()), display=False)
limits.style.format(precision=4).format({"conv / LC": "{:.1f}"}).hide(axis="index")

# %% [markdown]
# Every layer of the FCN starts with smaller weights than the CNN's, by the factor in the
# "conv / LC" column; the first layers, with the most positions, the most. Does it matter? A
# first consequence can be measured without training. The next cell passes a batch of random
# images through freshly built networks and prints the standard deviation of each layer's
# output. It compares the CNN, the FCN as the authors initialised it (`init="keras"`), and the FCN
# with convolution fans (`init="conv"`).

# %%
rows = []
for ds in DATASETS:
    arch = ARCHITECTURES[ds]
    x = torch.rand(32, *arch.input_shape, generator=torch.Generator().manual_seed(seed))
    for label, kind, init in (("CNN", "cnn", "keras"), ("FCN, init='keras'", "fcn", "keras"),
                              ("FCN, init='conv'", "fcn", "conv")):  # fmt: skip
        torch.manual_seed(seed)
        model = build_model(ds, kind, init=init).to(DEVICE)
        h = x.to(DEVICE)
        row = {"dataset": NAMES[ds], "network": label}
        with torch.no_grad():
            for i, layer in enumerate(model.features):
                h = torch.relu(layer(h))  # (B, C, H, W) -> (B, F, H', W')
                row[f"layer {i + 1} output std"] = h.std().item()
            row["logits std"] = model.head(h).std().item()
        rows.append(row)
pd.DataFrame(rows).style.format(precision=4).hide(axis="index")

# %% [markdown]
# With the authors' initialisation the FCN's logits start much closer to zero than the CNN's, so
# the first gradient steps act on a network whose output is nearly constant. Adam rescales the
# steps per parameter, so the small start slows training less than it would with plain SGD. It is
# still part of the FCN as the authors trained it. `lithm` keeps `init="keras"` as the default for
# every run, so that the FCN is the authors' FCN. `init="conv"` (in `build_model` and
# `RunConfig`) tests whether the small start matters: the last exercise trains both FCNs side
# by side.

# %% [markdown]
# ## Explore: the kernels of a freshly initialised FCN (optional)
#
# Choose a dataset, a feature layer, an output position and an input channel. The widget shows
# the FCN's kernels at that position (the first eight filters) above the CNN's shared kernels for
# the same layer. Both are freshly initialised with the chapter's `seed`, and both use the same
# colour scale, ±(the convolution's Glorot limit). The FCN's kernels look faint: that is the
# Keras limit above. Positions and channels past the layer's size are clipped to the last one.
# The widget needs a running kernel. On the static page, use the figure after it, which shows the
# same content at fixed settings.

# %% tags=["hide-input"]
N_SHOWN = 8  # filters shown per position
_fresh: dict[str, tuple] = {}


def fresh_models(dataset: str):
    """The chapter's freshly initialised (CNN, FCN) of ``dataset``, built once."""
    if dataset not in _fresh:
        torch.manual_seed(seed)
        cnn = build_model(dataset, "cnn")
        torch.manual_seed(seed)
        _fresh[dataset] = (cnn, build_model(dataset, "fcn"))
    return _fresh[dataset]


def draw_position(axes_fcn, axes_cnn, dataset, layer, row, col, channel, titles=True):
    """Draw the FCN kernels at (row, col) and the CNN kernels of ``layer`` (1-based)."""
    cnn, fcn = fresh_models(dataset)
    free, conv = fcn.features[layer - 1], cnn.features[layer - 1]
    oh, ow = free.output_size
    row, col, channel = min(row, oh - 1), min(col, ow - 1), min(channel, free.in_channels - 1)
    scale = math.sqrt(6 / (conv.weight[0].numel() + conv.weight[0, 0].numel() * conv.out_channels))
    kern = free.kernels()[row, col, :, channel].detach()  # (F, kh, kw)
    for f, (a, b) in enumerate(zip(axes_fcn, axes_cnn, strict=True)):
        a.imshow(kern[f], cmap=CMAP, vmin=-scale, vmax=scale)
        image = b.imshow(conv.weight[f, channel].detach(), cmap=CMAP, vmin=-scale, vmax=scale)
        if titles:
            a.set_title(f"filter {f}", fontsize=8)
        for ax in (a, b):
            ax.set_xticks([])
            ax.set_yticks([])
    axes_fcn[0].set_ylabel(f"FCN at\n({row}, {col})", fontsize=8)
    axes_cnn[0].set_ylabel("CNN (every\nposition)", fontsize=8)
    return image, (row, col, channel, oh, ow)


def kernel_figure(rows: int, height: float):
    """A figure with ``rows`` rows of N_SHOWN small panels and a colour bar on the right."""
    fig, axes = plt.subplots(rows, N_SHOWN, figsize=(9.5, height), squeeze=False)
    fig.subplots_adjust(left=0.1, right=0.86, wspace=0.08, hspace=0.3, top=0.86)
    return fig, axes, fig.add_axes((0.88, 0.15, 0.015, 0.65))


def show_kernels(dataset, layer, row, col, channel):
    fig, axes, bar = kernel_figure(2, 3)
    image, (r, c, ch, oh, ow) = draw_position(axes[0], axes[1], dataset, layer, row, col, channel)
    fig.colorbar(image, cax=bar, label="weight")
    fig.suptitle(f"{NAMES[dataset]} layer {layer} ({oh}×{ow} positions): input channel {ch}, "
                 f"position ({r}, {c})", fontsize=10)  # fmt: skip
    return fig


# why lithm.widgets.explorer and not widgets.interactive: it draws without capturing kernel
# output into the widget, which can stall an executing notebook (see lithm/widgets.py).
explorer = figure_explorer(
    show_kernels,
    dataset=widgets.Dropdown(options=[(NAMES[d], d) for d in DATASETS], description="dataset"),
    layer=widgets.IntSlider(value=1, min=1, max=3, description="layer"),
    row=widgets.IntSlider(value=0, min=0, max=13, description="row i"),
    col=widgets.IntSlider(value=0, min=0, max=13, description="column j"),
    channel=widgets.IntSlider(value=0, min=0, max=127, description="in channel"),
)
display(explorer)

# %% tags=["hide-input"]
# The static figure beside the widget: layer 1, input channel 0, four positions per dataset.
positions = {
    "mnist": [(0, 0), (0, 1), (6, 6), (12, 12)],
    "cifar10": [(0, 0), (0, 1), (7, 7), (13, 13)],
}
for ds in DATASETS:
    fig, axes, bar = kernel_figure(5, 6.2)
    for p, (r, c) in enumerate(positions[ds]):
        image, _ = draw_position(axes[p], axes[4], ds, 1, r, c, 0, titles=p == 0)
    fig.colorbar(image, cax=bar, label="weight (± the conv Glorot limit)")
    fig.suptitle(f"{NAMES[ds]}, freshly initialised layer 1, input channel 0: FCN kernels at four "
                 "positions,\nCNN kernels (shared by every position) in the bottom row", fontsize=10)  # fmt: skip
    plt.show()

# %% [markdown]
# Neighbouring positions such as (0, 0) and (0, 1) hold unrelated kernels. Weight sharing is
# absent at the start, and only the data can create it.

# %% [markdown]
# ## The question the next chapters answer
#
# Everything above is about what a free convolution *is*. Whether it learns as well as a
# convolution is what the rest of the book measures. Here are the paper's headline numbers
# (§5.3, networks trained without augmentation) against our stored runs. The sentences are
# computed from the results store when the page is built: while runs are missing, or where the
# accuracies are too close to chance to compare, they say "cannot tell". Chapter 5 discusses
# them.

# %%
from lithm.chapter import ensure_results  # noqa: E402
from lithm.sentences import say  # noqa: E402
from lithm.verdicts import verdict_sentences  # noqa: E402

# read-only: this chapter never trains the stored runs
stored = ensure_results("translation", profile, DATASETS, train_missing=False)
claim_ids = ("mnist-cnn-val-0", "mnist-fcn-val-0", "cifar-cnn-val-0", "cifar-fcn-val-0")
say(verdict_sentences(stored, claim_ids, DATASETS))

# %% [markdown]
# ## Exercises
#
# ```{exercise}
# :label: ex-01-count-by-hand
# Count by hand the parameters of the MNIST FCN's second layer: 3×3 kernels, 32 input channels,
# 64 filters, stride 2, on a 13×13 input, with an untied bias. Put your count in `answer`. How
# many would a convolution of the same shape have?
# ```
#
# ```{solution} ex-01-count-by-hand
# :class: dropdown
# The output grid is $(13 - 3)/2 + 1 = 6$ per side, so $P = 36$ positions. Each position has a
# kernel of $K \cdot F = (3\cdot 3\cdot 32)\cdot 64 = 18{,}432$ weights and $F = 64$ biases:
# $36 \cdot (18{,}432 + 64) = 665{,}856$. The convolution has $18{,}432 + 64 = 18{,}496$, which is
# 36 times fewer. Check: `count_parameters(FreeConv2d(32, 64, 3, 2, input_size=13))`.
# ```

# %%
answer = None  # your count for the free convolution
confirm(answer, count_parameters(FreeConv2d(32, 64, 3, 2, input_size=13)),
        hint="count the output positions first, then weights and biases per position")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-01-average-tied
# Build an `nn.Conv2d(3, 8, 5, stride=2)` and a tied free convolution from it on a 32×32 input.
# Then add 1 to every weight of the kernel at a single position of the free convolution and call
# `to_conv()`. By how much does the averaged kernel move away from the original? Predict it
# before you measure it, put the prediction in `answer`, and say why it is so little.
# ```
#
# ```{solution} ex-01-average-tied
# :class: dropdown
# Without the perturbation, `to_conv()` returns the original kernel to float rounding: every
# position holds the same kernel, and so does their mean. Adding $\delta = 1$ to one of the
# $P = 14 \cdot 14 = 196$ positions moves the mean by $\delta / P \approx 0.0051$. The averaged
# kernel barely changes, even though that position now computes something else. Averaging hides
# how far apart the kernels are, and this is why chapter 6 measures distances *between* kernels
# instead. To measure it: `free.kernels()[3, 4] += 1.0` inside `torch.no_grad()`, then
# `(free.to_conv().weight - conv.weight).abs().max()`.
# ```

# %%
answer = None  # your prediction: the largest change of an averaged weight
_free = FreeConv2d.from_conv(nn.Conv2d(3, 8, 5, stride=2), input_size=32)
confirm(answer, 1 / _free.weight.shape[0], tolerance=1e-4,
        hint="how many positions share in the average?")  # fmt: skip

# %% [markdown]
# ```{exercise}
# :label: ex-01-same-padding
# (Optional.) Keras' `LocallyConnected2D` supports only 'valid' padding. Suppose we padded the
# MNIST FCN's first layer (3×3, 32 filters, stride 2, 28×28 input) by one pixel on every side, as a
# 'same' convolution would. How many parameters does that layer have now (put it in `answer`)?
# What happens to the count of the corresponding convolution?
# ```
#
# ```{solution} ex-01-same-padding
# :class: dropdown
# The output grid grows from $(28-3)/2+1 = 13$ to $(28+2-3)/2+1 = 14$ per side, so
# $P = 196$ instead of 169. The count is $196\cdot(9\cdot 32 + 32) = 62{,}720$ instead of 54,080.
# A free convolution's count grows with every added position. A convolution's count does not
# depend on the input or output size: padding leaves it at 320. (In the full network the larger
# output also changes the next layers' sizes and the width of the dense layer.)
# ```

# %%
answer = None  # your count for the padded free convolution
confirm(answer, count_parameters(FreeConv2d(1, 32, 3, 2, padding=1, input_size=28)))

# %% [markdown]
# ```{exercise}
# :label: ex-01-init
# Does the FCN's small start matter? Train two FCNs side by side on MNIST at 50 % translation,
# one initialised as the authors did (`init="keras"`) and one with the matching convolution's
# fans (`init="conv"`), with `train_in_class` (the cell below; under 3 minutes at the class
# scale). Compare their clean validation accuracy after the first epoch and at the end. What does
# the answer mean for comparisons between CNNs and FCNs trained for few epochs?
# ```
#
# ```{solution} ex-01-init
# :class: dropdown
# The two FCNs see the same images in the same order with the same augmentation; only the scale
# of their initial weights differs (the "conv / LC" column above). The computed sentence under
# the figure says how far apart they are after the first epoch and at the end, beside the
# difference that one split of this size can produce by luck. If the conv-initialised FCN is
# clearly ahead early, the Keras start costs the FCN training steps, and in a short run part of
# any CNN–FCN gap is the FCN's smaller start rather than the missing weight sharing. Adam's
# per-weight step sizes shrink this cost, and with many epochs it should fade. If the two end
# within the yardstick, the start does not matter at this scale. The book profile's `init`
# experiment asks the same question at a larger scale.
# ```


# %%
def conv_init_fcn(dataset, name):
    """The paper's FCN with the matching convolution's Glorot fans, for "fcn, init='conv'"."""
    return build_model(dataset, "fcn", init="conv") if name == "fcn, init='conv'" else None


init_run = train_in_class("mnist", models=("fcn", "fcn, init='conv'"), augmentation="translation",
                          level=0.5, scale=class_scale, build=conv_init_fcn, seed=seed)  # fmt: skip
display(plot_in_class(init_run, title="FCN: Keras init (the authors') and conv init"))

# %% tags=["hide-input"]
# A computed sentence on the run above: the two FCNs after the first and the last epoch.
yard = init_run.noise_level()
h = init_run.history.pivot(index="epoch", columns="model", values="val_acc")
for epoch in (h.index.min(), h.index.max()):
    keras, conv = h.loc[epoch, "fcn"], h.loc[epoch, "fcn, init='conv'"]
    if max(keras, conv) < 0.2:
        how = "both still near chance"
    elif abs(conv - keras) <= yard:
        how = f"within {yard:.2f} of each other, the luck of one split"
    else:
        ahead = "ahead" if conv > keras else "behind"
        how = f"the conv-initialised FCN {abs(conv - keras):.2f} {ahead}"
    print(f"After epoch {epoch}: Keras init {keras:.3f}, conv init {conv:.3f}: {how}.")
print(f"({init_run.label})")

# %% [markdown]
# ## Key takeaways
#
# - A free convolution keeps a convolution's local receptive fields and drops its weight sharing:
#   every output position has its own kernel and bias. With all kernels equal it *is* a
#   convolution.
# - Without sharing the parameter count grows with the number of output positions: the paper's
#   FCNs have {glue:text}`mnist_ratio:.1f`× (MNIST) and {glue:text}`cifar10_ratio:.1f`×
#   (CIFAR-10) the CNN's parameters.
# - Averaging a free convolution's kernels hides how different they are; chapter 6 measures the
#   distances between neighbouring kernels instead.
# - Keras' Glorot fans for `LocallyConnected2D` count every position, so the authors' FCNs start
#   {glue:text}`init_ratio_lo:.1f`–{glue:text}`init_ratio_hi:.1f`× smaller per layer than the
#   CNN. `init="conv"` removes that difference, and the exercise above measures what it does to
#   the first epochs.

# %% [markdown]
# ## Re-run at full scale
#
# This chapter reads no stored results. Its numbers come from layers built on the spot, so they
# are the same at every profile, and the whole chapter runs in seconds (the initialisation
# exercise at the class scale takes a few minutes). To execute it with other
# parameters (for example on a GPU, or with another seed):
#
# ```bash
# papermill notebooks/01_free_convolutions.ipynb out.ipynb -p profile paper -p device cuda -p seed 1
# ```
#
# The networks built here are the ones every later chapter trains. The paper's full translation
# experiment, 11 levels × 2 models × 5 folds per dataset, is
#
# ```bash
# lithm run translation --profile paper --dataset all
# ```
#
# That takes many GPU-hours. The FCNs cost most, with up to 250 (MNIST) or 500 (CIFAR-10) epochs
# per fold. See {doc}`../book/reproducibility` for the whole grid.
