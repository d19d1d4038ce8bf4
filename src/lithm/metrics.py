"""Accuracy, the filter-distance measure of approximate weight sharing (paper §5.4), and controls.

A free convolution has an independent kernel at every output position. If training with translated
images makes neighbouring kernels alike, the network has learnt *approximate* weight sharing. The
paper measures this on the first layer as the mean distance between the kernel block at each
position and the blocks on the square ring at distance ``r`` around it (``r`` = 1 and 4), after
normalising all kernels together to unit Frobenius norm (paper §5.4 and App. B.5; the book's
protocol appendix, section "The filter distance").

That single global norm mixes two things: blocks that point alike, and blocks whose *sizes* differ.
Blocks that keep their initial size while others grow move the measure with no kernels becoming
alike. The controls separate the two (why: the paper reports the global measure only):

- ``normalise="block"``: every block divided by its own norm first (direction only);
- ``metric="cosine"``: the mean of ``1 − cos`` between blocks (direction only, as the authors log);
- ``window=``: the measure on an inner sub-grid only (:func:`inner_window`);
- :func:`norm_only_distance`: what the measure would give if every block kept its size but all
  directions were independent (sizes only).

>>> kernels = torch.ones(13, 13, 32, 1, 3, 3)  # every position has the same kernels
>>> filter_distance(kernels, radius=1)
0.0
>>> pair_count(13, 13, 1), pair_count(13, 13, 4)
(968, 800)
"""

from __future__ import annotations

import torch

__all__ = [
    "CONTROLS",
    "METRICS",
    "NORMALISATIONS",
    "accuracy",
    "block_norms",
    "distance_controls",
    "distance_measures",
    "filter_distance",
    "inner_window",
    "norm_only_distance",
    "pair_count",
    "ring_offsets",
]

#: Valid ``metric`` arguments of :func:`filter_distance`.
METRICS = ("euclidean", "cosine")
#: Valid ``normalise`` arguments of :func:`filter_distance`: the paper's one global norm, or
#: every block to unit norm first.
NORMALISATIONS = ("global", "block")
#: The keys of :func:`distance_controls` per radius, in the order the book shows them.
CONTROLS = ("dist", "block", "cos", "inner", "norm_only")


def ring_offsets(radius: int) -> list[tuple[int, int]]:
    """Return the ``8·radius`` offsets ``(u, v)`` at Chebyshev distance exactly ``radius``.

    The neighbourhood ``N_r = {(u, v) : max(|u|, |v|) = r}`` is a square ring (paper App. B.5,
    Fig. B.5); positions inside the ring are not included. Row-major order.

    >>> ring_offsets(1)
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    """
    _check_radius(radius)
    span = range(-radius, radius + 1)
    return [(u, v) for u in span for v in span if max(abs(u), abs(v)) == radius]


def pair_count(grid_h: int, grid_w: int, radius: int) -> int:
    """Return how many (centre, neighbour) pairs :func:`filter_distance` averages over.

    Centres are the positions whose whole ring lies inside the grid; each has ``8·radius``
    neighbours, and symmetric pairs count twice, as in the authors' code.

    >>> pair_count(14, 14, 1), pair_count(14, 14, 4)
    (1152, 1152)
    """
    _check_radius(radius)
    centres_h, centres_w = grid_h - 2 * radius, grid_w - 2 * radius
    if centres_h < 1 or centres_w < 1:
        raise ValueError(
            f"radius {radius} leaves no centre on a {grid_h}x{grid_w} grid; "
            f"radius must be at most {(min(grid_h, grid_w) - 1) // 2}"
        )
    return centres_h * centres_w * 8 * radius


def _check_radius(radius: int) -> None:
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 1:
        raise ValueError(f"radius must be a positive integer, got {radius!r}")


def _kernel_grid(layer) -> torch.Tensor:
    """Return the kernels as a float64 grid ``(d_h, d_w, D)``, one block per position."""
    if isinstance(layer, torch.Tensor):
        kernels = layer
    elif callable(getattr(layer, "kernels", None)):
        kernels = layer.kernels()
    elif hasattr(layer, "shape") and hasattr(layer, "dtype"):  # a numpy array
        kernels = torch.as_tensor(layer)
    else:
        raise TypeError(
            "layer must be a kernel tensor of shape (out_h, out_w, ...) or an object with a "
            f".kernels() method (e.g. FreeConv2d), got {type(layer).__name__}"
        )
    if kernels.ndim < 2:
        raise ValueError(f"kernels must have shape (out_h, out_w, ...), got {tuple(kernels.shape)}")
    # (out_h, out_w, F, C_in, kh, kw) -> (d_h, d_w, D). The order inside a block does not matter:
    # both distances are invariant to one permutation applied to every block.
    h, w = kernels.shape[:2]
    return kernels.detach().reshape(h, w, -1).to(torch.float64)


