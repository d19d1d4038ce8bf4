"""Variable connection patterns read closely: what a mask removes, and where accuracy falls.

Paper §4.2 and Appendix C (Figs. C.1, C.2): FCNs trained with a fixed random share ``p`` of their
connections absent, in the paper's per-weight ("synapse") mode or the code's per-input ("input")
mode (:func:`lithm.layers.connection_mask`; protocol appendix, section on connections). Chapter 9
uses these functions:

- mask geometry: :func:`layer_geometry`, :func:`layer_mask`, :func:`reach`, :func:`coverage`,
  :func:`disconnected`, :func:`absent_per_position`, :func:`mask_stats` (counts against theory),
  :func:`signal_scale` (how much a mask shrinks each layer's output at initialisation);
- results: :func:`connection_summary` (final accuracy and drop per probability) and
  :func:`plot_connection_summary` (final accuracy against ``p``, beside the paper's statements).
  Where accuracy starts to fall is :func:`lithm.findings.connection_threshold`.

>>> mask, geometry = layer_mask("mnist", 0, "input", 0.5)
>>> tuple(mask.shape), geometry["kernel_size"]  # (P, K, F) of MNIST layer 1
((169, 9, 32), 3)
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as nnf

from lithm import tables
from lithm.analysis import fold_table, runs_of, scale_label
from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.config import canonical_dataset
from lithm.layers import connection_mask
from lithm.models import ARCHITECTURES
from lithm.paper import claim
from lithm.plots import titled

__all__ = [
    "MODES",
    "absent_per_position",
    "connection_summary",
    "coverage",
    "readable_summary",
    "disconnected",
    "layer_geometry",
    "layer_mask",
    "mask_stats",
    "plot_connection_summary",
    "reach",
    "signal_scale",
]

MODES = ("synapse", "input")
#: The mask modes as the book's tables name them.
MODE_NAMES = {"none": "none (unmasked FCN)", "synapse": "synapse (the paper's)",
              "input": "input (the code's)"}  # fmt: skip
_MODE_COLORS = {"synapse": "#009E73", "input": "#CC79A7"}
CHANCE = 0.1


# ------------------------------------------------------------------------------------------------
# Mask geometry
# ------------------------------------------------------------------------------------------------


def layer_geometry(dataset: str, index: int) -> dict:
    """The keyword arguments of ``connection_mask`` for feature layer ``index`` (0–2), Table A.2.

    >>> layer_geometry("mnist", 1)["input_size"]
    (13, 13)
    """
    arch = ARCHITECTURES[canonical_dataset(dataset)]
    channels, height, width = [arch.input_shape, *arch.feature_shapes()][index]
    spec = arch.layers[index]
    return {
        "in_channels": channels, "out_channels": spec.filters, "input_size": (height, width),
        "kernel_size": spec.kernel, "stride": spec.stride,
    }  # fmt: skip


def output_grid(geometry: dict) -> tuple[int, int]:
    """The (out_h, out_w) positions of a layer with this geometry ('valid' padding)."""
    k, s = geometry["kernel_size"], geometry["stride"]
    return tuple((n - k) // s + 1 for n in geometry["input_size"])


@functools.cache
def layer_mask(dataset: str, index: int, mode: str, prob: float, seed: int | None = None):
    """The (P, K, F) boolean mask (True = present) of one feature layer, and its geometry.

    ``seed=None`` is the seed ``build_model(..., mask_seed=0)`` gives this layer (its index), so
    the mask is that of a network built with mask seed 0. Cached: treat it as read-only.

    >>> mask, _ = layer_mask("mnist", 0, "synapse", 0.9)
    >>> round(1 - mask.float().mean().item(), 1)  # share of absent weights
    0.9
    """
    geometry = layer_geometry(dataset, index)
    seed = index if seed is None else seed
    return connection_mask(mode, prob, seed, **geometry), geometry


def absent_per_position(mask: torch.Tensor, geometry: dict) -> torch.Tensor:
    """Fraction of absent weights at each output position: (P, K, F) -> (oh, ow)."""
    return 1 - mask.float().mean(dim=(1, 2)).view(*output_grid(geometry))


def reach(mask: torch.Tensor, geometry: dict) -> torch.Tensor:
    """Number of present weights that read each input unit: (P, K, F) -> (C, H, W).

    >>> mask, geometry = layer_mask("mnist", 0, "synapse", 0.0)
    >>> int(reach(mask, geometry)[0, 2, 2])  # a pixel under 4 windows x 32 filters
    128
    """
    P = mask.shape[0]
    k, channels = geometry["kernel_size"], geometry["in_channels"]
    per_weight = mask.sum(dim=-1).float()  # (P, K, F) -> (P, K), summed over filters
    # (P, K) -> (P, kh, kw, C) -> (C, kh, kw, P) -> (1, C·kh·kw, P): F.fold's (c, y, x) order
    columns = per_weight.view(P, k, k, channels).permute(3, 1, 2, 0).reshape(1, -1, P)
    folded = nnf.fold(
        columns, output_size=geometry["input_size"], kernel_size=k, stride=geometry["stride"]
    )
    return folded[0]  # (1, C, H, W) -> (C, H, W)


def coverage(geometry: dict) -> torch.Tensor:
    """Number of weights that read each input unit without a mask (geometry only): (C, H, W)."""
    return _coverage(tuple(sorted(geometry.items())))


@functools.cache
def _coverage(items: tuple) -> torch.Tensor:
    geometry = dict(items)
    oh, ow = output_grid(geometry)
    k, channels = geometry["kernel_size"], geometry["in_channels"]
    full = torch.ones(oh * ow, k * k * channels, geometry["out_channels"], dtype=torch.bool)
    return reach(full, geometry)


def disconnected(mask: torch.Tensor, geometry: dict) -> torch.Tensor:
    """Per input location (H, W): the fraction of channels that no present weight reads.

    Input units that no kernel covers at all (a 'valid', strided layer) are NaN.
    """
    read = coverage(geometry) > 0  # (C, H, W)
    lost = (reach(mask, geometry) == 0) & read
    out = lost.float().sum(0) / read.float().sum(0).clamp(min=1)  # (C, H, W) -> (H, W)
    out[~read.any(0)] = float("nan")
    return out


def mask_stats(dataset: str, index: int, mode: str, prob: float, seed: int | None = None) -> dict:
    """What one drawn mask removes, beside probability theory (App. C; chapter 9's table).

    Absent weights (theory ``p`` in both modes), empty kernels (``p^K``), dead positions
    (``p^{KF}`` for synapse masks, ``p^K`` for input masks: all filters share the holes) and
    unread input units (``p`` for input masks, the mean of ``p^n`` over units read by ``n``
    weights for synapse masks).

    >>> s = mask_stats("mnist", 0, "input", 0.5)
    >>> s["dead positions (theory)"] == 0.5**9
    True
    """
    mask, geometry = layer_mask(dataset, index, mode, prob, seed)
    _, K, F = mask.shape
    per_kernel = mask.sum(dim=1)  # (P, K, F) -> (P, F) present weights per kernel
    cover = coverage(geometry)  # (C, H, W)
    read = cover > 0
    lost = (reach(mask, geometry) == 0) & read
    synapse = mode == "synapse"
    return {
        "layer": f"{_NAMES[canonical_dataset(dataset)]} layer {index + 1}", "K": K, "F": F,
        "p": prob, "mode": mode,
        "absent weights": float(1 - mask.float().mean()),
        "empty kernels": float((per_kernel == 0).float().mean()),
        "empty kernels (p^K)": prob**K,
        "dead positions": float((per_kernel.sum(dim=1) == 0).float().mean()),
        "dead positions (theory)": prob ** (K * F) if synapse else prob**K,
        "unread inputs": float(lost.sum() / read.sum()),
        "unread inputs (theory)": float((prob ** cover[read].double()).mean()) if synapse else prob,
    }  # fmt: skip


def signal_scale(net, images: torch.Tensor, mode: str | None, prob: float) -> list[float]:
    """RMS of each feature layer's output (before ReLU) of a freshly built FCN under a mask.

    The masks of ``build_model(..., connection_mode=mode, connection_prob=prob, mask_seed=0)``
    are multiplied into the weights for the pass, leaving ``net`` unchanged: identical to building
    that network with the same torch seed, without drawing its millions of weights again for every
    setting.

    >>> from lithm.models import build_model
    >>> net = build_model("mnist", "fcn")
    >>> x = torch.rand(4, 1, 28, 28)
    >>> full, half = signal_scale(net, x, None, 0.0), signal_scale(net, x, "synapse", 0.5)
    >>> half[0] < full[0]
    True
    """
    sizes, x = [], images
    with torch.no_grad():
        for i, layer in enumerate(net.features):
            weight = layer.weight  # (P, K, F)
            if mode is not None:  # absent weights zero, as in the masked layer
                weight = weight * layer_mask(net.dataset, i, mode, prob)[0]
            x = layer.forward_with(x, weight)  # (B, C, H, W) -> (B, F, H', W')
            sizes.append(float(x.pow(2).mean().sqrt()))
            x = torch.relu(x)
    return sizes


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------


def connection_summary(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Final accuracy per mask setting and its drop from the unmasked FCN (one table per dataset).

    Columns: dataset, connection_mode, connection_prob, n_folds, validation, translation (each
    fold's final epoch, median over folds) and "validation drop" (unmasked minus masked; NaN
    while the unmasked run is missing).

    >>> from lithm.analysis import demo_records, load_results
    >>> t = connection_summary(load_results(demo_records(connections=True)), "mnist")
    >>> t[["connection_mode", "validation drop"]].round(3).values.tolist()
    [['none', 0.0], ['synapse', 0.05], ['input', 0.05]]
    """
    t = fold_table(frame, "connections", dataset, epoch="final",
                   metrics=("validation", "translation"))  # fmt: skip
    keep = ["dataset", "connection_mode", "connection_prob", "n_folds", "validation",
            "translation"]  # fmt: skip
    out = t[keep].copy() if len(t) else pd.DataFrame(columns=keep + ["validation drop"])
    if len(t):
        base = t.loc[t["connection_mode"] == "none", "validation"]
        out["validation drop"] = float(base.iloc[0]) - out["validation"] if len(base) else np.nan
    out.attrs["caption"] = t.attrs.get("caption", "")
    return out


def readable_summary(summary: pd.DataFrame):
    """:func:`connection_summary` (one or more datasets) ready to read, as a pandas Styler:
    dataset and mask names as the book writes them, the share of absent connections to two
    decimals, accuracies to three.

    >>> from lithm.analysis import demo_records, load_results
    >>> t = connection_summary(load_results(demo_records(connections=True)), "mnist")
    >>> html = readable_summary(t).to_html()
    >>> ["MNIST" in html, "synapse (the paper's)" in html, ">mnist<" in html]
    [True, True, False]
    """
    shown = summary.assign(
        connection_mode=[MODE_NAMES.get(m, m) for m in summary["connection_mode"]]
    )
    labels = {"connection_mode": "mask", "connection_prob": "share absent (p)",
              "n_folds": "folds", "validation drop": "validation drop from unmasked"}  # fmt: skip
    return tables.readable(shown, labels, digits={"share absent (p)": 2}, whole=("folds",))


def plot_connection_summary(frame: pd.DataFrame, datasets, level: float, scale: str | None = None):
    """Final accuracy against the probability of absent connections, both modes (App. C).

    One row per dataset with stored runs, columns clean validation and translation accuracy:
    per mode the median over folds of each fold's final epoch (bars: fold range), starting from
    the unmasked FCN at p = 0. For MNIST's clean validation the paper's statements are drawn: the
    band "≤ 80 % nearly unaffected" and its readings at 90 % and 99 % (claims
    ``vcp-le-0.8-validation``, ``vcp-0.9-validation``, ``vcp-0.99-validation``). Returns None
    when nothing is stored.

    >>> from lithm.analysis import demo_records, load_results
    >>> fig = plot_connection_summary(load_results(demo_records(connections=True)), ["mnist"], 0.3)
    >>> len(fig.axes)
    2
    """
    tables = {}
    for ds in datasets:
        if len(frame) and canonical_dataset(ds) in set(frame["dataset"]):
            t = fold_table(frame, "connections", ds, epoch="final",
                           metrics=("validation", "translation"))  # fmt: skip
            # why masked runs only: the unmasked FCN alone draws no curve (it is each curve's p = 0)
            if len(t) and (t["connection_mode"] != "none").any():
                tables[canonical_dataset(ds)] = t
    if not tables:
        return None
    band = claim("vcp-le-0.8-validation").value
    points = {p: claim(f"vcp-{p:g}-validation").value for p in (0.9, 0.99)}
    fig, axes = plt.subplots(len(tables), 2, figsize=(11, 3.6 * len(tables)), squeeze=False,
                             layout="constrained")  # fmt: skip
    for row, (ds, t) in enumerate(tables.items()):
        base = t[t["connection_mode"] == "none"]
        for col, metric in enumerate(("validation", "translation")):
            ax = axes[row, col]
            for mode in MODES:
                part = t[t["connection_mode"] == mode]
                if part.empty:
                    continue
                part = pd.concat([base, part]).sort_values("connection_prob")
                x = part["connection_prob"].astype(float) * 100
                ax.plot(
                    x, part[metric], marker="o", color=_MODE_COLORS[mode], label=f"{mode} (ours)"
                )
                ax.vlines(x, part[f"{metric}_min"], part[f"{metric}_max"], color=_MODE_COLORS[mode])
            if ds == "mnist" and metric == "validation":
                ax.fill_between([0, 80], *band, color="0.6", alpha=0.25, label="paper (≤ 80 %)")
                xs = [p * 100 for p in points]
                ax.plot(xs, list(points.values()), "D", markerfacecolor="none", color="black",
                        label="paper (90 %, 99 %)")  # fmt: skip
            ax.axhline(CHANCE, color="0.4", linestyle=":", linewidth=1)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("connections absent (%)")
            ax.set_ylabel(f"{metric} accuracy (final epoch)")
            ax.set_title(f"{_NAMES[ds]}: {metric}", fontsize="medium")
            ax.grid(True, alpha=0.3)
            if ax.get_legend_handles_labels()[1]:
                ax.legend(fontsize="small", loc="best")
    if scale is None:
        scale = scale_label(runs_of(frame, "connections", level=level))
    return titled(fig, f"FCNs with absent connections, {level * 100:g} % translation", scale)