def _crop(grid: torch.Tensor, window) -> torch.Tensor:
    """The sub-grid ``grid[top:bottom, left:right]`` of ``window = (top, bottom, left, right)``."""
    if window is None:
        return grid
    top, bottom, left, right = (int(v) for v in window)
    d_h, d_w = grid.shape[:2]
    if not (0 <= top < bottom <= d_h and 0 <= left < right <= d_w):
        raise ValueError(f"window {tuple(window)} does not fit a {d_h}x{d_w} grid")
    return grid[top:bottom, left:right]


def _pairs(grid: torch.Tensor, radius: int):
    """Yield ``(centres, neighbours)``, both ``(d_h − 2r, d_w − 2r, D)``, for each ring offset."""
    d_h, d_w = grid.shape[:2]
    r = radius
    centres = grid[r : d_h - r, r : d_w - r]
    for u, v in ring_offsets(r):
        yield centres, grid[r + u : d_h - r + u, r + v : d_w - r + v]


def _unit_blocks(grid: torch.Tensor) -> torch.Tensor:
    block = torch.linalg.vector_norm(grid, dim=-1, keepdim=True)  # (d_h, d_w, 1)
    if (block == 0).any():
        raise ValueError("a direction-only distance is undefined for an all-zero kernel block")
    return grid / block


@torch.no_grad()
def filter_distance(
    layer, radius: int, metric: str = "euclidean", *, normalise: str = "global", window=None
) -> float:
    """Return the mean distance between kernel blocks at ring distance ``radius`` (paper §5.4).

    Each "filter" is the whole block of kernels at one output position (all output and input
    channels together). Steps: (1) view the kernels as a grid ``G[i, j]``; (2) divide the whole
    tensor by its Frobenius norm; (3) average, over centres ``(i, j)`` whose ring fits in the grid
    and over the ``8·radius`` ring offsets ``(u, v)``, the distance between ``G[i, j]`` and
    ``G[i+u, j+v]``: Euclidean (``dist_r``, paper Fig. 5) or cosine distance ``1 − cos``
    (``cos_r``, which the repository's CIFAR figure mislabels "Cosine Similarity").

    Controls (not in the paper): ``normalise="block"`` divides every block by its own norm before
    step (2), so only directions count; the value of independent random blocks stays ``√(2/P)``.
    ``window=(top, bottom, left, right)`` applies the whole measure to the sub-grid
    ``G[top:bottom, left:right]`` only, as if it were the layer (see :func:`inner_window`).

    ``layer`` is a tensor or array ``(out_h, out_w, ...)`` or an object whose ``.kernels()``
    returns one, such as :class:`lithm.layers.FreeConv2d`. For i.i.d. random kernels on ``P``
    positions the Euclidean value is about ``√(2/P)``: 0.1088 for MNIST's 13×13 grid.

    >>> g = torch.Generator().manual_seed(0)
    >>> round(filter_distance(torch.randn(13, 13, 288, generator=g), 1), 2)
    0.11
    >>> scales = torch.arange(1.0, 170.0).reshape(13, 13, 1)  # one block, 169 different sizes
    >>> round(filter_distance(scales * torch.ones(13, 13, 288), 1, normalise="block"), 12)
    0.0
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    if normalise not in NORMALISATIONS:
        raise ValueError(
            f"unknown normalise {normalise!r}; valid values: {', '.join(NORMALISATIONS)}"
        )
    grid = _crop(_kernel_grid(layer), window)  # (d_h, d_w, D)
    d_h, d_w = grid.shape[:2]
    n_pairs = pair_count(d_h, d_w, radius)
    if metric == "cosine" or normalise == "block":
        # The global normalisation does not change a cosine; normalise each block instead.
        grid = _unit_blocks(grid)
    if metric == "euclidean":
        norm = torch.linalg.vector_norm(grid)
        # All-zero kernels are all identical: distance 0 (instead of 0/0).
        grid = grid / norm if norm > 0 else grid
    total = torch.zeros((), dtype=torch.float64, device=grid.device)
    for centres, neighbours in _pairs(grid, radius):
        if metric == "euclidean":
            total += torch.linalg.vector_norm(centres - neighbours, dim=-1).sum()
        else:
            total += (1 - (centres * neighbours).sum(dim=-1)).sum()
    return float(total / n_pairs)


@torch.no_grad()
def block_norms(layer) -> torch.Tensor:
    """Return the Frobenius norm of the kernel block at every position, ``(d_h, d_w)`` float64.

    >>> block_norms(torch.ones(2, 3, 4)).tolist()
    [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    """
    return torch.linalg.vector_norm(_kernel_grid(layer), dim=-1)


@torch.no_grad()
def norm_only_distance(layer, radius: int, *, window=None) -> float:
    """Return the distance the measure would give if only the block *sizes* were kept (a control).

    Two blocks of norms ``a`` and ``b`` with independent random directions in many dimensions are
    nearly orthogonal, so ``‖A − B‖ ≈ √(a² + b²)``. The prediction averages that over the same
    pairs as :func:`filter_distance`, after the same global normalisation. Equal sizes give the
    random baseline ``√(2/P)``; uneven sizes move it with no kernels becoming alike (down when the
    sizes vary independently of position, by Jensen's inequality; the ring's centres leave out the
    border, so a grown interior can also move it up). A trained layer whose
    :func:`filter_distance` is close to this value shows no more alikeness than its sizes imply.

    >>> round(norm_only_distance(torch.ones(13, 13, 288), 1), 4), round((2 / 169) ** 0.5, 4)
    (0.1088, 0.1088)
    """
    norms = block_norms(_crop(_kernel_grid(layer), window))  # (d_h, d_w)
    d_h, d_w = norms.shape
    total_sq = (norms**2).sum()
    if total_sq == 0:
        return 0.0
    sq = (norms**2 / total_sq).unsqueeze(-1)  # (d_h, d_w, 1): each block's share of the norm²
    total = torch.zeros((), dtype=torch.float64)
    for centres, neighbours in _pairs(sq, radius):
        total += torch.sqrt(centres + neighbours).sum()
    return float(total / pair_count(d_h, d_w, radius))


def inner_window(grid: int, kernel: int, stride: int, image: int, margin: int) -> tuple:
    """Return the positions whose receptive field lies ``margin`` pixels or more inside the image.

    For a layer with 'valid' padding, position ``i`` reads pixels ``i·stride … i·stride + kernel −
    1``. The result ``(top, bottom, left, right)`` (half-open, square images) is a ``window`` for
    :func:`filter_distance`. With MNIST's layer (13 positions, 3×3, stride 2) and a 4-pixel margin
    (MNIST digits sit in a 20×20 box centred in the 28×28 frame) it keeps positions 2–10.

    >>> inner_window(13, 3, 2, 28, 4), inner_window(14, 5, 2, 32, 4)
    ((2, 11, 2, 11), (2, 12, 2, 12))
    """
    inside = [
        i for i in range(grid) if i * stride >= margin and i * stride + kernel <= image - margin
    ]
    if not inside:
        raise ValueError(f"a margin of {margin} px leaves no position of the {grid}-position grid")
    first, last = inside[0], inside[-1] + 1
    return (first, last, first, last)


def distance_controls(layer, radii=(1, 4), window=None) -> dict[str, float]:
    """Return the paper's measure and its controls per radius, keys ``<control>_<r>`` (CONTROLS).

    ``dist``: the paper's measure; ``block``: per-block normalised; ``cos``: cosine distance;
    ``inner``: the paper's measure on ``window`` (NaN when the window is None or too small for the
    radius); ``norm_only``: :func:`norm_only_distance` on the whole grid.

    >>> c = distance_controls(torch.ones(13, 13, 4), radii=(1,), window=(2, 11, 2, 11))
    >>> [c[k] for k in ("dist_1", "block_1", "cos_1", "inner_1")]
    [0.0, 0.0, 0.0, 0.0]
    """
    grid = _kernel_grid(layer)
    out = {}
    for r in radii:
        out[f"dist_{r}"] = filter_distance(grid, r)
        out[f"block_{r}"] = filter_distance(grid, r, normalise="block")
        out[f"cos_{r}"] = filter_distance(grid, r, "cosine")
        inner = float("nan")
        if window is not None:
            size = min(window[1] - window[0], window[3] - window[2])
            if size > 2 * r:
                inner = filter_distance(grid, r, window=window)
        out[f"inner_{r}"] = inner
        out[f"norm_only_{r}"] = norm_only_distance(grid, r)
    return out


def distance_measures(layer, radii=(1, 4)) -> dict[str, float]:
    """Return every filter distance the authors log per epoch: ``dist_r`` and ``cos_r``.

    Keys follow the authors' CSV columns, e.g. ``dist_1, dist_4, cos_1, cos_4``.

    >>> sorted(distance_measures(torch.ones(13, 13, 4)))
    ['cos_1', 'cos_4', 'dist_1', 'dist_4']
    """
    grid = _kernel_grid(layer)
    out = {f"dist_{r}": filter_distance(grid, r) for r in radii}
    out.update({f"cos_{r}": filter_distance(grid, r, "cosine") for r in radii})
    return out


@torch.no_grad()
def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Return the fraction of rows of ``logits (B, K)`` whose arg-max equals ``labels (B,)``.

    >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0]]), torch.tensor([0, 1, 1]))
    0.6666666666666666
    """
    if logits.ndim != 2 or labels.ndim != 1 or len(logits) != len(labels):
        raise ValueError(
            "accuracy expects logits (B, K) and labels (B,), got "
            f"{tuple(logits.shape)} and {tuple(labels.shape)}"
        )
    if len(labels) == 0:
        raise ValueError("accuracy of an empty batch is undefined")
    return (logits.argmax(dim=1) == labels).double().mean().item()
